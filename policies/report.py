"""The audit report as text (terminal), markdown (PR comments, step summaries), JSON or SARIF."""

from __future__ import annotations

import json
from typing import Any

from lakestack.json_records import json_records
from policies.audit import RULES_BY_ID, AuditReport
from policies.findings import Finding
from policies.rules.base import Severity


def render(report: AuditReport, fmt: str, *, fail_on: Severity, config_path: str | None = None) -> str:
    if fmt == "json":
        return json_records(to_json(report, fail_on))
    if fmt == "sarif":
        from policies.sarif import to_sarif

        return json.dumps(to_sarif(report, config_path=config_path), indent=2) + "\n"
    if fmt == "markdown":
        return to_markdown(report, fail_on)
    return to_text(report, fail_on)


def to_json(report: AuditReport, fail_on: Severity) -> dict[str, Any]:
    summary = {**report.summary, "fail_on": fail_on.value, "failed": report.failed(fail_on)}
    return {"findings": [f.to_json() for f in report.findings], "summary": summary}


def verdict(report: AuditReport, fail_on: Severity) -> str:
    summary = report.summary
    counts = ", ".join(f"{n} {s}" for s, n in summary["by_severity"].items() if n) or "none"
    state = "FAILED" if report.failed(fail_on) else "passed"
    return (f"lakestack audit {state} (fail on {fail_on.value} and above): {summary['unwaived']} open finding(s) "
            f"[{counts}], {summary['waived']} waived")


def to_text(report: AuditReport, fail_on: Severity) -> str:
    lines = [verdict(report, fail_on), f"audited: {'; '.join(report.sources)}"]
    lines += [f"note: {note}" for note in report.notes]
    for finding in report.findings:
        lines.append("")
        mark = "WAIVED " if finding.waived else ""
        lines.append(f"{mark}{finding.severity.value.upper():<8} {finding.rule_id:<14} {finding.environment:<8} "
                     f"{finding.resource}")
        lines.append(f"    {finding.message}")
        if finding.waived:
            lines.append(f"    waiver: {finding.waiver_reason}")
        else:
            lines.append(f"    fix: {_remediation(finding)}")
    return "\n".join(lines) + "\n"


def to_markdown(report: AuditReport, fail_on: Severity) -> str:
    icon = ":x:" if report.failed(fail_on) else ":white_check_mark:"
    lines = [f"### {icon} {verdict(report, fail_on)}", "", f"Audited: {'; '.join(report.sources)}"]
    lines += [f"> {note}" for note in report.notes]
    open_, waived = [f for f in report.findings if not f.waived], [f for f in report.findings if f.waived]
    if open_:
        lines += ["", "| Severity | Rule | Env | Resource | Finding | Fix |", "|---|---|---|---|---|---|"]
        lines += [_row(f, _remediation(f)) for f in open_]
    if waived:
        lines += ["", "<details><summary>Waived findings</summary>", "",
                  "| Severity | Rule | Env | Resource | Finding | Waiver |", "|---|---|---|---|---|---|"]
        lines += [_row(f, f.waiver_reason or "") for f in waived]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def _row(finding: Finding, last: str) -> str:
    cells = [finding.severity.value, f"`{finding.rule_id}`", finding.environment, f"`{finding.resource}`",
             finding.message, last]
    return "| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |"


def _remediation(finding: Finding) -> str:
    rule = RULES_BY_ID.get(finding.rule_id)
    return rule.remediation if rule is not None else ""
