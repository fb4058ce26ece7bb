"""Run the rule pack over a synth, plans and the live workspace: `run_audit(config, ...) -> AuditReport`.

The entry point the `lakestack audit` and `lakestack review` commands share. It imports
`databricks-sdk` only for a live audit, so auditing a synth stays a sub-second process.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lakestack.secrets import CREDENTIAL_VALUE
from policies.findings import Finding
from policies.model import Inventory, Resource
from policies.principals import Principals
from policies.rules import CHECK_RULES, DRIFT_RULES
from policies.rules.base import AnyRule, Context, DriftContext, Rule, Scope, Severity, Violation
from policies.waivers import META_RULES, apply_waivers, load_waivers

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient


def _no_check(_: object) -> Iterable[Violation]:
    return ()


# A rule that raises is a finding of its own, not the end of the audit: the other rules still run, the
# report says which rule failed on which resource, and the command exits 2 (the verdict is incomplete).
ENGINE_ERROR = Rule(
    id="LS-ENGINE-001", title="A rule failed to run", severity=Severity.CRITICAL, resource_types=(),
    scope=Scope.ALL,
    rationale="A rule that fails gives no verdict; an audit that stopped there would hide every later finding, "
              "and one that skipped it silently would pass what it never checked.",
    remediation="The resource has a shape the rule does not expect: report it with the message; until the rule "
                "is fixed, review the resource by hand.",
    check=_no_check, waivable=False, sources=(),
)
ALL_RULES: tuple[AnyRule, ...] = (*CHECK_RULES, *DRIFT_RULES, *META_RULES, ENGINE_ERROR)
RULES_BY_ID: dict[str, AnyRule] = {rule.id: rule for rule in ALL_RULES}
PlanArg = str | Path | tuple[str, str | Path]


@dataclass
class AuditReport:
    findings: list[Finding]
    sources: list[str] = field(default_factory=list)  # what was audited, for the summary
    notes: list[str] = field(default_factory=list)

    def failed(self, threshold: str | Severity = Severity.HIGH) -> bool:
        """True when an unwaived finding is at or above `threshold`."""
        level = parse_severity(threshold)
        return any(not f.waived and f.severity.at_least(level) for f in self.findings)

    @property
    def engine_errors(self) -> list[Finding]:
        """Rules that raised instead of judging: the audit is incomplete (exit code 2)."""
        return [f for f in self.findings if f.rule_id == ENGINE_ERROR.id]

    @property
    def unwaived(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    @property
    def summary(self) -> dict[str, Any]:
        open_ = self.unwaived
        return {
            "total": len(self.findings),
            "unwaived": len(open_),
            "waived": len(self.findings) - len(open_),
            "by_severity": {s.value: sum(1 for f in open_ if f.severity is s) for s in Severity},
            "by_rule": dict(sorted(Counter(f.rule_id for f in open_).items())),
            "sources": list(self.sources),
            "notes": list(self.notes),
        }

    def rules(self) -> list[AnyRule]:
        """Every rule of the pack, for reports that describe them (SARIF's tool.driver.rules)."""
        return list(ALL_RULES)


def parse_severity(value: str | Severity) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise InputError(f"unknown severity '{value}'; use one of: {', '.join(s.value for s in Severity)}") from None


def run_audit(
    config: PlatformConfig,
    *,
    synth_dir: str | Path | None = None,
    plans: Sequence[PlanArg] = (),
    live_env: str | None = None,
    waivers_path: str | Path | None = None,
    live_client: WorkspaceClient | None = None,
    today: dt.date | None = None,
) -> AuditReport:
    """Audit every given source; waivers from `waivers_path` mark findings waived (or report themselves).

    With `live_env`, the synth is that environment's declared state: audited for it alone, and
    compared with the workspace for the drift report.
    """
    if synth_dir is None and not plans and live_env is None:
        raise InputError("nothing to audit", hint="give a synth folder, a plan, or --live --env ENV")
    waivers = load_waivers(Path(waivers_path), RULES_BY_ID, config.environments) if waivers_path else []
    report = AuditReport(findings=[])
    declared: dict[str, Inventory] = {}
    inventories: list[Inventory] = []
    if synth_dir is not None:
        from policies.adapters.synth import read_synth

        declared = {inventory.environment: inventory for inventory in read_synth(Path(synth_dir))}
        # a live audit reads the synth as the declared state of that one environment
        inventories += [i for env, i in declared.items() if live_env in (None, env)]
        report.sources.append(f"synth {synth_dir}" + (f" ({live_env})" if live_env else ""))
        if not declared:
            report.notes.append(f"{synth_dir} holds no stacks: nothing was synthesized there")
    for plan in plans:
        inventories.append(_plan_inventory(plan, config))
        report.sources.append(f"plan {inventories[-1].label} ({inventories[-1].environment})")
    live = _live_inventory(config, live_env, live_client, declared.get(live_env or "")) if live_env else None
    if live is not None:
        inventories.append(live)
        report.sources.append(f"live {live.label} ({live.environment})")
        report.notes += live.notes
    findings: list[Finding] = []
    for inventory in inventories:
        findings += evaluate(config, inventory)
    if live is not None and live.environment in declared:
        findings += evaluate_drift(config, declared[live.environment], live)
    elif live is not None:
        report.notes.append("drift report skipped: no synth of the declared state was given")
    report.findings = sorted(apply_waivers(findings, waivers, today or dt.date.today()), key=lambda f: f.sort_key)
    return report


def _plan_inventory(plan: PlanArg, config: PlatformConfig) -> Inventory:
    from policies.adapters.plan import read_plan_inventory

    env, path = plan_target(plan)
    if env is not None:
        _check_env(config, env)
    return read_plan_inventory(Path(path), config, env)


def plan_target(plan: PlanArg) -> tuple[str | None, str | Path]:
    """`ENV=FILE` names the environment; a bare FILE lets the plan tell it."""
    if isinstance(plan, tuple):
        return plan[0], plan[1]
    text = str(plan)
    if "=" in text and not Path(text).exists():
        env, path = text.split("=", 1)
        return env, path
    return None, plan


def _live_inventory(config: PlatformConfig, env_name: str, client: WorkspaceClient | None,
                    declared: Inventory | None) -> Inventory:
    from policies.adapters.live import connect, read_live

    _check_env(config, env_name)
    env = config.env(env_name)
    return read_live(client if client is not None else connect(env), env, declared)


def _check_env(config: PlatformConfig, name: str) -> None:
    from lakestack.options import check_env

    check_env(config, name)


def evaluate(config: PlatformConfig, inventory: Inventory) -> list[Finding]:
    if inventory.environment not in config.environments:
        raise InputError(f"{inventory.label}: environment '{inventory.environment}' is not in the platform config "
                         f"(it declares: {', '.join(config.environments)})",
                         hint="synthesize again from the same config, or pass the matching --config")
    env = config.env(inventory.environment)
    ctx = Context(config, env, inventory, Principals(env, inventory))
    out: list[Finding] = []
    for rule in CHECK_RULES:
        if rule.applies(env, inventory.kind):
            out += run_rule(rule, ctx, inventory)
    return out


def evaluate_drift(config: PlatformConfig, declared: Inventory, live: Inventory) -> list[Finding]:
    env = config.env(live.environment)
    drift = DriftContext(config, env, Context(config, env, declared, Principals(env, declared)),
                         Context(config, env, live, Principals(env, live)))
    out: list[Finding] = []
    for rule in DRIFT_RULES:
        if rule.applies(env, live.kind):
            out += run_rule(rule, drift, live)
    return out


def run_rule(rule: AnyRule, ctx: Context | DriftContext, inventory: Inventory) -> list[Finding]:
    """The rule's findings; if it raises, those found so far plus an engine error naming the rule and resource."""
    violations: list[Violation] = []
    try:
        for violation in rule.check(ctx):  # type: ignore[arg-type]
            violations.append(violation)
    except Exception as exc:  # any failure of one rule is reported, never fatal to the audit
        return [*to_findings(rule, inventory, violations), engine_error(rule, inventory, exc)]
    return to_findings(rule, inventory, violations)


def engine_error(rule: AnyRule, inventory: Inventory, exc: Exception) -> Finding:
    resource = _resource_being_checked(exc)
    detail = CREDENTIAL_VALUE.sub("(sensitive)", f"{type(exc).__name__}: {exc}")
    where = resource.address if resource else f"the {inventory.environment} inventory"
    return Finding(
        rule_id=ENGINE_ERROR.id, title=ENGINE_ERROR.title, severity=ENGINE_ERROR.severity,
        environment=inventory.environment, resource=resource.address if resource else inventory.label,
        message=f"rule {rule.id} ({rule.title}) failed on {where}: {detail}; its verdict is unknown, the other "
                "rules ran", source=inventory.kind, stack=resource.stack if resource else "",
        path=resource.source.path if resource else None,
    )


def _resource_being_checked(exc: Exception) -> Resource | None:
    """The resource the failing rule was looking at: the innermost frame of its traceback holding one."""
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        for value in frame.f_locals.values():
            if isinstance(value, Resource):
                return value
    return None


def to_findings(rule: AnyRule, inventory: Inventory, violations: Iterable[Violation]) -> list[Finding]:
    return [
        Finding(rule_id=rule.id, title=rule.title, severity=rule.severity, environment=inventory.environment,
                resource=v.resource.address, message=v.message, source=inventory.kind, stack=v.resource.stack,
                path=v.resource.source.path, config_key=v.config_key)
        for v in violations
    ]
