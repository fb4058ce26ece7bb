"""What a rule is: an id, one reason, one fix, the environments it guards, and a check.

A check reads one environment's inventory (`Context`) and yields `Violation`s; the audit turns
them into findings carrying the rule's id, severity and text. Drift rules compare the declared
inventory (the synth) with the live one (`DriftContext`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from infra.config import Environment, PlatformConfig
from policies.model import LIVE, PLAN, SYNTH, Inventory, Resource
from policies.principals import Principals

ConfigKey = tuple[str | int, ...]
T = TypeVar("T")


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """Higher is more severe."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1}[self.value]

    def at_least(self, threshold: Severity) -> bool:
        return self.rank >= threshold.rank


class Scope(StrEnum):
    """Which environments a rule guards, decided by the environment's tier (`Environment`)."""

    ALL = "all"
    GOVERNED = "governed"
    PROTECTED = "protected"

    def applies(self, env: Environment) -> bool:
        if self is Scope.GOVERNED:
            return env.governed
        if self is Scope.PROTECTED:
            return env.protected
        return True

    @property
    def label(self) -> str:
        return {"all": "every tier", "governed": "staging, prod (governed tiers)",
                "protected": "prod (protected tier)"}[self.value]


@dataclass(frozen=True)
class Violation:
    resource: Resource
    message: str
    config_key: ConfigKey | None = None  # where in platform.yaml the cause is declared, when it is


@dataclass
class Context:
    config: PlatformConfig
    env: Environment
    inventory: Inventory
    principals: Principals
    _memo: dict[str, Any] = field(default_factory=dict, repr=False)

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """An index built once per environment and shared by the rules that need it."""
        if key not in self._memo:
            self._memo[key] = build()
        return self._memo[key]


@dataclass
class DriftContext:
    config: PlatformConfig
    env: Environment
    declared: Context
    live: Context


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    resource_types: tuple[str, ...]
    scope: Scope
    rationale: str
    remediation: str
    check: Callable[[Context], Iterable[Violation]]
    waivable: bool = True
    sources: tuple[str, ...] = (SYNTH, PLAN, LIVE)

    def applies(self, env: Environment, kind: str) -> bool:
        return kind in self.sources and self.scope.applies(env)


@dataclass(frozen=True)
class DriftRule(Rule):
    """Compares what the synth declares with what the workspace holds (live audits only)."""

    check: Callable[[DriftContext], Iterable[Violation]]  # type: ignore[assignment]
    sources: tuple[str, ...] = (LIVE,)


AnyRule = Rule | DriftRule
