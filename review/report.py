"""The review's facts, gathered once: per-stack counts, risks, grants, bindings, audit findings.

Both output formats (markdown comment, JSON) render this object, so they can never disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from infra.config import PlatformConfig
from infra.config.model import TIERS
from lakestack.terraform_json import environment_of_stack
from review.audit_findings import AuditResult
from review.changes import KINDS, ResourceChange
from review.highlights import (
    LEVELS,
    BindingChange,
    GrantChange,
    Risk,
    TierOf,
    binding_changes,
    grant_changes,
    risks,
)

# Riskiest tiers first, so the matrix and the details open on prod.
TIER_ORDER = ("prod", "staging", "dev")
# Within a stack, what a reviewer must see first.
KIND_ORDER = ("delete", "replace", "update", "create", "forget", "read", "no-op")
KIND_RANK = {kind: rank for rank, kind in enumerate(KIND_ORDER)}
NONE = "none"


def tiers_from_config(config: PlatformConfig) -> TierOf:
    """Environment name -> tier from the config; an environment the config no longer has keeps its name
    as tier when that is a tier name (a removed `prod` stays prod), else `unknown`."""
    known = {env.name: env.tier for env in config.envs()}

    def tier_of(environment: str) -> str:
        return known.get(environment) or (environment if environment in TIERS else "unknown")

    return tier_of


@dataclass(frozen=True)
class StackSummary:
    stack: str
    environment: str
    tier: str
    source: str
    counts: dict[str, int]

    @property
    def changed(self) -> int:
        return sum(n for kind, n in self.counts.items() if kind != "no-op")


@dataclass(frozen=True)
class Review:
    project: str
    stacks: tuple[StackSummary, ...]
    changes: tuple[ResourceChange, ...]
    tier_of: TierOf
    grants: tuple[GrantChange, ...] = ()
    bindings: tuple[BindingChange, ...] = ()
    risks: tuple[Risk, ...] = ()
    audit: AuditResult | None = None
    kinds: tuple[str, ...] = field(default=KINDS)
    causes: dict[str, list[str]] = field(default_factory=dict)  # environment -> changes in config words
    commit: str | None = None
    run_url: str | None = None
    picture: str = ""  # mermaid source of who reads and writes what
    workspaces: dict[str, str] = field(default_factory=dict)  # workspace id -> environment name
    failed_plans: tuple[str, ...] = ()  # environments whose plan job failed: reviewed from the synth only


    @property
    def environments(self) -> list[str]:
        """Environments in matrix order (prod first), each once."""
        return list(dict.fromkeys(s.environment for s in self.stacks))

    @property
    def level(self) -> str:
        """The highest risk level, or `none` when nothing risky changes."""
        levels = {r.level for r in self.risks}
        return next((lvl for lvl in LEVELS if lvl in levels), NONE)

    @property
    def changed(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.changes_anything]

    @property
    def destructive(self) -> list[ResourceChange]:
        return [c for c in self.changes if c.destructive]

    @property
    def prod_changes(self) -> list[ResourceChange]:
        return [c for c in self.changed if self.tier_of(c.environment) == "prod"]


def build_review(project: str, changes: Iterable[ResourceChange], tier_of: TierOf,
                 audit: AuditResult | None = None, *, extra_risks: Iterable[Risk] = (),
                 causes: dict[str, list[str]] | None = None, commit: str | None = None,
                 run_url: str | None = None, picture: str = "",
                 workspaces: dict[str, str] | None = None, failed_plans: Iterable[str] = ()) -> Review:
    """`extra_risks` come from outside the change model (the base config, plan matching); they rank first."""
    stack_keys: dict[str, tuple[int, str]] = {}  # a few stacks, thousands of changes each
    ordered = sorted(changes, key=lambda c: (
        stack_keys.get(c.stack) or stack_keys.setdefault(c.stack, _stack_key(c.stack, tier_of)),
        KIND_RANK.get(c.kind, len(KIND_ORDER)), c.address))
    grants = grant_changes(ordered, tier_of)
    bindings = binding_changes(ordered, workspaces)
    kinds = KINDS + tuple(sorted({c.kind for c in ordered} - set(KINDS)))
    return Review(
        project=project,
        stacks=tuple(_stack_summaries(ordered, tier_of, kinds)),
        changes=tuple(ordered),
        tier_of=tier_of,
        grants=tuple(grants),
        bindings=tuple(bindings),
        risks=tuple(sorted((*extra_risks, *risks(ordered, grants, bindings, tier_of)),
                           key=lambda r: LEVELS.index(r.level))),
        audit=audit,
        kinds=kinds,
        causes=dict(causes or {}),
        commit=commit,
        run_url=run_url,
        picture=picture,
        workspaces=dict(workspaces or {}),
        failed_plans=tuple(failed_plans),
    )


def _stack_key(stack: str, tier_of: TierOf) -> tuple[int, str]:
    tier = tier_of(environment_of_stack(stack))
    return (TIER_ORDER.index(tier) if tier in TIER_ORDER else len(TIER_ORDER), stack)


def _stack_summaries(changes: list[ResourceChange], tier_of: TierOf,
                     kinds: tuple[str, ...]) -> list[StackSummary]:
    by_stack: dict[str, list[ResourceChange]] = {}
    for change in changes:
        by_stack.setdefault(change.stack, []).append(change)
    summaries = []
    for stack, stack_changes in by_stack.items():
        counts = dict.fromkeys(kinds, 0)
        for change in stack_changes:
            for kind in change.matrix_kinds():
                counts[kind] = counts.get(kind, 0) + 1
        first = stack_changes[0]
        summaries.append(StackSummary(
            stack=stack, environment=first.environment, tier=tier_of(first.environment),
            source=", ".join(sorted({c.source for c in stack_changes})), counts=counts,
        ))
    return summaries
