"""Unity Catalog, serving, alerts and IP access list routes for `FakeDatabricks`, read-only, from seeded state.

What the live audit reads: a catalog with its workspace bindings and grants, schemas and registered
models (grants on models under the `function` securable type, as the Terraform provider calls
them), quality monitors by table, serving endpoints with AI Gateway settings and permissions,
alerts v2 and IP access lists. Jobs and service principals come from `tests.fakes.jobs_api`.
`apply_inventory` seeds the state as if a synthesized stack had been applied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from policies.model import Inventory, Unresolved, blocks, literal
from tests.fakes.server import FakeDatabricks, Request

Response = tuple[int, Any]
GRANT_SECURABLES = {"catalog": "catalog", "schema": "schema", "model": "function"}


def _missing(what: str) -> Response:
    return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"{what} does not exist"}


@dataclass
class UcState:
    catalogs: dict[str, dict[str, Any]] = field(default_factory=dict)
    bindings: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # catalog -> bindings
    grants: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)  # (type, name) -> principal
    schemas: list[dict[str, Any]] = field(default_factory=list)
    models: list[dict[str, Any]] = field(default_factory=list)
    monitors: dict[str, dict[str, Any]] = field(default_factory=dict)  # table -> monitor
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> endpoint
    endpoint_acl: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # endpoint id -> entries
    alerts: list[dict[str, Any]] = field(default_factory=list)
    ip_access_lists: list[dict[str, Any]] = field(default_factory=list)
    tokens: list[dict[str, Any]] = field(default_factory=list)  # token metadata, as token management lists it

    def grant(self, securable_type: str, full_name: str, principal: str, *privileges: str) -> None:
        """A grant as `GRANT ... TO principal` would add it (also out of band)."""
        held = self.grants.setdefault((securable_type, full_name), {}).setdefault(principal, [])
        held.extend(p for p in privileges if p not in held)

    def add_endpoint(self, name: str, inference_table: dict[str, Any] | None) -> str:
        endpoint_id = f"ep-{len(self.endpoints) + 1:04d}"
        gateway = {"inference_table_config": inference_table} if inference_table else {}
        self.endpoints[name] = {"name": name, "id": endpoint_id, "ai_gateway": gateway,
                                "state": {"ready": "READY", "config_update": "NOT_UPDATING"}}
        self.endpoint_acl[endpoint_id] = []
        return endpoint_id

    def allow(self, endpoint_id: str, level: str, **principal: str) -> None:
        self.endpoint_acl[endpoint_id].append(
            {**principal, "all_permissions": [{"permission_level": level, "inherited": False}]})

    # ---- routes --------------------------------------------------------------------------------

    def get_catalog(self, request: Request) -> Response:
        name = _group(request, "name")
        return (200, self.catalogs[name]) if name in self.catalogs else _missing(f"Catalog '{name}'")

    def get_bindings(self, request: Request) -> Response:
        name = _group(request, "name")
        if name not in self.catalogs:
            return _missing(f"Catalog '{name}'")
        return 200, {"bindings": copy.deepcopy(self.bindings.get(name, []))}

    def get_grants(self, request: Request) -> Response:
        key = (_group(request, "type"), _group(request, "name"))
        held = self.grants.get(key, {})
        return 200, {"privilege_assignments": [{"principal": p, "privileges": list(v)} for p, v in held.items()]}

    def list_schemas(self, request: Request) -> Response:
        catalog = request.arg("catalog_name")
        return 200, {"schemas": [s for s in self.schemas if s["catalog_name"] == catalog]}

    def list_models(self, request: Request) -> Response:
        catalog = request.arg("catalog_name")
        return 200, {"registered_models": [m for m in self.models if m["catalog_name"] == catalog]}

    def get_monitor(self, request: Request) -> Response:
        table = _group(request, "table")
        return (200, self.monitors[table]) if table in self.monitors else _missing(f"Monitor for {table}")

    def list_endpoints(self, request: Request) -> Response:
        return 200, {"endpoints": list(self.endpoints.values())}

    def get_endpoint_permissions(self, request: Request) -> Response:
        endpoint_id = _group(request, "id")
        if endpoint_id not in self.endpoint_acl:
            return _missing(f"serving endpoint {endpoint_id}")
        inherited = {"group_name": "admins", "all_permissions": [
            {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/serving-endpoints/"]}]}
        return 200, {"object_id": f"/serving-endpoints/{endpoint_id}", "object_type": "serving-endpoint",
                     "access_control_list": [*self.endpoint_acl[endpoint_id], inherited]}

    def list_alerts(self, request: Request) -> Response:
        return 200, {"alerts": list(self.alerts)}

    def list_ip_access_lists(self, request: Request) -> Response:
        return 200, {"ip_access_lists": list(self.ip_access_lists)}

    def list_tokens(self, request: Request) -> Response:
        return 200, {"token_infos": list(self.tokens)}


def _group(request: Request, name: str) -> str:
    assert request.match is not None
    return request.match[name]


def install_uc_api(server: FakeDatabricks) -> UcState:
    """Add the live audit's read routes to `server`; returns the state they answer from."""
    state = UcState()
    routes = [
        (r"/api/2\.1/unity-catalog/catalogs/(?P<name>[^/]+)", state.get_catalog),
        (r"/api/2\.1/unity-catalog/bindings/catalog/(?P<name>[^/]+)", state.get_bindings),
        (r"/api/2\.1/unity-catalog/permissions/(?P<type>[a-z_]+)/(?P<name>[^/]+)", state.get_grants),
        (r"/api/2\.1/unity-catalog/schemas", state.list_schemas),
        (r"/api/2\.1/unity-catalog/models", state.list_models),
        (r"/api/2\.1/unity-catalog/tables/(?P<table>[^/]+)/monitor", state.get_monitor),
        (r"/api/2\.0/serving-endpoints", state.list_endpoints),
        (r"/api/2\.0/permissions/serving-endpoints/(?P<id>[^/]+)", state.get_endpoint_permissions),
        (r"/api/2\.0/alerts", state.list_alerts),
        (r"/api/2\.0/ip-access-lists", state.list_ip_access_lists),
        (r"/api/2\.0/token-management/tokens", state.list_tokens),
    ]
    for pattern, handler in routes:
        server.route("GET", pattern, handler)
    return state


