"""Point a model's serving endpoint at one registered version, through `databricks-sdk`.

Terraform owns the endpoint's envelope (name, AI Gateway, permissions) and ignores its `config`;
the deploy and rollback tasks own `config`: one served entity, the champion version, all traffic.
Model Serving applies a config update in the background, so the update waits (with the SDK's
waiter) until the endpoint serves the new version, failed to load it, or the timeout passed; the
callers move the registry aliases only after `updated` or `unchanged`.
Offline (no Databricks host in the environment) the update is skipped and says so.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from infra.config import Environment, ModelConfig
from lakestack.errors import InputError
from lifecycle.runtime import on_databricks

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.service._internal import Wait
    from databricks.sdk.service.serving import ServingEndpointDetailed

    from lakestack.workspace import Workspace

Connect = Callable[[Environment], "Workspace | WorkspaceClient | None"]


@dataclass(frozen=True)
class ServingUpdate:
    endpoint: str
    status: str  # updated | unchanged | skipped | failed
    detail: str
    version: str | None = None

    @property
    def failed(self) -> bool:
        """The endpoint did not end up serving the version: the registry must not say it does."""
        return self.status == "failed"

    def describe(self) -> str:
        return f"serving endpoint {self.endpoint}: {self.status}: {self.detail}"


def workspace_client(env: Environment) -> Workspace | None:
    """The environment's workspace, or None offline (no `DATABRICKS_HOST` or profile, not on Databricks).

    Inside a job the task runs in the environment's own workspace with the job's credentials.
    Elsewhere `lakestack.workspace.connect` applies the same guards as bootstrap: the configured host,
    and a stop when `DATABRICKS_HOST` names another workspace.
    """
    from lakestack.workspace import connect, open_workspace

    if on_databricks():
        return open_workspace(None)
    if not os.environ.get("DATABRICKS_HOST") and not os.environ.get("DATABRICKS_CONFIG_PROFILE"):
        return None
    return connect(env)


def skip_reason(env: Environment, model: ModelConfig) -> str | None:
    """Why this model has no endpoint to update in this environment, or None."""
    if model.serving is None:
        return f"model '{model.name}' has no serving block in the config"
    if not env.serving_enabled:
        return f"serving is off in environment '{env.name}'"
    if model.name not in {m.name for m in env.served_models}:
        return f"environment '{env.name}' serves only {', '.join(m.name for m in env.served_models)}"
    return None


def served_entity_name(model: ModelConfig, version: str) -> str:
    return f"{model.name}-{version}"


def add_serving_timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--serving-timeout", type=_minutes, metavar="MINUTES",
                        help="how long to wait for the serving endpoint to load the version "
                             "(default: serving.update_timeout_minutes from the config, 30)")


def _minutes(value: str) -> timedelta:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of minutes (1 or more)")
    return timedelta(minutes=int(value))


def _served(endpoint: ServingEndpointDetailed) -> str:
    served = (endpoint.config.served_entities or []) if endpoint.config else []
    return ", ".join(f"{e.entity_name} version {e.entity_version}" for e in served) or "nothing"


def _reported(endpoint: ServingEndpointDetailed) -> str:
    """The endpoint's own account of its update: the state, and each pending entity's message."""
    status = endpoint.state.config_update.value if endpoint.state and endpoint.state.config_update else "unknown"
    pending = (endpoint.pending_config.served_entities or []) if endpoint.pending_config else []
    messages = [f"{e.name}: {e.state.deployment_state_message}"
                for e in pending if e.state and e.state.deployment_state_message]
    return f"{status} ({'; '.join(messages)})" if messages else status


def _await_update(waiter: Wait[ServingEndpointDetailed], name: str, loading: str, version: str,
                  timeout: timedelta) -> ServingUpdate:
    """Poll until the endpoint no longer updates; a failed or unfinished update is `failed`, never raised."""
    from databricks.sdk.errors import OperationFailed

    polls: list[ServingEndpointDetailed] = []  # the waiter reports every poll that did not succeed
    try:
        waiter.result(timeout=timeout, callback=polls.append)
    except OperationFailed:  # UPDATE_FAILED or UPDATE_CANCELED: the endpoint kept its previous config
        return ServingUpdate(name, "failed", f"could not load {loading}: the endpoint reports "
                                             f"{_reported(polls[-1])}; it still serves {_served(polls[-1])}", version)
    except TimeoutError:
        still = f": the endpoint still reports {_reported(polls[-1])}" if polls else ""
        return ServingUpdate(name, "failed", f"did not finish loading {loading} within "
                                             f"{timeout.total_seconds() / 60:g} min{still}; the update may still "
                                             "finish: rerun this command once it has", version)
    return ServingUpdate(name, "updated", f"now serves {loading} (100% of traffic)", version)


def update_endpoint(workspace: Workspace | WorkspaceClient, env: Environment, model: ModelConfig, version: str,
                    timeout: timedelta | None = None) -> ServingUpdate:
    """Serve `version` with all traffic and wait until it does; a no-op when it already serves exactly that.

    `timeout` defaults to the model's `serving.update_timeout_minutes`. Calls go through the shared
    workspace call (lakestack.workspace): a refused call names the permission and exits 2.
    """
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service.serving import EndpointStateConfigUpdate, Route, ServedEntityInput, TrafficConfig

    from lakestack.workspace import Workspace

    ws = Workspace.wrap(workspace)
    name, full_name = env.endpoint_name(model), env.model_full_name(model)
    needs = f"CAN_MANAGE on serving endpoint {name} (the environment's stack grants it to the deployer)"

    def read() -> ServingEndpointDetailed | None:
        try:
            return ws.client.serving_endpoints.get(name)
        except NotFound:
            return None

    endpoint = ws.call(f"reading serving endpoint {name}", needs, read)
    if endpoint is None:
        raise InputError(f"serving endpoint '{name}' does not exist in {env.host}",
                         hint=f"deploy the environment's stack first (cdktf deploy {env.name})")
    if endpoint.state and endpoint.state.config_update == EndpointStateConfigUpdate.IN_PROGRESS:
        raise InputError(f"serving endpoint '{name}' is already updating; rerun when that update has finished")
    served = (endpoint.config.served_entities or []) if endpoint.config else []
    if [(e.entity_name, e.entity_version) for e in served] == [(full_name, version)]:
        return ServingUpdate(name, "unchanged", f"already serves {full_name} version {version}", version)

    assert model.serving is not None  # callers check skip_reason first
    entity = served_entity_name(model, version)
    entities = [ServedEntityInput(name=entity, entity_name=full_name, entity_version=version,
                                  workload_size=model.serving.workload_size,
                                  scale_to_zero_enabled=model.serving.scale_to_zero)]
    traffic = TrafficConfig(routes=[Route(served_entity_name=entity, traffic_percentage=100)])
    waiter = ws.call(f"updating the config of serving endpoint {name}", needs,  # a PUT: repeating it is harmless
                     lambda: ws.client.serving_endpoints.update_config(name=name, served_entities=entities,
                                                                        traffic_config=traffic))
    limit = timeout or timedelta(minutes=model.serving.update_timeout_minutes)
    with ws.errors(f"waiting for serving endpoint {name} to load {full_name} version {version}", needs):
        return _await_update(waiter, name, f"{full_name} version {version}", version, limit)


def publish(env: Environment, model: ModelConfig, version: str, connect: Connect = workspace_client,
            timeout: timedelta | None = None) -> ServingUpdate:
    """Update the endpoint when this env serves this model and a workspace is reachable; say why not otherwise."""
    endpoint = env.endpoint_name(model)
    reason = skip_reason(env, model)
    if reason:
        return ServingUpdate(endpoint, "skipped", reason)
    workspace = connect(env)
    if workspace is None:
        return ServingUpdate(endpoint, "skipped", "offline: no Databricks host configured (set DATABRICKS_HOST "
                                                  "and credentials to update the endpoint)")
    return update_endpoint(workspace, env, model, version, timeout)
