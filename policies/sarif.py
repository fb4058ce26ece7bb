"""SARIF 2.1.0 for GitHub code scanning: rules with help text, results located in the synth and platform.yaml.

Waived findings stay in the log as results with an accepted external suppression, so code scanning
shows them as dismissed with the waiver's reason rather than losing them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lakestack import __version__
from policies.audit import AuditReport
from policies.findings import Finding
from policies.locations import config_line, resource_line
from policies.rules.base import AnyRule, Severity

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {Severity.CRITICAL: "error", Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.CRITICAL: "9.5", Severity.HIGH: "8.0", Severity.MEDIUM: "5.5", Severity.LOW: "3.0"}


def to_sarif(report: AuditReport, *, config_path: str | None = None) -> dict[str, Any]:
    rules = report.rules()
    index = {rule.id: i for i, rule in enumerate(rules)}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lakestack", "version": __version__, "semanticVersion": __version__,
                "rules": [sarif_rule(rule) for rule in rules],
            }},
            "results": [sarif_result(f, index[f.rule_id], config_path) for f in report.findings],
            "columnKind": "unicodeCodePoints",
            "properties": {"summary": report.summary},
        }],
    }


def sarif_rule(rule: AnyRule) -> dict[str, Any]:
    family = rule.id.split("-")[1].lower()
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.title.replace("-", " ").split() if word.isalnum()),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.rationale}\n\nFix: {rule.remediation}\n\nApplies to: {rule.scope.label}.",
            "markdown": f"{rule.rationale}\n\n**Fix:** {rule.remediation}\n\n**Applies to:** {rule.scope.label}; "
                        f"resource types: {', '.join(f'`{t}`' for t in rule.resource_types) or 'waivers'}; "
                        f"{'can' if rule.waivable else 'cannot'} be waived.",
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "databricks", "governance", family],
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "severity": rule.severity.value,
        },
    }


def sarif_result(finding: Finding, rule_index: int, config_path: str | None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"[{finding.environment}] {finding.message}"},
        "locations": locations(finding, config_path),
        "partialFingerprints": {"lakestackFinding/v1": fingerprint(finding)},
        "properties": {"environment": finding.environment, "resource": finding.resource,
                       "severity": finding.severity.value, "source": finding.source},
    }
    if finding.waived:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": finding.waiver_reason or "waived"}]
    return result


def locations(finding: Finding, config_path: str | None) -> list[dict[str, Any]]:
    """The platform.yaml key that declares the resource first (code scanning shows the first location, and
    platform.yaml is the file people edit), then the generated file it was read from."""
    out = []
    logical = [{"fullyQualifiedName": f"{finding.environment}/{finding.resource}", "kind": "resource"}]
    if config_path:
        line = config_line(config_path, finding.config_key or ("environments", finding.environment))
        out.append(_location(config_path, line, logical))
    if finding.path:
        line = finding.line or resource_line(finding.path, finding.resource)
        out.append(_location(finding.path, line, logical))
    return out


def _location(path: str, line: int | None, logical: list[dict[str, str]]) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path)}}
    if line:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical, "logicalLocations": logical}


def artifact_uri(path: str) -> str:
    """Repository-relative POSIX paths where possible (what code scanning maps to files), else a file URI."""
    absolute, cwd = Path(path).resolve(), Path.cwd().resolve()
    return absolute.relative_to(cwd).as_posix() if absolute.is_relative_to(cwd) else absolute.as_uri()


def fingerprint(finding: Finding) -> str:
    key = "|".join((finding.rule_id, finding.environment, finding.resource, finding.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]
