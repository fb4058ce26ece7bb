"""Databricks-aware reading of the change model: what a reviewer must not miss.

Grant changes become principal x privilege additions and removals (with escalations beyond the
reader role flagged), workspace bindings are listed, and risks are raised for data loss, endpoint
downtime, destroys and any change in a prod-tier environment.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.config.roles import reader_privileges
from lakestack.terraform_json import CROSS_STACK_ADDRESS
from review.changes import PROVIDER_TYPE, ResourceChange

HIGH, MEDIUM, LOW = "high", "medium", "low"
LEVELS = (HIGH, MEDIUM, LOW)
# Within a level: riskiest tier first, then what costs most to undo.
TIER_RANK = ("prod", "staging", "dev")
CATEGORIES = ("data loss", "grant escalation", "downtime", "binding", "access removed", "destroy", "table replaced",
              "provider")

# Destroying these loses data or identities that cannot be recreated as they were.
DATA_BEARING = {
    "databricks_catalog": "catalog",
    "databricks_schema": "schema",
    "databricks_registered_model": "registered model (all versions)",
    "databricks_quality_monitor": "monitor (metric history)",
    "databricks_sql_table": "table",
    "databricks_table": "table",
    "databricks_volume": "volume",
    "databricks_service_principal": "service principal (its federation and grants)",
    "databricks_mws_workspaces": "workspace",
}
ENDPOINT_TYPE = "databricks_model_serving"
# Created with CREATE OR REPLACE TABLE: an existing table of that name outside the state is replaced.
REPLACING_CREATE_TYPE = "databricks_sql_table"

GRANTS_TYPE = "databricks_grants"
BINDING_TYPE = "databricks_workspace_binding"
SECURABLE_KEYS = ("catalog", "schema", "model", "table", "volume", "function", "metastore",
                  "external_location", "storage_credential", "share")

TierOf = Callable[[str], str]
ACCOUNT_DEPLOYER = re.compile(
    r"^\$\{" + re.escape(CROSS_STACK_ADDRESS) + r"(.+)-account\.outputs\.[^}]*application_id\}$")


@dataclass(frozen=True)
class Risk:
    level: str
    category: str
    environment: str
    address: str
    message: str


@dataclass(frozen=True)
class GrantChange:
    """One `databricks_grants` resource: who gains and who loses which privileges."""

    stack: str
    environment: str
    tier: str
    address: str
    securable: str
    kind: str
    added: dict[str, tuple[str, ...]] = field(default_factory=dict)
    removed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def escalations(self) -> dict[str, tuple[str, ...]]:
        """Added privileges that go beyond reading (MODIFY, CREATE_*, ALL_PRIVILEGES, ...)."""
        readers = reader_privileges()
        found = {p: tuple(x for x in privs if x not in readers) for p, privs in self.added.items()}
        return {p: privs for p, privs in found.items() if privs}

    @property
    def privileges(self) -> list[str]:
        """Every privilege that changes here, in first-seen order (the table's columns)."""
        seen: dict[str, None] = {}
        for privs in (*self.added.values(), *self.removed.values()):
            seen.update(dict.fromkeys(privs))
        return list(seen)


@dataclass(frozen=True)
class BindingChange:
    stack: str
    environment: str
    address: str
    kind: str
    securable: str
    workspace_id: str
    binding_before: str | None
    binding_after: str | None
    workspace: str = ""  # the workspace by environment name, when known


def workspace_label(environment: str, workspace_id: str, names: dict[str, str]) -> str:
    """A workspace by environment name: a known id, or a reference to the workspace this stack creates."""
    if workspace_id in names:
        return names[workspace_id]
    return f"{environment} (created)" if "${" in workspace_id else f"id {workspace_id}"


def principal_label(principal: str) -> str:
    """A deployer read from an account stack's outputs (`${data.terraform_remote_state...-input-prod-account
    .outputs...application_id}`) reads as `prod deployer`; every other principal as it is written."""
    match = ACCOUNT_DEPLOYER.match(principal)
    return f"{match.group(1)} deployer" if match else principal


def grant_map(values: dict[str, Any] | None) -> dict[str, set[str]]:
    """Principal -> privileges from a grants resource's `grant` blocks."""
    granted: dict[str, set[str]] = {}
    for block in (values or {}).get("grant") or []:
        if isinstance(block, dict) and block.get("principal") is not None:
            principal = principal_label(str(block["principal"]))
            granted.setdefault(principal, set()).update(block.get("privileges") or [])
    return granted


def securable_of(values: dict[str, Any]) -> str:
    for key in SECURABLE_KEYS:
        if values.get(key):
            return f"{key} {values[key]}"
    return "securable"


def grant_changes(changes: Iterable[ResourceChange], tier_of: TierOf) -> list[GrantChange]:
    found = []
    for change in changes:
        if change.type != GRANTS_TYPE or change.kind == "no-op":
            continue
        before, after = grant_map(change.before), grant_map(change.after)
        principals = sorted(set(before) | set(after))
        added = {p: _ordered(after.get(p, set()) - before.get(p, set())) for p in principals}
        removed = {p: _ordered(before.get(p, set()) - after.get(p, set())) for p in principals}
        grant = GrantChange(
            stack=change.stack, environment=change.environment, tier=tier_of(change.environment),
            address=change.address, securable=securable_of(change.values()), kind=change.kind,
            added={p: v for p, v in added.items() if v}, removed={p: v for p, v in removed.items() if v},
        )
        if grant.added or grant.removed:
            found.append(grant)
    return found


def _ordered(privileges: set[str]) -> tuple[str, ...]:
    return tuple(sorted(privileges))


def binding_changes(changes: Iterable[ResourceChange], workspace_names: dict[str, str] | None = None
                    ) -> list[BindingChange]:
    """`workspace_names`: workspace id -> environment name, so bindings read by name."""
    found = []
    for change in changes:
        if change.type != BINDING_TYPE or change.kind == "no-op":
            continue
        values = change.values()
        found.append(BindingChange(
            stack=change.stack, environment=change.environment, address=change.address, kind=change.kind,
            securable=f"{values.get('securable_type', 'catalog')} {values.get('securable_name', '?')}",
            workspace_id=str(values.get("workspace_id", "?")),
            binding_before=(change.before or {}).get("binding_type"),
            binding_after=(change.after or {}).get("binding_type"),
            workspace=workspace_label(change.environment, str(values.get("workspace_id", "?")), workspace_names or {}),
        ))
    return found


def risks(changes: list[ResourceChange], grants: list[GrantChange], bindings: list[BindingChange],
          tier_of: TierOf) -> list[Risk]:
    """Every risk, most severe first; the review's banner and exit code are derived from these."""
    found: list[Risk] = []
    for change in changes:
        found.extend(_change_risks(change, tier_of(change.environment)))
    found.extend(_grant_risks(grants))
    found.extend(_binding_risks(bindings, tier_of))
    return sorted(found, key=lambda r: (LEVELS.index(r.level), _rank(TIER_RANK, tier_of(r.environment)),
                                        r.environment, _rank(CATEGORIES, r.category)))


def _rank(order: tuple[str, ...], value: str) -> int:
    return order.index(value) if value in order else len(order)


def _change_risks(change: ResourceChange, tier: str) -> list[Risk]:
    governed = tier in ("staging", "prod")
    if change.type == REPLACING_CREATE_TYPE and change.kind == "create" and governed:
        name = ".".join(str(change.values().get(k, "?")) for k in ("catalog_name", "schema_name", "name"))
        return [Risk(MEDIUM, "table replaced", change.environment, change.address,
                     f"creates table {name} with CREATE OR REPLACE TABLE: it replaces an unmanaged table of that "
                     "name (its data is lost); import an existing table first (docs/deploying.md)")]
    if change.type == PROVIDER_TYPE and change.kind == "update":
        before, after = (change.before or {}).get("version"), (change.after or {}).get("version")
        return [Risk(MEDIUM, "provider", change.environment, change.address,
                     f"provider {change.values().get('source', '?')} version {before} -> {after}: plan every stack "
                     "with the new provider before applying (schemas and defaults can change)")]
    if not change.destructive or change.type in (GRANTS_TYPE, BINDING_TYPE):
        return []  # grants and bindings have risks of their own, phrased as access gained or lost
    prod = tier == "prod"
    verb = "destroyed" if change.kind == "delete" else "replaced (destroyed, then created)"
    note = "".join(f"; {n}" for n in change.notes)
    if change.type in DATA_BEARING:
        what = DATA_BEARING[change.type]
        return [Risk(HIGH if governed else MEDIUM, "data loss", change.environment, change.address,
                     f"{what} {verb}: its data is lost{note}")]
    if change.type == ENDPOINT_TYPE:
        return [Risk(HIGH if prod else MEDIUM, "downtime", change.environment, change.address,
                     f"serving endpoint {verb}: it stops answering until recreated and redeployed{note}")]
    return [Risk(HIGH if prod else MEDIUM, "destroy", change.environment, change.address, f"{verb}{note}")]


def _grant_risks(grants: list[GrantChange]) -> Iterable[Risk]:
    for grant in grants:
        governed = grant.tier in ("staging", "prod")
        # Writers in dev are the design, not a risk; the grant table still shows them.
        for principal, privs in (grant.escalations if governed else {}).items():
            level = HIGH if grant.tier == "prod" else MEDIUM
            yield Risk(level, "grant escalation", grant.environment, grant.address,
                       f"{principal} gains {', '.join(privs)} on {grant.securable}")
        # A deleted grants resource goes with its securable; the loss is that securable's risk.
        for principal, privs in (grant.removed if grant.kind != "delete" else {}).items():
            yield Risk(MEDIUM if governed else LOW, "access removed", grant.environment, grant.address,
                       f"{principal} loses {', '.join(privs)} on {grant.securable}")


def _binding_risks(bindings: list[BindingChange], tier_of: TierOf) -> Iterable[Risk]:
    for binding in bindings:
        if binding.kind == "create":
            continue
        level = HIGH if tier_of(binding.environment) == "prod" else MEDIUM
        what = "removed" if binding.kind == "delete" else "changed"
        yield Risk(level, "binding", binding.environment, binding.address,
                   f"the {binding.workspace or binding.workspace_id} workspace's binding to {binding.securable} {what} "
                   f"({binding.binding_before} -> {binding.binding_after})")
