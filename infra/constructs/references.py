"""Unity Catalog names built from the attributes of the resources that declare them.

A name written as a literal (`retail_prod.inference`) gives Terraform no edge to the schema it names,
so a first apply can race its creation and a destroy can remove it first. Built from the declaring
resource's own attributes (`${databricks_schema.schema_inference.catalog_name}.${...name}`), the name
is still known at plan time (the attributes are configured, not computed) and is a dependency.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class InSchema(Protocol):
    """What a table or registered model exposes: its catalog, schema and own name as attribute tokens."""

    @property
    def catalog_name(self) -> str: ...

    @property
    def schema_name(self) -> str: ...

    @property
    def name(self) -> str: ...


class InCatalog(Protocol):
    @property
    def catalog_name(self) -> str: ...

    @property
    def name(self) -> str: ...


def schema_full_name(schema: InCatalog) -> str:
    """`<catalog>.<schema>` of a declared schema."""
    return f"{schema.catalog_name}.{schema.name}"


def object_full_name(securable: InSchema) -> str:
    """`<catalog>.<schema>.<name>` of a declared table or registered model."""
    return f"{securable.catalog_name}.{securable.schema_name}.{securable.name}"


@dataclass(frozen=True)
class SchemaName:
    """A declared schema's name tokens, read from the resource once.

    Each attribute read is a round trip into the CDK runtime; a schema is named by every model's
    resources, so the stacks read its tokens once and pass this value down (the same strings).
    """

    catalog_name: str
    name: str

    @classmethod
    def of(cls, schema: InCatalog) -> SchemaName:
        return cls(catalog_name=schema.catalog_name, name=schema.name)


@dataclass(frozen=True)
class ObjectName:
    """A declared table's or registered model's name tokens, read from the resource once (see `SchemaName`)."""

    catalog_name: str
    schema_name: str
    name: str

    @classmethod
    def of(cls, securable: InSchema) -> ObjectName:
        return cls(catalog_name=securable.catalog_name, schema_name=securable.schema_name, name=securable.name)
