"""Unity Catalog access: who may read, write and administer the catalog, its schemas and models."""

from __future__ import annotations

from collections.abc import Iterator

from infra.config.roles import ADMIN_PRIVILEGES
from policies.grants import GRANT_TYPES, reader_set
from policies.principals import Kind
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import classified_grants, env_key

OWNED_TYPES = ("databricks_catalog", "databricks_schema", "databricks_registered_model")
ADMINISTERING = frozenset(ADMIN_PRIVILEGES)


def human_groups_read_only(ctx: Context) -> Iterator[Violation]:
    for entry, principal in classified_grants(ctx):
        if not ctx.principals.is_human_group(principal):
            continue
        extra = sorted(entry.privileges - reader_set(entry.securable))
        if extra:
            yield Violation(
                entry.resource,
                f"group '{principal.name}' holds {', '.join(extra)} on {entry.label} in {ctx.env.name}; "
                f"people are read-only here (role 'reader')",
                ctx.principals.access_key(principal),
            )


def no_individual_or_everyone_grants(ctx: Context) -> Iterator[Violation]:
    for entry, principal in classified_grants(ctx):
        if principal.kind in (Kind.USER, Kind.ALL_USERS):
            yield Violation(
                entry.resource,
                f"{principal.kind} '{principal.name}' is granted {', '.join(sorted(entry.privileges))} on "
                f"{entry.label} in {ctx.env.name}; grant to a group instead",
            )


def admin_only_for_deployer(ctx: Context) -> Iterator[Violation]:
    for entry, principal in classified_grants(ctx):
        admin = sorted(entry.privileges & ADMINISTERING)
        if admin and principal.kind is not Kind.DEPLOYER:
            yield Violation(
                entry.resource,
                f"{principal.kind} '{principal.name}' holds {', '.join(admin)} on {entry.label}; only the "
                f"deployer service principal '{ctx.env.deployer_name}' may administer it",
                env_key(ctx.env, "access"),
            )


def owners_are_groups_or_service_principals(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.of_type(*OWNED_TYPES):
        owner = resource.get("owner")
        if owner in (None, ""):
            continue  # the creator owns it: the deployer running Terraform
        principal = ctx.principals.classify(owner)
        if principal.kind in (Kind.USER, Kind.ALL_USERS):
            yield Violation(
                resource,
                f"{resource.type.removeprefix('databricks_')} '{resource.get('name')}' is owned by "
                f"{principal.kind} '{principal.name}'; owners must be groups or service principals",
            )


RULES = (
    Rule(
        id="LS-UC-001",
        title="Human groups are read-only in governed environments",
        severity=Severity.HIGH,
        resource_types=GRANT_TYPES,
        scope=Scope.GOVERNED,
        rationale="In staging and prod only the deployer changes data and models, through reviewed code; a "
                  "group of people with MODIFY or CREATE_* can bypass review and validation.",
        remediation="Set the group's role to `reader` under `environments.<env>.access` in platform.yaml "
                    "(the reader privilege set is defined in infra/config/roles.py).",
        check=human_groups_read_only,
    ),
    Rule(
        id="LS-UC-002",
        title="No grants to individual users or to all users in governed environments",
        severity=Severity.HIGH,
        resource_types=GRANT_TYPES,
        scope=Scope.GOVERNED,
        rationale="Grants to a person's email outlive their role and are invisible in group reviews; grants to "
                  "`account users` open the data to everyone in the account.",
        remediation="Grant the privileges to an account group (a role in `groups:`) and add the person to it.",
        check=no_individual_or_everyone_grants,
    ),
    Rule(
        id="LS-UC-003",
        title="ALL_PRIVILEGES and MANAGE only for the deployer service principal",
        severity=Severity.HIGH,
        resource_types=GRANT_TYPES,
        scope=Scope.ALL,
        rationale="ALL_PRIVILEGES and MANAGE let the holder grant themselves anything and change ownership; "
                  "only the environment's deployer, which applies reviewed code, needs that.",
        remediation="Remove ALL_PRIVILEGES/MANAGE from the grant; give people the `reader` or `writer` role.",
        check=admin_only_for_deployer,
    ),
    Rule(
        id="LS-UC-004",
        title="Catalogs, schemas and models are owned by groups or service principals",
        severity=Severity.HIGH,
        resource_types=OWNED_TYPES,
        scope=Scope.ALL,
        rationale="An owner can grant any privilege and drop the securable; a personal owner leaves with the "
                  "person and escapes group-based review.",
        remediation="Set `owner` to the deployer service principal's application id (the lakestack default) or "
                    "to an admin group.",
        check=owners_are_groups_or_service_principals,
    ),
)
