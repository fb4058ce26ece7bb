"""The table of measured commands: one row per command, each run per platform size.

A row says how to build its command line for a size, which tool it needs, what it reads from
an earlier row, which exit codes mean it worked, and how to read what it found. Adding a tool to
the comparison is adding a row here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.configs import PlatformPair
from bench.toolchain import Toolchain
from lakestack.cache import CACHE_ENV, OFF


@dataclass(frozen=True)
class Case:
    """One platform size and its work folder: the configs, the synths and the logs of every run."""

    pair: PlatformPair
    folder: Path

    @property
    def synth_base(self) -> Path:
        return self.folder / "synth-base"

    @property
    def synth_head(self) -> Path:
        return self.folder / "synth-head"

    @property
    def cdktf_cli_out(self) -> Path:
        return self.folder / "cdktf-cli-out"

    def log(self, row: str, stream: str) -> Path:
        return self.folder / "logs" / f"{row.replace(' ', '-')}.{stream}"


@dataclass(frozen=True)
class Row:
    """One measured command."""

    name: str
    tool: str  # lakestack | python (the floor) | cdktf CLI | checkov
    argv: Callable[[Toolchain, Case], list[str]]
    output: Callable[[Case, Path], int]  # bytes of JSON the command produced, given its stdout file
    findings: Callable[[Case, Path], dict[str, Any]]
    needs: tuple[str, ...] = ()  # folders (Case properties) an earlier step must have written
    ok_exit_codes: tuple[int, ...] = (0,)
    subcommand: str | None = None  # lakestack subcommand that must exist for the row to run
    env: Callable[[Case], dict[str, str]] = lambda case: {}
    comparison: bool = False  # a tool users would otherwise run (skipped with --no-compare)


def json_bytes_under(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*.json"))


def stdout_bytes(case: Case, stdout: Path) -> int:
    return stdout.stat().st_size if stdout.exists() else 0


def synth_summary(folder: Path) -> dict[str, Any]:
    """Stacks and Terraform resources in a synth folder: the size of what every other tool reads."""
    stacks = sorted(folder.glob("stacks/*/cdk.tf.json"))
    resources = 0
    for stack in stacks:
        doc = json.loads(stack.read_text(encoding="utf-8"))
        resources += sum(len(by_name) for by_name in doc.get("resource", {}).values())
    return {"stacks": len(stacks), "resources": resources}


def same_stacks(ours: Path, theirs: Path) -> bool:
    """Whether two synth folders hold the same Terraform JSON, stack by stack (the manifest may differ)."""
    def stacks(folder: Path) -> dict[str, Any]:
        return {p.parent.name: json.loads(p.read_text(encoding="utf-8"))
                for p in folder.glob("stacks/*/cdk.tf.json")}

    return stacks(ours) == stacks(theirs)


def cdktf_cli_findings(case: Case, stdout: Path) -> dict[str, Any]:
    """The CLI's synth, and whether it is the JSON `lakestack synth` wrote for the same config."""
    return {**synth_summary(case.cdktf_cli_out),
            "same_as_lakestack_synth": same_stacks(case.synth_base, case.cdktf_cli_out)}


