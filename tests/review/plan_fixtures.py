"""Hand-made `terraform show -json` plans for Databricks resources, shaped like Terraform 1.11's output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

CLIENT_SECRET = "dose0123456789abcdef0123456789abcdef"  # a canary shaped like an OAuth secret
MARKED_VALUE = "marked-by-the-plan-canary"


def resource_change(address: str, actions: list[str], before: Any, after: Any, **extra: Any) -> dict[str, Any]:
    rtype, name = address.split(".", 1)
    change = {"actions": actions, "before": before, "after": after,
              "after_unknown": extra.pop("after_unknown", {}),
              "before_sensitive": extra.pop("before_sensitive", {} if before is not None else False),
              "after_sensitive": extra.pop("after_sensitive", {} if after is not None else False)}
    if "replace_paths" in extra:
        change["replace_paths"] = extra.pop("replace_paths")
    if "importing" in extra:
        change["importing"] = extra.pop("importing")
    return {"address": address, "mode": extra.pop("mode", "managed"), "type": rtype, "name": name,
            "provider_name": "registry.terraform.io/databricks/databricks", "change": change, **extra}


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": list(changes)}


def databricks_prod_plan() -> dict[str, Any]:
    """Endpoint replaced, catalog deleted, grants widened, a secret rotated, an SP imported, a model moved."""
    endpoint_before = {"name": "retail-ml-prod-recommender", "route_optimized": False, "id": "ep-1"}
    endpoint_after = {"name": "retail-ml-prod-recommender", "route_optimized": True}
    return plan(
        resource_change("databricks_model_serving.serving_recommender", ["delete", "create"],
                        endpoint_before, endpoint_after, after_unknown={"id": True, "serving_endpoint_id": True},
                        replace_paths=[["route_optimized"]], action_reason="replace_because_cannot_update"),
        resource_change("databricks_catalog.legacy", ["delete"], {"name": "retail_legacy", "id": "retail_legacy"},
                        None, action_reason="delete_because_no_resource_config"),
        resource_change("databricks_grants.grants_catalog", ["update"],
                        _catalog_grants(["USE_CATALOG", "SELECT"]),
                        _catalog_grants(["USE_CATALOG", "SELECT", "MODIFY"])),
        resource_change("databricks_service_principal_secret.deployer", ["update"],
                        {"service_principal_id": "42", "secret": CLIENT_SECRET, "note": MARKED_VALUE},
                        {"service_principal_id": "42", "secret": None, "note": "rotated " + MARKED_VALUE},
                        after_unknown={"secret": True},
                        before_sensitive={"note": True}, after_sensitive={"note": True}),
        resource_change("databricks_service_principal.deployer", ["no-op"], {"display_name": "deployer"},
                        {"display_name": "deployer"}, importing={"id": "1234"}),
        resource_change("databricks_registered_model.model_price", ["no-op"], {"name": "price"}, {"name": "price"},
                        previous_address="databricks_registered_model.model_pricing"),
        resource_change("data.databricks_group.admins", ["read"], None, {"display_name": "admins"}, mode="data"),
    )


def _catalog_grants(privileges: list[str]) -> dict[str, Any]:
    return {"catalog": "retail_prod", "grant": [{"principal": "retail-data-scientists", "privileges": privileges}]}


def write_plan(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc))
    return path
