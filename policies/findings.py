"""A finding: one rule broken by one resource in one environment, as every report format shows it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from policies.rules.base import ConfigKey, Severity


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    environment: str
    resource: str  # the Terraform address (`type.name`)
    message: str
    waived: bool = False
    waiver_reason: str | None = None
    source: str = ""  # synth, plan or live
    stack: str = ""
    path: str | None = None  # the synthesized or plan file the resource was read from
    line: int | None = None  # its line there, when known without searching the file
    config_key: ConfigKey | None = None  # where in platform.yaml the cause is declared

    def waive(self, reason: str) -> Finding:
        return replace(self, waived=True, waiver_reason=reason)

    @property
    def sort_key(self) -> tuple[Any, ...]:
        return (self.waived, -self.severity.rank, self.environment, self.rule_id, self.resource, self.message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule_id": self.rule_id, "title": self.title, "severity": self.severity.value,
            "environment": self.environment, "resource": self.resource, "message": self.message,
            "waived": self.waived, "source": self.source,
        }
        if self.waiver_reason:
            out["waiver_reason"] = self.waiver_reason
        if self.path:
            out["file"] = self.path
        if self.config_key:
            out["config_key"] = ".".join(str(k) for k in self.config_key)
        return out
