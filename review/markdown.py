"""The pull-request comment: banner and matrix first, then what is risky, then details per stack.

Reading order is priority order: a reviewer who reads only the first screen sees the risk level,
the counts per stack, the top risks and the audit verdict; everything after it explains them.
"""

from __future__ import annotations

import json
from typing import Any

from review.attributes import UNKNOWN, attribute_changes
from review.audit_findings import RAN, AuditResult
from review.budget import GITHUB_COMMENT_LIMIT, Section, fit
from review.changes import KINDS, ResourceChange, format_path
from review.highlights import GrantChange, Risk
from review.report import NONE, Review

MARKER = "<!-- lakestack-review -->"
BANNER_GROUPS = 8
GROUP_ITEMS = 3
BANNER_FINDINGS = 5
# Risks named well enough by their resource address; the others need their message (who gains what).
ADDRESS_CATEGORIES = ("data loss", "downtime", "destroy")
NO_RISK = "**Risk: none**: no destroys, replacements, escalations in governed environments or binding removals"
VALUE_WIDTH = 120
ALERTS = {"high": "CAUTION", "medium": "WARNING", "low": "NOTE", NONE: "NOTE"}
LEVEL_ICONS = {"high": "🔴", "medium": "🟠", "low": "🟡"}
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
CLOSING_NOTE = (
    "> [!NOTE]\n> Details truncated to stay under GitHub's comment limit: {n} entries not shown. "
    "The summary above is complete; the full review is in the workflow's `review.json` artifact "
    "(`lakestack review --format json`).\n"
)


def render_markdown(review: Review, *, max_chars: int = GITHUB_COMMENT_LIMIT) -> str:
    sections = [
        Section(f"{MARKER}\n## lakestack review: {review.project}\n\n", essential=True),
        Section(_banner(review), essential=True),
        Section(_matrix(review), essential=True),
        _destroys(review),
        _risk_table(review),
        _audit(review.audit),
        _grants(review),
        _bindings(review),
        _prod_changes(review),
        *_details(review),
    ]
    return fit([s for s in sections if s.head], max_chars, CLOSING_NOTE).text


# --- first screen -------------------------------------------------------------------------------

def _banner(review: Review) -> str:
    level = review.level
    counts = {lvl: sum(r.level == lvl for r in review.risks) for lvl in LEVEL_ICONS}
    prod = review.prod_changes
    headline = (f"**Risk: {level}**" + "".join(f" · {n} {lvl}" for lvl, n in counts.items() if n)
                if level != NONE else NO_RISK)
    lines = [f"> [!{ALERTS[level]}]", f"> {headline}"]
    if prod:
        destroys = sum(c.destructive for c in prod)
        lines.append(f"> **Prod-tier changes: {len(prod)}** ({destroys} destroy or replace)")
    groups = _risk_groups(review.risks)
    for (level, environment, category), group in list(groups.items())[:BANNER_GROUPS]:
        shown = [f"`{r.address}`" if category in ADDRESS_CATEGORIES else _cell(r.message)
                 for r in group[:GROUP_ITEMS]]
        more = f"; … {len(group) - GROUP_ITEMS} more" if len(group) > GROUP_ITEMS else ""
        lines.append(f"> - {LEVEL_ICONS[level]} **{environment}** {category} ({len(group)}): "
                     + "; ".join(shown) + more)
    if len(groups) > BANNER_GROUPS:
        lines.append(f"> - … {len(groups) - BANNER_GROUPS} more kinds of risk in **Risks** below")
    lines.append(f"> - {_audit_verdict(review.audit)}")
    if review.audit is not None:
        for finding in review.audit.open_findings[:BANNER_FINDINGS]:
            lines.append(f">   - {finding.severity} `{finding.rule_id}` **{finding.environment}** "
                         f"`{_cell(finding.resource)}`: {_cell(finding.title)}")
    return "\n".join(lines) + "\n\n"


def _risk_groups(risks: tuple[Risk, ...]) -> dict[tuple[str, str, str], list[Risk]]:
    """Risks by (level, environment, category), in the order they were ranked."""
    groups: dict[tuple[str, str, str], list[Risk]] = {}
    for risk in risks:
        groups.setdefault((risk.level, risk.environment, risk.category), []).append(risk)
    return groups


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


def _matrix(review: Review) -> str:
    if not review.stacks:
        return "No stacks in the base or the head: nothing to review.\n\n"
    kinds = [k for k in review.kinds if k in KINDS or any(s.counts.get(k) for s in review.stacks)]
    header = "| stack | environment (tier) | source | " + " | ".join(kinds) + " |"
    rule = "|---|---|---|" + "---:|" * len(kinds)
    rows = [header, rule]
    for stack in review.stacks:
        tier = f"{stack.tier} 🔒" if stack.tier == "prod" else stack.tier
        cells = " | ".join(_count(stack.counts.get(k, 0), k) for k in kinds)
        rows.append(f"| **{stack.stack}** | {stack.environment} ({tier}) | {stack.source} | {cells} |")
    totals = " | ".join(str(sum(s.counts.get(k, 0) for s in review.stacks)) for k in kinds)
    rows.append(f"| **total** | | | {totals} |")
    return "\n".join(rows) + "\n\n"


def _count(n: int, kind: str) -> str:
    return f"**{n}**" if n and kind in ("replace", "delete") else str(n)


