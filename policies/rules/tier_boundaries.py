"""Tier boundaries: a lower tier may read a higher one's models (deploy-model), never write them.

Under deploy-model, the receiving environment's deployer reads the source environment's registered
model (USE_CATALOG, USE_SCHEMA, EXECUTE) and, where the source catalog is ISOLATED, reaches it
through a READ_ONLY binding. That read path is the design. A write path from a lower tier into a
higher one (dev's deployer modifying prod, a dev workspace bound READ_WRITE to prod's catalog) lets
code that was never reviewed for the higher tier change what it serves.
"""

from __future__ import annotations

from collections.abc import Iterator

from infra.config import Environment
from infra.config.model import TIERS
from infra.config.roles import reader_privileges
from policies.grants import GRANT_TYPES
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import classified_grants, env_key
from policies.rules.isolation import BINDING_TYPES, CATALOG_TYPES, READ_WRITE, binding_type, bindings_of, workspace_env
from policies.rules.unity_catalog import OWNED_TYPES

TIER_RANK = {tier: rank for rank, tier in enumerate(TIERS)}


def lower_tier(ctx: Context, environment: str | None) -> Environment | None:
    """The environment `environment` names when it is of a lower tier than the audited one."""
    if environment is None or environment not in ctx.config.environments:
        return None
    other = ctx.config.env(environment)
    return other if TIER_RANK.get(other.tier, 0) < TIER_RANK.get(ctx.env.tier, 0) else None


def no_upward_writes(ctx: Context) -> Iterator[Violation]:
    readers = reader_privileges()
    for entry, principal in classified_grants(ctx):
        other = lower_tier(ctx, ctx.principals.deployer_environment_of(principal))
        writes = sorted(entry.privileges - readers)
        if other is not None and writes:
            yield Violation(entry.resource, f"the {other.name} deployer holds {', '.join(writes)} on {entry.label} "
                                            f"in {ctx.env.name}: a write path from {other.tier} into {ctx.env.tier}; "
                                            "a receiving deployer only reads (USE_CATALOG, USE_SCHEMA, EXECUTE)",
                            env_key(other, "deployer"))
    for resource in ctx.inventory.of_type(*OWNED_TYPES):
        other = lower_tier(ctx, ctx.principals.deployer_environment(resource.get("owner")))
        if other is not None:
            what = resource.type.removeprefix("databricks_")
            yield Violation(resource, f"{what} '{resource.get('name')}' in {ctx.env.name} is owned by the {other.name} "
                                      f"deployer: a write path from {other.tier} into {ctx.env.tier}",
                            env_key(other, "deployer"))
    yield from _read_write_bindings(ctx)


def _read_write_bindings(ctx: Context) -> Iterator[Violation]:
    for catalog in ctx.inventory.of_type(*CATALOG_TYPES):
        name = catalog.get("name")
        for binding in bindings_of(ctx, str(name)) if isinstance(name, str) else ():
            other = lower_tier(ctx, workspace_env(ctx, binding.get("workspace_id")))
            if other is not None and binding_type(binding) == READ_WRITE:
                yield Violation(binding, f"catalog '{name}' is bound read-write to the {other.name} workspace: a "
                                         f"write path from {other.tier} into {ctx.env.tier}; bind it read-only",
                                env_key(ctx.env, "read_only_from"))


RULES = (
    Rule(
        id="LS-UC-007",
        title="No write path from a lower tier into a higher one",
        severity=Severity.HIGH,
        resource_types=(*GRANT_TYPES, *OWNED_TYPES, *BINDING_TYPES),
        scope=Scope.GOVERNED,
        rationale="Deploy-model lets the next environment's deployer read the previous environment's model; the "
                  "reverse, a dev or staging deployer (or workspace) that can write a higher tier's catalog, "
                  "schemas or models, lets unreviewed code change what production serves.",
        remediation="Give a lower-tier deployer at most USE_CATALOG, USE_SCHEMA and EXECUTE on a higher tier's "
                    "securables (lakestack grants none: the receiving deployer reads from the lower tier), never "
                    "ownership, and bind a higher-tier catalog to lower-tier workspaces read-only.",
        check=no_upward_writes,
    ),
)
