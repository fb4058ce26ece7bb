"""Stable, readable Terraform addresses.

CDKTF derives a nested construct's logical id from its path plus a hash; reviewers read plans by
address, so every resource is created directly in its stack with the Terraform name that says what
it is (`databricks_catalog.catalog`, `databricks_grants.grants_schema_ml`): CDKTF uses a stack-level
construct id as the logical id unchanged. That also spares each resource a second call into the
CDK runtime (an `override_logical_id`), which is most of what a large synth costs (docs/benchmark.md).
The constructs are therefore plain classes that group resources, not nodes of the construct tree.
"""

from __future__ import annotations

import re


def terraform_name(text: str) -> str:
    """`text` as a Terraform resource name: letters, digits and underscores (model names may hold others)."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)
