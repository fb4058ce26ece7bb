"""Serving endpoint routes for `FakeDatabricks`: read an endpoint, replace its config, asynchronously.

Only what the deploy task uses: GET `/api/2.0/serving-endpoints/{name}` and PUT
`/api/2.0/serving-endpoints/{name}/config`. Unknown endpoints answer 404 like the real API. Like
Model Serving, a config update is applied in the background: after the PUT the endpoint reports
`config_update: IN_PROGRESS` (the new entities in `pending_config`) for `in_progress_polls` GETs,
then either `NOT_UPDATING` with the new config, or, when `failure` is set, `UPDATE_FAILED` with the
old config kept and the failure in the pending entities' `deployment_state_message`. With
`finishes = False` the update never ends (a timeout). Every PUT is kept in `ServingState.updates`,
and every state a GET reported in `ServingState.polls`.

`VirtualClock` stands in for the `time` module of the SDK's waiter, so its sleeps cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeDatabricks, Request

NAME = r"(?P<name>[A-Za-z0-9_-]+)"


@dataclass
class PendingUpdate:
    config: dict[str, Any]
    polls_left: int


@dataclass
class ServingState:
    endpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    updates: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    polls: list[str] = field(default_factory=list)
    in_progress_polls: int = 0
    failure: str | None = None
    finishes: bool = True
    pending: dict[str, PendingUpdate] = field(default_factory=dict)

    def add(self, name: str, served: list[tuple[str, str]] | None = None, updating: bool = False) -> None:
        """An endpoint serving (entity_name, entity_version) pairs; `updating` marks a config update in flight."""
        entities = [{"name": f"e{i}", "entity_name": n, "entity_version": v} for i, (n, v) in enumerate(served or [])]
        self.endpoints[name] = {
            "name": name,
            "state": {"ready": "READY", "config_update": "IN_PROGRESS" if updating else "NOT_UPDATING"},
            "config": {"served_entities": entities},
        }
        self.pending.pop(name, None)

    def served_versions(self, name: str) -> list[str]:
        return [e["entity_version"] for e in self.endpoints[name]["config"]["served_entities"]]

    def start_update(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        """Accept a new config: the endpoint now reports it as pending."""
        self.updates.append((name, body))
        config = {"served_entities": body.get("served_entities", []), "traffic_config": body.get("traffic_config")}
        self.pending[name] = PendingUpdate(config, self.in_progress_polls)
        endpoint = self.endpoints[name]
        endpoint["state"]["config_update"] = "IN_PROGRESS"
        endpoint["pending_config"] = _with_state(config, "DEPLOYMENT_CREATING", "Creating the served entity.")
        return endpoint

    def poll(self, name: str) -> dict[str, Any]:
        """The endpoint as one GET sees it; a pending update advances by one poll."""
        update = self.pending.get(name)
        if update is not None:
            if update.polls_left > 0:
                update.polls_left -= 1
            elif self.finishes:
                self._settle(name, update)
        endpoint = self.endpoints[name]
        self.polls.append(endpoint["state"]["config_update"])
        return endpoint

    def _settle(self, name: str, update: PendingUpdate) -> None:
        endpoint = self.endpoints[name]
        del self.pending[name]
        if self.failure is None:
            endpoint["config"] = _with_state(update.config, "DEPLOYMENT_READY", "")
            endpoint.pop("pending_config", None)
            endpoint["state"]["config_update"] = "NOT_UPDATING"
        else:
            endpoint["pending_config"] = _with_state(update.config, "DEPLOYMENT_FAILED", self.failure)
            endpoint["state"]["config_update"] = "UPDATE_FAILED"


def _with_state(config: dict[str, Any], deployment: str, message: str) -> dict[str, Any]:
    state = {"deployment": deployment, **({"deployment_state_message": message} if message else {})}
    return {**config, "served_entities": [{**e, "state": state} for e in config["served_entities"]]}


class VirtualClock:
    """`time()` and `sleep()` for the SDK's waiter: sleeping moves the clock forward at once."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def install_serving_api(server: FakeDatabricks) -> ServingState:
    state = ServingState()

    def missing(name: str) -> tuple[int, Any]:
        return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"Endpoint with name '{name}' does not exist."}

    def get(request: Request) -> tuple[int, Any]:
        assert request.match is not None
        name = request.match["name"]
        return (200, state.poll(name)) if name in state.endpoints else missing(name)

    def put_config(request: Request) -> tuple[int, Any]:
        assert request.match is not None
        name = request.match["name"]
        if name not in state.endpoints:
            return missing(name)
        return 200, state.start_update(name, request.body)

    server.route("GET", f"/api/2.0/serving-endpoints/{NAME}", get)
    server.route("PUT", f"/api/2.0/serving-endpoints/{NAME}/config", put_config)
    return state