def apply_inventory(state: UcState, inventory: Inventory, *, deployer_id: str, workspace_id: int) -> None:
    """Seed `state` as if the declared inventory had been applied: the deployer's id and the workspace id
    stand in for the values Terraform learns at apply time."""

    def value(raw: Any) -> Any:
        if isinstance(raw, Unresolved):
            return workspace_id if "workspace" in raw.expression else deployer_id
        return raw

    for catalog in inventory.of_type("databricks_catalog"):
        name = literal(catalog.get("name"))
        assert name is not None
        state.catalogs[name] = {"name": name, "full_name": name, "owner": value(catalog.get("owner")),
                                "isolation_mode": catalog.get("isolation_mode", "OPEN")}
    for binding in inventory.of_type("databricks_workspace_binding"):
        state.bindings.setdefault(str(binding.get("securable_name")), []).append(
            {"workspace_id": int(value(binding.get("workspace_id"))), "binding_type": binding.get("binding_type")})
    for schema in inventory.of_type("databricks_schema"):
        catalog_name, name = literal(schema.get("catalog_name")), literal(schema.get("name"))
        state.schemas.append({"catalog_name": catalog_name, "name": name, "full_name": f"{catalog_name}.{name}",
                              "owner": value(schema.get("owner"))})
    for model in inventory.of_type("databricks_registered_model"):
        parts = [literal(model.get(k)) for k in ("catalog_name", "schema_name", "name")]
        state.models.append({"catalog_name": parts[0], "schema_name": parts[1], "name": parts[2],
                             "full_name": ".".join(str(p) for p in parts), "owner": value(model.get("owner"))})
    for grants in inventory.of_type("databricks_grants"):
        securable = next(k for k in GRANT_SECURABLES if grants.get(k) is not None)
        for block in grants.blocks("grant"):
            state.grant(GRANT_SECURABLES[securable], str(grants.get(securable)), str(value(block["principal"])),
                        *block["privileges"])
    _apply_serving(state, inventory, value)
    for monitor in inventory.of_type("databricks_quality_monitor"):
        table = str(monitor.get("table_name"))
        state.monitors[table] = {"table_name": table, "output_schema_name": monitor.get("output_schema_name"),
                                 "schedule": blocks(monitor.get("schedule"))[0], "status": "MONITOR_STATUS_ACTIVE"}
    for alert in inventory.of_type("databricks_alert_v2"):
        state.alerts.append({"id": f"alert-{len(state.alerts) + 1}", "display_name": alert.get("display_name"),
                             "query_text": alert.get("query_text")})


def _apply_serving(state: UcState, inventory: Inventory, value: Any) -> None:
    ids = {}
    for endpoint in inventory.of_type("databricks_model_serving"):
        table = endpoint.first("ai_gateway", "inference_table_config")
        ids[endpoint.address] = state.add_endpoint(str(endpoint.get("name")), dict(table) or None)
    for permissions in inventory.of_type("databricks_permissions"):
        target = inventory.target(permissions.get("serving_endpoint_id"))
        if target is None:
            continue
        for entry in permissions.blocks("access_control"):
            principal = {k: str(value(v)) for k, v in entry.items() if k != "permission_level"}
            state.allow(ids[target.address], entry["permission_level"], **principal)
