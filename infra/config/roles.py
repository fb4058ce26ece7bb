"""Roles, not raw privileges: what `reader` and `writer` mean on each kind of Unity Catalog securable.

Stacks grant from this table and policies judge grants against it, so the two can never disagree.
Unity Catalog accepts a different privilege set per securable type (a registered model takes
EXECUTE and APPLY_TAG, not SELECT), hence one row per securable.
"""

from __future__ import annotations

CATALOG_READER = ("USE_CATALOG", "USE_SCHEMA", "SELECT", "EXECUTE", "READ_VOLUME", "BROWSE")
WRITE_PRIVILEGES = ("MODIFY", "CREATE_TABLE", "CREATE_FUNCTION", "CREATE_MODEL", "CREATE_VOLUME", "WRITE_VOLUME",
                    "REFRESH")

ROLE_PRIVILEGES: dict[str, dict[str, tuple[str, ...]]] = {
    "reader": {
        "catalog": CATALOG_READER,
        "schema": ("USE_SCHEMA", "SELECT", "EXECUTE", "READ_VOLUME"),
        "model": ("EXECUTE",),
    },
    "writer": {
        "catalog": CATALOG_READER + WRITE_PRIVILEGES,
        "schema": ("USE_SCHEMA", "SELECT", "EXECUTE", "READ_VOLUME", *WRITE_PRIVILEGES),
        "model": ("EXECUTE", "APPLY_TAG"),
    },
}

# What a receiving environment's deployer holds in the source environment of a deploy-model step: enough to
# reach and copy one registered model's versions (`MlflowClient.copy_model_version`), nothing else.
PROMOTION_READER: dict[str, tuple[str, ...]] = {
    "catalog": ("USE_CATALOG",),
    "schema": ("USE_SCHEMA",),
    "model": ("EXECUTE",),
}

# Privileges that let a principal change or administer a securable rather than read it.
ADMIN_PRIVILEGES = ("ALL_PRIVILEGES", "MANAGE")


def privileges(role: str, securable: str) -> tuple[str, ...]:
    """The privileges `role` grants on a securable of kind catalog, schema or model."""
    return ROLE_PRIVILEGES[role][securable]


def reader_privileges() -> frozenset[str]:
    """Everything a read-only principal may hold on any securable."""
    return frozenset(p for privs in ROLE_PRIVILEGES["reader"].values() for p in privs)
