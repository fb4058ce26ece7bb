"""Serving endpoint routes for `FakeDatabricks`: read an endpoint, replace its config.

Only what the deploy task uses: GET `/api/2.0/serving-endpoints/{name}` and PUT
`/api/2.0/serving-endpoints/{name}/config`. Unknown endpoints answer 404 like the real API; every
config update is kept in `ServingState.updates` and becomes the endpoint's served config.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeDatabricks, Request

NAME = r"(?P<name>[A-Za-z0-9_-]+)"


@dataclass
class ServingState:
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def add(self, name: str, served: list[tuple[str, str]] | None = None, updating: bool = False) -> None:
        """An endpoint serving (entity_name, entity_version) pairs; `updating` marks a config update in flight."""
        entities = [{"name": f"e{i}", "entity_name": n, "entity_version": v} for i, (n, v) in enumerate(served or [])]
        self.endpoints[name] = {
            "name": name,
            "state": {"ready": "READY", "config_update": "IN_PROGRESS" if updating else "NOT_UPDATING"},
            "config": {"served_entities": entities},
        }

    def served_versions(self, name: str) -> list[str]:
        return [e["entity_version"] for e in self.endpoints[name]["config"]["served_entities"]]


def install_serving_api(server: FakeDatabricks) -> ServingState:
    state = ServingState()

    def missing(name: str) -> tuple[int, Any]:
        return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"Endpoint with name '{name}' does not exist."}

    def get(request: Request) -> tuple[int, Any]:
        assert request.match is not None
        name = request.match["name"]
        return (200, state.endpoints[name]) if name in state.endpoints else missing(name)

    def put_config(request: Request) -> tuple[int, Any]:
        assert request.match is not None
        name = request.match["name"]
        if name not in state.endpoints:
            return missing(name)
        state.updates.append((name, request.body))
        endpoint = state.endpoints[name]
        endpoint["config"] = {"served_entities": request.body.get("served_entities", []),
                              "traffic_config": request.body.get("traffic_config")}
        return 200, endpoint

    server.route("GET", f"/api/2.0/serving-endpoints/{NAME}", get)
    server.route("PUT", f"/api/2.0/serving-endpoints/{NAME}/config", put_config)
    return state
