"""The pull-request comment, in the order a reviewer reads it.

First, per environment, Terraform's own `Plan: X to add, Y to change, Z to destroy.` and one line
saying what the change does in config words; then the risks, then what to do next. Everything below
explains them: the access picture, the audit, destroys, grants (per principal), bindings (by
environment name), and per stack the attribute changes as `diff` blocks. No table anywhere: lists
fit GitHub's comment column, whatever the number of privileges or the length of a value.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from review.attributes import UNKNOWN, attribute_changes
from review.audit_findings import RAN, AuditResult
from review.budget import GITHUB_COMMENT_LIMIT, Section, fit
from review.changes import ResourceChange, format_path
from review.gate import ACCEPT_LABEL, KEEP_DATA, unacceptable
from review.highlights import BindingChange, GrantChange
from review.report import NONE, Review

MARKER = "<!-- lakestack-review -->"
NO_RISK = "**Risk: none**: no destroys, replacements, escalations in governed environments or binding removals"
ALERTS = {"high": "CAUTION", "medium": "WARNING", "low": "NOTE", NONE: "NOTE"}
LEVEL_ICONS = {"high": "🔴", "medium": "🟠", "low": "🟡"}
CAUSE_NAMES = 3  # names listed per kind of resource in the one-line cause, then a count
REASONS = {
    "replace_because_cannot_update": "an attribute that cannot change in place changed",
    "replace_because_tainted": "the resource is tainted",
    "replace_by_request": "replacement was requested (-replace)",
    "replace_by_triggers": "replace_triggered_by fired",
    "delete_because_no_resource_config": "removed from the configuration",
    "delete_because_no_module": "its module was removed",
    "delete_because_wrong_repetition": "count/for_each changed",
    "delete_because_count_index": "count shrank",
    "delete_because_each_key": "for_each key removed",
    "delete_because_no_move_target": "moved target missing",
}
# Resource types in config words: (singular, plural); named ones list their names in the cause line.
NOUNS = {
    "databricks_catalog": ("catalog", "catalogs"),
    "databricks_schema": ("schema", "schemas"),
    "databricks_registered_model": ("model", "models"),
    "databricks_model_serving": ("serving endpoint", "serving endpoints"),
    "databricks_quality_monitor": ("monitor", "monitors"),
    "databricks_sql_table": ("table", "tables"),
    "databricks_grants": ("grant set", "grant sets"),
    "databricks_workspace_binding": ("workspace binding", "workspace bindings"),
    "databricks_alert_v2": ("drift alert", "drift alerts"),
    "databricks_permissions": ("permission set", "permission sets"),
    "databricks_service_principal": ("service principal", "service principals"),
    "databricks_mws_workspaces": ("workspace", "workspaces"),
}
NAMED = ("databricks_catalog", "databricks_registered_model", "databricks_mws_workspaces")
VERBS = {"create": "adds", "delete": "removes", "replace": "replaces", "update": "changes"}
CLOSING_NOTE = (
    "> [!NOTE]\n> Details truncated to stay under GitHub's comment limit: {n} entries not shown. "
    "The summary above is complete; the full review is in the workflow's `review.json` artifact "
    "(`lakestack review --format json`).\n"
)


def render_markdown(review: Review, *, max_chars: int = GITHUB_COMMENT_LIMIT) -> str:
    sections = [
        Section(_header(review.project, review.commit, review.run_url), essential=True),
        Section(_plan_lines(review), essential=True),
        Section(_banner(review), essential=True),
        Section(_risk_list(review), essential=True),
        Section(_next_steps(review), essential=True),
        _picture(review),
        _audit(review.audit),
        _destroys(review),
        _grants(review),
        _bindings(review),
        *_details(review),
    ]
    return fit([s for s in sections if s.head], max_chars, CLOSING_NOTE).text


def render_failure(project: str, step: str, *, commit: str | None = None, run_url: str | None = None) -> str:
    """The sticky comment when there is nothing to review: it must never keep an old 'Risk: none'."""
    where = f" ([workflow run]({run_url}))" if run_url else ""
    return (_header(project, commit, run_url) + "> [!CAUTION]\n"
            f"> **Risk: unknown**: the {step} failed, so this commit was not reviewed{where}. "
            "Fix the error in the job's log and push again; the gate fails until then.\n")


def _header(project: str, commit: str | None, run_url: str | None) -> str:
    parts = [f"## lakestack review: {project}"]
    if commit:
        parts.append(f"commit `{commit[:12]}`")
    if run_url:
        parts.append(f"[workflow run]({run_url})")
    return f"{MARKER}\n" + " · ".join(parts) + "\n\n"


# --- first lines: per environment, the plan and its cause ---------------------------------------

def _plan_lines(review: Review) -> str:
    if not review.stacks:
        return "No stacks in the base or the head: nothing to review.\n\n"
    lines = []
    for environment in review.environments:
        stacks = [s for s in review.stacks if s.environment == environment]
        counts = {k: sum(s.counts.get(k, 0) for s in stacks) for k in review.kinds}
        add = counts.get("create", 0) + counts.get("replace", 0)
        destroy = counts.get("delete", 0) + counts.get("replace", 0)
        extra = "".join(f", {counts[k]} to {k}" for k in ("import", "move") if counts.get(k))
        tier = stacks[0].tier
        lock = " 🔒" if tier == "prod" else ""
        sources = ", ".join(sorted({s.source for s in stacks}))
        names = ", ".join(s.stack for s in stacks)
        lines.append(f"**{environment}**{lock} ({tier}; {names}; {sources}): "
                     f"`Plan: {add} to add, {counts.get('update', 0)} to change, {destroy} to destroy{extra}.`")
        cause = _cause(review, environment)
        if cause:
            lines.append(f"{cause}")
        lines.append("")
    return "\n".join(lines) + "\n"


def _cause(review: Review, environment: str) -> str:
    """What the change does, in config words: `removes model price_elasticity; data_scientists become writers`."""
    phrases = list(review.causes.get(environment, []))
    changes = [c for c in review.changed if c.environment == environment]
    for kind in ("delete", "replace", "create", "update"):
        by_type: dict[str, list[ResourceChange]] = {}
        for change in changes:
            if change.kind == kind:
                by_type.setdefault(change.type, []).append(change)
        parts = [_noun_phrase(rtype, items) for rtype, items in sorted(by_type.items(), key=_type_order)]
        if parts:
            phrases.append(f"{VERBS[kind]} " + ", ".join(parts))
    return "; ".join(phrases)


def _type_order(item: tuple[str, list[ResourceChange]]) -> tuple[int, str]:
    rtype = item[0]
    return (list(NOUNS).index(rtype) if rtype in NOUNS else len(NOUNS), rtype)


def _noun_phrase(rtype: str, changes: list[ResourceChange]) -> str:
    one, many = NOUNS.get(rtype, (rtype.removeprefix("databricks_").replace("_", " "),) * 2)
    if rtype in NAMED:
        names = [str(c.values().get("name") or c.values().get("deployment_name") or c.address.split(".")[-1])
                 for c in changes]
        more = f" and {len(names) - CAUSE_NAMES} more" if len(names) > CAUSE_NAMES else ""
        shown = ", ".join(names[:CAUSE_NAMES]) + more
        return f"{one if len(names) == 1 else many} {shown}"
    return f"{len(changes)} {one if len(changes) == 1 else many}"


# --- risks and next steps -----------------------------------------------------------------------

def _banner(review: Review) -> str:
    level = review.level
    counts = {lvl: sum(r.level == lvl for r in review.risks) for lvl in LEVEL_ICONS}
    headline = (f"**Risk: {level}**" + "".join(f" · {n} {lvl}" for lvl, n in counts.items() if n)
                if level != NONE else NO_RISK)
    prod = review.prod_changes
    lines = [f"> [!{ALERTS[level]}]", f"> {headline}"]
    if prod:
        lines.append(f"> Prod-tier changes: {len(prod)} ({sum(c.destructive for c in prod)} destroy or replace)")
    lines.append(f"> {_audit_verdict(review.audit)}")
    if review.failed_plans:
        lines.append(f"> **Plan failed** for {', '.join(review.failed_plans)}: reviewed from the config diff only; "
                     "the gate fails until the plan runs")
    return "\n".join(lines) + "\n\n"


def _risk_list(review: Review) -> str:
    if not review.risks:
        return ""
    lines = ["### Risks", ""]
    lines += [f"- {LEVEL_ICONS[r.level]} **{r.environment}** {r.category}: `{r.address}`: {_inline(r.message)}"
              for r in review.risks]
    return "\n".join(lines) + "\n\n"


def _next_steps(review: Review) -> str:
    high = [r for r in review.risks if r.level == "high"]
    blocked = [r for r in high if unacceptable(r, review.tier_of(r.environment))]
    audit_failed = review.audit is not None and review.audit.failed
    steps = []
    if blocked:
        steps.append(f"Destroying prod data is never accepted in a pull request: {KEEP_DATA}; or keep the "
                     "resource in the config.")
    if len(high) > len(blocked):
        steps.append(f"To accept the other high risks: a reviewer **other than the author**, with write access, "
                     f"approves this commit and adds the label `{ACCEPT_LABEL}`; the gate re-runs on both.")
    if audit_failed:
        steps.append("Fix the audit findings, or waive one in `policies/waivers.yaml` (with a reason, an owner and "
                     "an expiry) where its rule can be waived; the secrets and prod-destroy rules cannot.")
    if not steps:
        steps.append("Nothing blocks this pull request. After merge, each deploy applies the plan saved for "
                     "its commit; prod waits for its environment's reviewers, who see that plan first.")
    if any(s.source != "plan" for s in review.stacks):
        steps.append("Stacks marked `config diff` are reviewed from the synth alone; list environments in the "
                     "repository variable `LAKESTACK_PLAN_ENVIRONMENTS` to review real plans.")
    return "### Next steps\n\n" + "".join(f"- {s}\n" for s in steps) + "\n"


def _audit_verdict(audit: AuditResult | None) -> str:
    if audit is None:
        return "Audit: skipped (--no-audit)"
    if audit.status != RAN:
        return f"Audit: not run ({audit.note})"
    waived = len(audit.findings) - len(audit.open_findings)
    if not audit.open_findings:
        return f"Audit: passed, no open findings ({waived} waived)"
    by_severity = ", ".join(f"{n} {sev}" for sev, n in audit.counts.items())
    verdict = "**fails**" if audit.failed else "passes the threshold"
    return f"Audit: {verdict}: {len(audit.open_findings)} open findings ({by_severity}; {waived} waived)"


# --- explanations -------------------------------------------------------------------------------

def _picture(review: Review) -> Section:
    if not review.picture:
        return Section("")
    return Section("<details><summary><b>Who can read and write what</b> (head config)</summary>\n\n"
                   f"```mermaid\n{review.picture.rstrip()}\n```\n\n</details>\n\n")


def _audit(audit: AuditResult | None) -> Section:
    head = f"### Audit of the head\n\n{_audit_verdict(audit)}\n\n"
    if audit is None or audit.status != RAN or not audit.findings:
        return Section(head)
    items = [f"- {f.severity}{' (waived)' if f.waived else ''} `{f.rule_id}` **{f.environment}** "
             f"`{_inline(f.resource)}`: {_inline(f.title)}: {_inline(f.message)}\n" for f in audit.findings]
    return Section(head, items, "\n")


def _destroys(review: Review) -> Section:
    items = [f"- **{c.environment}** `{c.address}` ({c.stack}): **{c.kind}**: {_inline(_reason(c))}\n"
             for c in review.destructive]
    return Section("### Destroys and replacements\n\n" if items else "", items, "\n" if items else "")


def _reason(change: ResourceChange) -> str:
    parts = [REASONS.get(change.action_reason or "", change.action_reason or "")]
    if change.replace_paths:
        parts.append("forced by " + ", ".join(f"`{format_path(p)}`" for p in change.replace_paths))
    if change.moved:
        parts.append(f"moved from `{change.previous_address}`")
    parts.extend(change.notes)
    return "; ".join(p for p in parts if p) or "-"


def _grants(review: Review) -> Section:
    head = "### Grant changes\n\n" if review.grants else ""
    return Section(head, review.grants, render=_grant_list)


def _grant_list(grant: GrantChange) -> str:
    escalated = grant.escalations
    lines = [f"**{grant.environment}** ({grant.tier}) {grant.securable} (`{grant.address}`, {grant.kind})"]
    for principal in sorted(set(grant.added) | set(grant.removed)):
        parts = []
        if grant.added.get(principal):
            parts.append("+ " + ", ".join(grant.added[principal]))
        if grant.removed.get(principal):
            parts.append("\N{MINUS SIGN} " + ", ".join(grant.removed[principal]))
        flag = (f" ⚠️ **escalation**: {', '.join(escalated[principal])}"
                if principal in escalated and grant.tier != "dev" else "")
        lines.append(f"- {_inline(principal)}: {'; '.join(parts)}{flag}")
    return "\n".join(lines) + "\n\n"


def _bindings(review: Review) -> Section:
    items = [_binding_line(b) for b in review.bindings]
    return Section("### Workspace bindings\n\n" if items else "", items, "\n" if items else "")


def _binding_line(binding: BindingChange) -> str:
    workspace = binding.workspace or binding.workspace_id
    before, after = binding.binding_before, binding.binding_after
    what = {"create": f"bound {after}", "delete": f"unbound (was {before})"}.get(binding.kind, f"{before} -> {after}")
    return f"- **{binding.environment}** {_inline(binding.securable)} in the {workspace} workspace: {what}\n"


# --- details per stack --------------------------------------------------------------------------

def _details(review: Review) -> list[Section]:
    sections = []
    for stack in review.stacks:
        changed = [c for c in review.changed if c.stack == stack.stack]
        if not changed:
            continue
        counts = ", ".join(f"{n} {k}" for k, n in stack.counts.items() if n and k != "no-op")
        head = f"<details><summary><b>{stack.stack}</b> ({stack.tier}): {counts}</summary>\n\n"
        creates = [c for c in changed if c.kind == "create" and not c.moved and not c.imported]
        others = [c for c in changed if c not in creates]
        items: list[Any] = [*others, *_create_groups(creates)]
        sections.append(Section(head, items, "</details>\n\n", render=_detail_item))
    return sections


def _create_groups(creates: Iterable[ResourceChange]) -> list[tuple[str, list[str]]]:
    """Creates summarised by type (every address named, values in the JSON), one item per type."""
    by_type: dict[str, list[str]] = {}
    for change in creates:
        by_type.setdefault(change.type, []).append(change.address.split(".", 1)[1])
    return sorted(by_type.items())


def _detail_item(item: ResourceChange | tuple[str, list[str]]) -> str:
    if isinstance(item, tuple):
        rtype, names = item
        return f"- create {len(names)} `{rtype}`: " + ", ".join(f"`{n}`" for n in names) + "\n\n"
    return _resource_diff(item)


def _resource_diff(change: ResourceChange) -> str:
    extra = ""
    if change.moved:
        extra += f", moved from `{change.previous_address}`"
    if change.imported:
        extra += f", imported (id `{_inline(change.importing_id or '')}`)"
    lines = [f"**`{change.address}`**: {change.kind}{extra}"]
    rows = attribute_changes(change)
    if rows:
        body = []
        for row in rows:
            flag = "  # forces replacement" if row.forces_replacement else ""
            if row.before is not None and change.kind != "create":
                body += _diff_lines("-", row.path, row.before, flag)
            if row.after is not None and change.kind != "delete":
                body += _diff_lines("+", row.path, row.after, flag)
        fence = "````" if any("```" in line for line in body) else "```"
        lines += ["", f"{fence}diff", *body, fence]
    return "\n".join(lines) + "\n\n"


def _diff_lines(sign: str, path: str, value: Any, flag: str) -> list[str]:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if value == UNKNOWN or (isinstance(value, str) and value.startswith("(sensitive")):
        text = value
    first, *rest = str(text).split("\n")
    return [f"{sign} {path} = {first}{flag if not rest else ''}", *(f"{sign}   {line}" for line in rest)]


def _inline(text: Any) -> str:
    """Text safe on one list line: no line breaks."""
    return str(text).replace("\r", " ").replace("\n", " ")
