"""Drift: what the live workspace holds that the synth does not declare, and what it lacks.

`databricks_grants` is authoritative, so an out-of-band grant disappears at the next apply; until
then it is live access nobody reviewed, and it is reported here rather than left to vanish silently.
"""

from __future__ import annotations

from collections.abc import Iterator

from policies.grants import GRANT_TYPES
from policies.model import Resource, literal
from policies.principals import Principal
from policies.rules.base import Context, DriftContext, DriftRule, Scope, Severity, Violation
from policies.rules.common import classified_grants, env_key, inference_table_config
from policies.rules.isolation import BINDING_TYPES, CATALOG_TYPES, binding_type, bindings_of, workspace_env

Securable = tuple[str, str]
GrantMap = dict[Securable, dict[str, tuple[Principal, frozenset[str], Resource]]]


def grant_map(ctx: Context) -> GrantMap:
    out: GrantMap = {}
    for entry, principal in classified_grants(ctx):
        held = out.setdefault((entry.securable, entry.name), {})
        previous = held.get(principal.key)
        privileges = entry.privileges | (previous[1] if previous else frozenset())
        held[principal.key] = (principal, privileges, entry.resource)
    return out


def out_of_band_grants(drift: DriftContext) -> Iterator[Violation]:
    declared = grant_map(drift.declared)
    for securable, holders in grant_map(drift.live).items():
        if securable not in declared:
            continue  # an undeclared securable: LS-DRIFT-004 reports declared ones that are missing
        for key, (principal, privileges, resource) in holders.items():
            extra = sorted(privileges - (declared[securable][key][1] if key in declared[securable] else set()))
            if extra:
                yield Violation(resource, f"{principal.kind} '{principal.name}' holds {', '.join(extra)} on "
                                          f"{securable[0]} '{securable[1]}' in the {drift.env.name} workspace, but "
                                          "the synth does not declare it (an out-of-band grant)")


def binding_set(ctx: Context, catalog: str | None) -> dict[tuple[str, str], Resource]:
    out = {}
    for binding in bindings_of(ctx, catalog):
        workspace = workspace_env(ctx, binding.get("workspace_id")) or str(binding.get("workspace_id"))
        out[(workspace, binding_type(binding))] = binding
    return out


def binding_drift(drift: DriftContext) -> Iterator[Violation]:
    live_catalogs = {literal(c.get("name")): c for c in drift.live.inventory.of_type(*CATALOG_TYPES)}
    for catalog in drift.declared.inventory.of_type(*CATALOG_TYPES):
        name = literal(catalog.get("name"))
        if name not in live_catalogs:
            continue
        declared, live = binding_set(drift.declared, name), binding_set(drift.live, name)
        for workspace, kind in sorted(declared.keys() - live.keys()):
            yield Violation(live_catalogs[name], f"catalog '{name}' lacks its declared {kind} binding to the "
                                                 f"workspace of '{workspace}' in the live metastore",
                            env_key(drift.env, "read_only_from"))
        for workspace, kind in sorted(live.keys() - declared.keys()):
            yield Violation(live[(workspace, kind)], f"catalog '{name}' is bound {kind} to workspace "
                                                     f"'{workspace}' live, but the synth does not declare it")


def endpoints_by_name(ctx: Context) -> dict[str | None, Resource]:
    return {literal(e.get("name")): e for e in ctx.inventory.of_type("databricks_model_serving")}


def inference_table_drift(drift: DriftContext) -> Iterator[Violation]:
    live = endpoints_by_name(drift.live)
    for name, endpoint in endpoints_by_name(drift.declared).items():
        declared_on = inference_table_config(endpoint).get("enabled") is True
        if name in live and declared_on and inference_table_config(live[name]).get("enabled") is not True:
            yield Violation(live[name], f"serving endpoint '{name}' declares an inference table but has none "
                                        f"enabled in the {drift.env.name} workspace")


# How to recognise the same securable on both sides: type -> the attributes that name it.
IDENTITY: dict[str, tuple[str, ...]] = {
    "databricks_catalog": ("name",),
    "databricks_schema": ("catalog_name", "name"),
    "databricks_registered_model": ("catalog_name", "schema_name", "name"),
    "databricks_model_serving": ("name",),
    "databricks_quality_monitor": ("table_name",),
}


def identity(resource: Resource) -> str | None:
    parts = [literal(resource.get(key)) for key in IDENTITY[resource.type]]
    return ".".join(p for p in parts if p) if all(parts) else None


def missing_in_workspace(drift: DriftContext) -> Iterator[Violation]:
    for rtype in IDENTITY:
        live = {identity(r) for r in drift.live.inventory.of_type(rtype)}
        for resource in drift.declared.inventory.of_type(rtype):
            key = identity(resource)
            if key is not None and key not in live:
                yield Violation(resource, f"{rtype.removeprefix('databricks_')} '{key}' is declared but missing "
                                          f"from the {drift.env.name} workspace (not applied, or deleted by hand)")
    live_grants = grant_map(drift.live)
    for securable, holders in grant_map(drift.declared).items():
        if securable not in live_grants:
            continue
        for key, (principal, privileges, resource) in holders.items():
            held = live_grants[securable][key][1] if key in live_grants[securable] else frozenset()
            missing = sorted(privileges - held)
            if missing:
                yield Violation(resource, f"{principal.kind} '{principal.name}' should hold {', '.join(missing)} on "
                                          f"{securable[0]} '{securable[1]}' but does not in the workspace")


RULES = (
    DriftRule(
        id="LS-DRIFT-001",
        title="No out-of-band grants in the live workspace",
        severity=Severity.HIGH,
        resource_types=GRANT_TYPES,
        scope=Scope.GOVERNED,
        rationale="A grant made by hand is access nobody reviewed; lakestack's grants are authoritative, so it "
                  "also disappears at the next apply and whoever relied on it breaks without warning.",
        remediation="Either declare the access in platform.yaml (a role in `access:`) and deploy it, or revoke "
                    "it in the workspace now.",
        check=out_of_band_grants,
    ),
    DriftRule(
        id="LS-DRIFT-002",
        title="Live catalog bindings match the declared bindings",
        severity=Severity.HIGH,
        resource_types=BINDING_TYPES,
        scope=Scope.GOVERNED,
        rationale="A binding added by hand opens the catalog to another workspace; a missing one breaks the "
                  "read-only access the platform declares.",
        remediation="Run the environment's deploy to restore declared bindings; remove bindings made by hand "
                    "or declare them through `read_only_from`.",
        check=binding_drift,
    ),
    DriftRule(
        id="LS-DRIFT-003",
        title="Live serving endpoints keep their declared inference tables",
        severity=Severity.HIGH,
        resource_types=("databricks_model_serving",),
        scope=Scope.GOVERNED,
        rationale="An inference table switched off by hand stops the audit trail and starves the drift monitor.",
        remediation="Re-enable the AI Gateway inference table on the endpoint (re-apply the environment's stack).",
        check=inference_table_drift,
    ),
    DriftRule(
        id="LS-DRIFT-004",
        title="Declared catalogs, schemas, models, endpoints, monitors and grants exist in the workspace",
        severity=Severity.MEDIUM,
        resource_types=(*IDENTITY, *GRANT_TYPES),
        scope=Scope.ALL,
        rationale="What the code declares but the workspace lacks was never applied or was deleted by hand; "
                  "the other rules passed on a state that does not exist.",
        remediation="Apply the environment's stack (`cdktf deploy <env>`), or remove the declaration.",
        check=missing_in_workspace,
    ),
)
