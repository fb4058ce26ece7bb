"""Unity Catalog grants as flat (securable, principal, privileges) entries, whatever resource holds them.

`databricks_grants` (authoritative, one block per principal) and `databricks_grant` (one principal)
both end up here, privileges normalised the way Unity Catalog stores them (`ALL PRIVILEGES` ->
`ALL_PRIVILEGES`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from infra.config.roles import ROLE_PRIVILEGES, privileges, reader_privileges
from policies.model import Inventory, Resource, literal

# The securable attribute of databricks_grants, in the provider's spelling.
SECURABLE_KEYS = ("catalog", "schema", "model", "table", "volume", "function", "metastore", "external_location",
                  "storage_credential", "share", "foreign_connection", "pipeline", "recipient")
GRANT_TYPES = ("databricks_grants", "databricks_grant")


@dataclass(frozen=True)
class GrantEntry:
    resource: Resource
    securable: str  # catalog, schema, model, ...
    name: str  # the securable's full name, or its expression when unknown
    principal: Any
    privileges: frozenset[str]

    @property
    def label(self) -> str:
        return f"{self.securable} '{self.name}'"


def normalise(privileges_: Any) -> frozenset[str]:
    if not isinstance(privileges_, list | tuple | set | frozenset):
        return frozenset()
    return frozenset(str(p).strip().upper().replace(" ", "_") for p in privileges_)


def securable_of(resource: Resource) -> tuple[str, str]:
    for key in SECURABLE_KEYS:
        value = resource.get(key)
        if value not in (None, ""):
            return key, literal(value) or str(value)
    return "unknown", resource.address


def grant_entries(inventory: Inventory) -> Iterator[GrantEntry]:
    for resource in inventory.of_type(*GRANT_TYPES):
        securable, name = securable_of(resource)
        if resource.type == "databricks_grant":
            privileges_ = normalise(resource.get("privileges"))
            yield GrantEntry(resource, securable, name, resource.get("principal"), privileges_)
            continue
        for block in resource.blocks("grant"):
            yield GrantEntry(resource, securable, name, block.get("principal"), normalise(block.get("privileges")))


@cache
def reader_set(securable: str) -> frozenset[str]:
    """What the `reader` role may hold on this kind of securable (roles.py is the one source)."""
    if securable in ROLE_PRIVILEGES["reader"]:
        return frozenset(privileges("reader", securable))
    return reader_privileges()
