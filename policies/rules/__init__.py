"""The rule pack: every rule lakestack audits, by family. Add a rule to its family's `RULES` tuple."""

from __future__ import annotations

from policies.rules import (
    drift,
    identity,
    isolation,
    monitoring,
    protection,
    serving,
    stack_boundaries,
    state,
    tier_boundaries,
    unity_catalog,
)
from policies.rules.base import AnyRule, DriftRule, Rule, Scope, Severity

CHECK_RULES: tuple[Rule, ...] = (
    *unity_catalog.RULES,
    *isolation.RULES,
    *tier_boundaries.RULES,
    *protection.RULES,
    *serving.RULES,
    *monitoring.RULES,
    *identity.RULES,
    *state.RULES,
    *stack_boundaries.RULES,
)
DRIFT_RULES: tuple[DriftRule, ...] = drift.RULES

__all__ = ["CHECK_RULES", "DRIFT_RULES", "AnyRule", "DriftRule", "Rule", "Scope", "Severity"]
