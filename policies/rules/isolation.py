"""Catalog isolation: governed catalogs are reachable only from their own workspace (and read-only elsewhere)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lakestack.terraform_json import CROSS_STACK_ADDRESS, environment_of_stack
from policies.model import Resource, Unresolved, literal
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import env_key

CATALOG_TYPES = ("databricks_catalog",)
BINDING_TYPES = ("databricks_workspace_binding", "databricks_catalog_workspace_binding")
READ_WRITE, READ_ONLY = "BINDING_TYPE_READ_WRITE", "BINDING_TYPE_READ_ONLY"
WORKSPACE_TYPES = ("databricks_mws_workspaces",)


def catalogs_isolated(ctx: Context) -> Iterator[Violation]:
    for catalog in ctx.inventory.of_type(*CATALOG_TYPES):
        mode = literal(catalog.get("isolation_mode")) or "OPEN"
        if mode.upper() != "ISOLATED":
            yield Violation(
                catalog,
                f"catalog '{catalog.get('name')}' has isolation_mode {mode} in {ctx.env.name}; every workspace "
                "attached to the metastore can reach it",
                env_key(ctx.env, "catalog"),
            )


def bindings_of(ctx: Context, catalog_name: str | None) -> list[Resource]:
    out = []
    for binding in ctx.inventory.of_type(*BINDING_TYPES):
        securable = literal(binding.get("securable_name")) or literal(binding.get("catalog_name"))
        kind = (literal(binding.get("securable_type")) or "catalog").lower()
        if securable == catalog_name and kind == "catalog":
            out.append(binding)
    return out


def workspace_env(ctx: Context, value: Any) -> str | None:
    """The environment whose workspace a binding's workspace_id names, if it can be told."""
    if isinstance(value, Unresolved):
        for ref in value.refs:
            if ref.address.split(".")[0] in WORKSPACE_TYPES:
                return environment_of_stack(ref.stack)
            # a cross-stack input: the workspace id another stack outputs
            if ref.address.startswith(CROSS_STACK_ADDRESS) and "workspace" in value.expression:
                return environment_of_stack(ref.address.removeprefix(CROSS_STACK_ADDRESS))
        return None
    text = literal(value)
    if text is None or not text.isdigit():
        return None
    if ctx.inventory.workspace_id is not None and int(text) == ctx.inventory.workspace_id:
        return ctx.env.name
    for env in ctx.config.envs():
        if env.config.workspace.workspace_id == int(text):
            return env.name
    return None


def binding_type(binding: Resource) -> str:
    return (literal(binding.get("binding_type")) or READ_WRITE).upper()


def catalog_bindings(ctx: Context) -> Iterator[Violation]:
    for catalog in ctx.inventory.of_type(*CATALOG_TYPES):
        name = literal(catalog.get("name"))
        if name is None:
            continue
        bound: dict[str | None, set[str]] = {}
        for binding in bindings_of(ctx, name):
            env_name = workspace_env(ctx, binding.get("workspace_id"))
            kind = binding_type(binding)
            bound.setdefault(env_name, set()).add(kind)
            if kind == READ_WRITE and env_name != ctx.env.name:
                where = f"the workspace of '{env_name}'" if env_name else f"workspace {binding.get('workspace_id')}"
                yield Violation(binding, f"catalog '{name}' is bound read-write to {where}; only its own "
                                         f"workspace ({ctx.env.name}) may write to it",
                                env_key(ctx.env, "read_only_from"))
        if READ_WRITE not in bound.get(ctx.env.name, set()):
            yield Violation(catalog, f"catalog '{name}' is not bound read-write to its own workspace "
                                     f"({ctx.env.name})", env_key(ctx.env, "workspace"))
        for i, other in enumerate(ctx.env.config.read_only_from):
            if READ_ONLY not in bound.get(other, set()):
                yield Violation(catalog, f"catalog '{name}' has no read-only binding to the workspace of "
                                         f"'{other}' declared in read_only_from",
                                env_key(ctx.env, "read_only_from", i))


RULES = (
    Rule(
        id="LS-UC-005",
        title="Governed catalogs are ISOLATED",
        severity=Severity.HIGH,
        resource_types=CATALOG_TYPES,
        scope=Scope.GOVERNED,
        rationale="An OPEN catalog is reachable from every workspace on the metastore, so dev notebooks could "
                  "read or write staging and prod data.",
        remediation="Set `isolation_mode = \"ISOLATED\"` on the catalog (the governed catalog construct does this "
                    "for staging and prod tiers) and bind it to its workspaces.",
        check=catalogs_isolated,
    ),
    Rule(
        id="LS-UC-006",
        title="Governed catalogs are bound read-write to their own workspace and read-only elsewhere",
        severity=Severity.HIGH,
        resource_types=(*CATALOG_TYPES, *BINDING_TYPES),
        scope=Scope.GOVERNED,
        rationale="Workspace bindings decide where an isolated catalog can be used; a read-write binding from "
                  "another workspace lets unreviewed jobs write governed data, and a missing binding breaks "
                  "the read-only access that `read_only_from` promises.",
        remediation="Declare one `databricks_workspace_binding` with BINDING_TYPE_READ_WRITE to the environment's "
                    "workspace and BINDING_TYPE_READ_ONLY for each environment in `read_only_from`.",
        check=catalog_bindings,
    ),
)
