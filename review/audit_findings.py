"""The governance audit of the head, as the review needs it: one function, one small result type.

The policy engine lives in `policies.audit`; the review only reads its findings (copied into its own
small type), so rendering never depends on the engine's internals.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import PlatformConfig

# Most severe first; both the policy engine's words and SARIF's are understood.
SEVERITY_ORDER = ("critical", "high", "error", "medium", "warning", "low", "note", "info")
FAIL_THRESHOLD = "high"

RAN = "ran"


@dataclass(frozen=True)
class AuditFinding:
    rule_id: str
    title: str
    severity: str
    environment: str
    resource: str
    message: str
    waived: bool = False


@dataclass(frozen=True)
class AuditResult:
    status: str
    findings: tuple[AuditFinding, ...] = ()
    failed: bool = False
    note: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def open_findings(self) -> list[AuditFinding]:
        return [f for f in self.findings if not f.waived]


def severity_rank(severity: str) -> int:
    value = severity.lower()
    return SEVERITY_ORDER.index(value) if value in SEVERITY_ORDER else len(SEVERITY_ORDER)


def audit_head(config: PlatformConfig, *, synth_dir: Path | None,
               plans: Sequence[tuple[str, Path]] = ()) -> AuditResult:
    """Run the policy engine on what the pull request would deploy, or say why it did not run.

    `plans` are (environment, plan file) pairs; waivers come from the audit's default file when it
    exists, so the review and `lakestack audit` agree on what is waived.
    """
    from policies.audit import run_audit
    from policies.waivers import default_waivers_path

    return from_report(run_audit(config, synth_dir=synth_dir, plans=tuple(plans),
                                 waivers_path=default_waivers_path()))


def from_report(report: Any) -> AuditResult:
    """The review's view of an `policies.audit.AuditReport` (one the caller may already have run)."""
    return audit_result(report.findings, failed=bool(report.failed(FAIL_THRESHOLD)))


def audit_result(findings: Iterable[Any], *, failed: bool) -> AuditResult:
    """Copy Finding-shaped objects into the review's own type, most severe first."""
    copied = sorted(
        (AuditFinding(
            rule_id=str(f.rule_id), title=str(f.title), severity=str(getattr(f.severity, "value", f.severity)),
            environment=str(f.environment or ""), resource=str(f.resource or ""), message=str(f.message),
            waived=bool(f.waived),
        ) for f in findings),
        key=lambda f: (f.waived, severity_rank(f.severity), f.environment, f.rule_id, f.resource),
    )
    counts: dict[str, int] = {}
    for finding in copied:
        if not finding.waived:
            counts[finding.severity] = counts.get(finding.severity, 0) + 1
    return AuditResult(RAN, tuple(copied), failed=failed, counts=counts)