# --- what is risky ------------------------------------------------------------------------------

def _destroys(review: Review) -> Section:
    items = [
        f"| {c.stack} | `{c.address}` | **{c.kind}** | {_cell(_reason(c))} |\n" for c in review.destructive
    ]
    head = ("### Destroys and replacements\n\n| stack | resource | action | why |\n|---|---|---|---|\n"
            if items else "")
    return Section(head, items, "\n" if items else "")


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
    return Section(head, review.grants, render=_grant_table)


def _grant_table(grant: GrantChange) -> str:
    privileges = grant.privileges
    escalated = grant.escalations
    flag = " ⚠️ **escalation**" if escalated and grant.tier != "dev" else ""
    lines = [f"**{grant.environment}** ({grant.tier}) {grant.securable}: `{grant.address}` ({grant.kind}){flag}",
             "", "| principal | " + " | ".join(privileges) + " |", "|---|" + ":---:|" * len(privileges)]
    for principal in sorted(set(grant.added) | set(grant.removed)):
        cells = []
        for privilege in privileges:
            if privilege in grant.added.get(principal, ()):
                cells.append("**+**" if privilege in escalated.get(principal, ()) else "+")
            else:
                cells.append("\N{MINUS SIGN}" if privilege in grant.removed.get(principal, ()) else "")
        lines.append(f"| {_cell(principal)} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n"


def _bindings(review: Review) -> Section:
    items = [
        f"| {b.environment} | {_cell(b.securable)} | {b.workspace_id} | {b.kind} | "
        f"{b.binding_before or ''} | {b.binding_after or ''} |\n" for b in review.bindings
    ]
    head = ("### Workspace bindings\n\n| environment | securable | workspace | action | before | after |\n"
            "|---|---|---|---|---|---|\n" if items else "")
    return Section(head, items, "\n" if items else "")


def _risk_table(review: Review) -> Section:
    items = [
        f"| {LEVEL_ICONS[r.level]} {r.level} | {r.category} | {r.environment} | `{r.address}` | {_cell(r.message)} |\n"
        for r in review.risks
    ]
    head = ("### Risks\n\n| level | category | environment | resource | what happens |\n|---|---|---|---|---|\n"
            if items else "")
    return Section(head, items, "\n" if items else "")


def _prod_changes(review: Review) -> Section:
    items = [f"- `{c.address}` ({c.stack}): {c.kind}\n" for c in review.prod_changes]
    if not items:
        return Section("")
    head = (f"### Changes to prod-tier environments\n\n<details><summary>{len(items)} resources change in "
            "prod-tier stacks</summary>\n\n")
    return Section(head, items, "\n</details>\n\n")


def _audit(audit: AuditResult | None) -> Section:
    if audit is None or audit.status != RAN:
        return Section(f"### Audit of the head\n\n{_audit_verdict(audit)}\n\n")
    head = f"### Audit of the head\n\n{_audit_verdict(audit)}\n\n"
    if not audit.findings:
        return Section(head)
    head += "| severity | rule | environment | resource | finding |\n|---|---|---|---|---|\n"
    items = [
        f"| {f.severity}{' (waived)' if f.waived else ''} | {f.rule_id} {_cell(f.title)} | {f.environment} | "
        f"`{_cell(f.resource)}` | {_cell(f.message)} |\n"
        for f in audit.findings
    ]
    return Section(head, items, "\n")


# --- details ------------------------------------------------------------------------------------

def _details(review: Review) -> list[Section]:
    sections = []
    for stack in review.stacks:
        changed = [c for c in review.changed if c.stack == stack.stack]
        if not changed:
            continue
        counts = ", ".join(f"{n} {k}" for k, n in stack.counts.items() if n and k != "no-op")
        head = (f"<details><summary><b>{stack.stack}</b> ({stack.tier}): {counts}</summary>\n\n")
        sections.append(Section(head, changed, "</details>\n\n", render=_resource_detail))
    return sections


def _resource_detail(change: ResourceChange) -> str:
    extra = ""
    if change.moved:
        extra += f", moved from `{change.previous_address}`"
    if change.imported:
        extra += f", imported (id `{_cell(change.importing_id or '')}`)"
    lines = [f"**`{change.address}`**: {change.kind}{extra}"]
    rows = attribute_changes(change)
    if rows and change.kind in ("create", "delete"):
        side = "after" if change.kind == "create" else "before"
        lines += ["", f"| attribute | {side} |", "|---|---|"]
        lines += [f"| `{row.path}` | {_value(getattr(row, side))} |" for row in rows]
    elif rows:
        lines += ["", "| attribute | before | after |", "|---|---|---|"]
        for row in rows:
            flag = " ⚠️ forces replacement" if row.forces_replacement else ""
            lines.append(f"| `{row.path}`{flag} | {_value(row.before)} | {_value(row.after)} |")
    return "\n".join(lines) + "\n\n"


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and (value == UNKNOWN or value.startswith("(sensitive")):
        return f"_{value}_"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    if len(text) > VALUE_WIDTH:
        text = text[: VALUE_WIDTH - 1] + "…"
    return f"`` {_cell(text)} ``" if "`" in text else f"`{_cell(text)}`"


def _cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, no line breaks."""
    return str(text).replace("|", "\\|").replace("\r", " ").replace("\n", " ")
