"""Stable, readable Terraform addresses.

CDKTF derives logical ids from construct paths plus a hash; reviewers read plans by address, so
every resource gets an explicit id that says what it is (`databricks_catalog.catalog`,
`databricks_grants.grants_schema_ml`).
"""

from __future__ import annotations

import re
from typing import TypeVar

from infra.cdk import TerraformElement

Element = TypeVar("Element", bound=TerraformElement)


def named(element: Element, logical_id: str) -> Element:
    """Give `element` the Terraform name `logical_id` (letters, digits, underscores); returns it with its own type."""
    element.override_logical_id(re.sub(r"[^A-Za-z0-9_]", "_", logical_id))
    return element