def read_stdout_json(stdout: Path) -> Any:
    try:
        return json.loads(stdout.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return {"unreadable": f"stdout is not JSON ({exc.__class__.__name__})"}


def audit_findings(case: Case, stdout: Path) -> dict[str, Any]:
    """Findings of `lakestack audit --format json`, counted by severity."""
    doc = read_stdout_json(stdout)
    if not isinstance(doc, dict) or "unreadable" in doc:
        return doc if isinstance(doc, dict) else {"unreadable": "unexpected JSON shape"}
    findings = doc.get("findings", [])
    by_severity: dict[str, int] = {}
    for finding in findings:
        severity = str(finding.get("severity", "unknown")).lower()
        by_severity[severity] = by_severity.get(severity, 0) + 1
    return {"findings": len(findings), "by_severity": dict(sorted(by_severity.items()))}


def review_findings(case: Case, stdout: Path) -> dict[str, Any]:
    """What `lakestack review --format json` said about the pull request."""
    doc = read_stdout_json(stdout)
    if not isinstance(doc, dict) or "unreadable" in doc:
        return doc if isinstance(doc, dict) else {"unreadable": "unexpected JSON shape"}
    audit = doc.get("audit", {})
    return {
        "risk_level": doc.get("risk_level"),
        "changes": len(doc.get("changes", [])),
        "risks": len(doc.get("risks", [])),
        "grant_changes": len(doc.get("grants", [])),
        "audit_findings_on_head": len(audit.get("findings", [])),
    }


def checkov_findings(case: Case, stdout: Path) -> dict[str, Any]:
    """checkov's passed and failed checks and the resources they touched (a bare summary when none applied)."""
    doc = read_stdout_json(stdout)
    reports = doc if isinstance(doc, list) else [doc]
    passed = failed = 0
    resources: set[str] = set()
    for report in reports:
        if not isinstance(report, dict):
            continue
        if "unreadable" in report:
            return report
        summary = report.get("summary", report)
        passed += int(summary.get("passed", 0))
        failed += int(summary.get("failed", 0))
        checks = report.get("results", {})
        for record in checks.get("passed_checks", []) + checks.get("failed_checks", []):
            resources.add(f"{record.get('file_path')}:{record.get('resource')}")
    return {"passed_checks": passed, "failed_checks": failed, "resources_checked": len(resources)}


def _lakestack_synth(tools: Toolchain, case: Case) -> list[str]:
    return [*tools.lakestack, "synth", "--config", str(case.pair.base), "--out", str(case.synth_base)]


def _lakestack_audit(tools: Toolchain, case: Case) -> list[str]:
    return [*tools.lakestack, "audit", "--config", str(case.pair.base), "--synth-dir", str(case.synth_base),
            "--format", "json"]


def _lakestack_review(tools: Toolchain, case: Case) -> list[str]:
    return [*tools.lakestack, "review", "--config", str(case.pair.head), "--base", str(case.synth_base),
            "--head", str(case.synth_head), "--format", "json"]


# The floor: a Python process that only loads the JSON the audit (one synth) or the review (two) reads.
FLOOR_SCRIPT = ("import json, pathlib, sys\n"
                "for folder in sys.argv[1:]:\n"
                "    for f in sorted(pathlib.Path(folder).glob('stacks/*/cdk.tf.json')):\n"
                "        json.loads(f.read_text(encoding='utf-8'))\n")
FLOOR_AUDIT = "floor: load synth JSON"
FLOOR_REVIEW = "floor: load base+head JSON"
AUDIT_UNCACHED = "lakestack audit, config not cached"


def _floor(*folders: str) -> Callable[[Toolchain, Case], list[str]]:
    return lambda tools, case: [sys.executable, "-c", FLOOR_SCRIPT, *(str(getattr(case, f)) for f in folders)]


def _cdktf_cli_synth(tools: Toolchain, case: Case) -> list[str]:
    assert tools.cdktf is not None
    return [str(tools.cdktf), "synth", "--output", str(case.cdktf_cli_out)]


def _checkov(tools: Toolchain, case: Case) -> list[str]:
    assert tools.checkov is not None
    return [str(tools.checkov), "--framework", "terraform_json", "--directory", str(case.synth_base),
            "--output", "json", "--skip-download", "--compact"]


ROWS: tuple[Row, ...] = (
    Row("lakestack synth", "lakestack", _lakestack_synth,
        output=lambda case, _: json_bytes_under(case.synth_base),
        findings=lambda case, _: synth_summary(case.synth_base),
        subcommand="synth"),
    Row(FLOOR_AUDIT, "python", _floor("synth_base"), output=lambda case, _: json_bytes_under(case.synth_base),
        findings=lambda case, _: synth_summary(case.synth_base), needs=("synth_base",)),
    Row(FLOOR_REVIEW, "python", _floor("synth_base", "synth_head"),
        output=lambda case, _: json_bytes_under(case.synth_base) + json_bytes_under(case.synth_head),
        findings=lambda case, _: synth_summary(case.synth_head), needs=("synth_base", "synth_head")),
    Row("lakestack audit", "lakestack", _lakestack_audit, output=stdout_bytes, findings=audit_findings,
        needs=("synth_base",), ok_exit_codes=(0, 1), subcommand="audit"),
    # The same audit parsing the config again, as the first command to read a version of it does (`lakestack.cache`).
    Row(AUDIT_UNCACHED, "lakestack", _lakestack_audit, output=stdout_bytes, findings=audit_findings,
        needs=("synth_base",), ok_exit_codes=(0, 1), subcommand="audit", env=lambda case: {CACHE_ENV: OFF}),
    Row("lakestack review", "lakestack", _lakestack_review, output=stdout_bytes, findings=review_findings,
        needs=("synth_base", "synth_head"), ok_exit_codes=(0, 1), subcommand="review"),
    Row("cdktf CLI synth", "cdktf CLI", _cdktf_cli_synth,
        output=lambda case, _: json_bytes_under(case.cdktf_cli_out),
        findings=cdktf_cli_findings, env=lambda case: {"LAKESTACK_CONFIG": str(case.pair.base)}, comparison=True),
    Row("checkov", "checkov", _checkov, output=stdout_bytes, findings=checkov_findings,
        needs=("synth_base",), ok_exit_codes=(0, 1), comparison=True),
)
