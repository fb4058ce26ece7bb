"""The live workspace as an inventory, read with `databricks-sdk` and mapped to Terraform-shaped attributes.

Reads what the rules and the drift report judge: the environment's catalog (isolation, owner,
bindings, grants), its schemas and registered models with their grants, serving endpoints with
their AI Gateway settings and permissions, quality monitors, alerts, jobs, service principals and
IP access lists. Each becomes a `Resource` named like Terraform would (`databricks_catalog.retail_prod`)
with the provider's attribute names, so the same rules run unchanged. Imported only in live mode.

Every read goes through `lakestack.workspace.Workspace.call`: the same retry budget and the same
error mapping as bootstrap (a refused read names the permission; any failure exits 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import DatabricksError, NotFound, PermissionDenied, Unauthenticated

from infra.config import Environment
from lakestack.workspace import Workspace
from policies.model import LIVE, Inventory, Resource, Source, literal
from policies.principals import APPLICATION_ID

T = TypeVar("T")
MODEL_SECURABLE = "function"  # the grants API names registered models "function" (as the provider does)
READ_NEEDS = ("to read Unity Catalog metadata, serving endpoints, jobs and workspace settings (workspace admin, "
              "or BROWSE/USE on the catalog plus CAN_VIEW on endpoints and jobs)")


def connect(env: Environment) -> Workspace:
    """The environment's workspace at its configured host; refuses a DATABRICKS_HOST pointing elsewhere."""
    from lakestack.workspace import connect as connect_workspace

    return connect_workspace(env)


def read_live(client: WorkspaceClient | Workspace, env: Environment, declared: Inventory | None = None) -> Inventory:
    return LiveReader(client, env, declared).read()


class LiveReader:
    def __init__(self, client: WorkspaceClient | Workspace, env: Environment, declared: Inventory | None) -> None:
        self.workspace = Workspace.wrap(client)
        self.client = self.workspace.client
        self.env = env
        self.declared = declared
        self.host = self.client.config.host or env.host
        self.inventory = Inventory(env.name, LIVE, self.host)
        self.source = Source(LIVE, None, label=self.host)

    def read(self) -> Inventory:
        self.inventory.workspace_id = self._workspace_id()
        self._service_principals()
        if self._catalog():
            self._schemas()
            self._models()
            self._monitors()
        self._endpoints()
        self._alerts()
        self._jobs()
        self._tokens()
        self._ip_access_lists()
        return self.inventory

    # ---- plumbing ------------------------------------------------------------------------------

    def call(self, what: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """One SDK read through the shared workspace call; a missing object is None."""
        def read() -> T | None:
            try:
                return fn(*args, **kwargs)
            except NotFound:
                return None

        return self.workspace.call(f"{what} (live audit of '{self.env.name}')",
                                   READ_NEEDS, read)

    def listing(self, what: str, fn: Callable[..., Iterable[T]], *args: Any, **kwargs: Any) -> list[T]:
        return self.call(what, lambda: list(fn(*args, **kwargs))) or []

    def add(self, rtype: str, name: str, attributes: dict[str, Any]) -> Resource:
        """Add a live object under the address the synth declares for it when there is one, so findings
        (and the waivers written against them) name the same resource in every mode."""
        attributes = {k: v for k, v in attributes.items() if v is not None}
        declared = self.declared_twin(rtype, attributes)
        logical = declared.name if declared is not None else safe_name(name)
        resource = Resource(address=f"{rtype}.{logical}", type=rtype, name=logical,
                            stack=declared.stack if declared is not None else self.env.name,
                            environment=self.env.name, source=self.source, attributes=attributes)
        self.inventory.add(resource)
        return resource

    def declared_twin(self, rtype: str, attributes: dict[str, Any]) -> Resource | None:
        """The declared resource that is this live object: same type and same identity (see IDENTITY)."""
        key = identity(rtype, attributes)
        if self.declared is None or key is None:
            return None
        return next((r for r in self.declared.of_type(rtype) if identity(rtype, self.declared_view(r)) == key),
                    None)

    def declared_view(self, resource: Resource) -> dict[str, Any]:
        """A declared resource's attributes, with endpoint permissions named by their endpoint as live ones are."""
        if resource.type != "databricks_permissions" or self.declared is None:
            return resource.attributes
        endpoint = self.declared.target(resource.get("serving_endpoint_id"))
        name = literal(endpoint.get("name")) if endpoint is not None else None
        return {**resource.attributes, SERVING_ENDPOINT_NAME: name} if name else resource.attributes

    def _workspace_id(self) -> int | None:
        declared = self.env.config.workspace.workspace_id
        if declared is not None:
            return declared
        try:
            return int(self.client.get_workspace_id())
        except (DatabricksError, KeyError, TypeError, ValueError):
            return None

    # ---- Unity Catalog -------------------------------------------------------------------------

    def _catalog(self) -> bool:
        name = self.env.catalog
        catalog = self.call(f"reading catalog {name}", self.client.catalogs.get, name)
        if catalog is None:
            return False
        info = catalog.as_dict()
        self.add("databricks_catalog", name, {key: info.get(key) for key in ("name", "isolation_mode", "owner",
                                                                            "comment", "storage_root")})
        for binding in self.listing(f"reading bindings of {name}", self.client.workspace_bindings.get_bindings,
                                    "catalog", name):
            kind = binding.binding_type.value if binding.binding_type else None
            self.add("databricks_workspace_binding", f"{name}_{binding.workspace_id}",
                     {"securable_name": name, "securable_type": "catalog", "workspace_id": binding.workspace_id,
                      "binding_type": kind})
        self._grants("catalog", "catalog", name)
        return True

    def _grants(self, securable_type: str, attribute: str, full_name: str) -> None:
        response = self.call(f"reading grants on {securable_type} {full_name}", self.client.grants.get,
                             securable_type, full_name)
        assignments = (response.privilege_assignments or []) if response is not None else []
        grant = [{"principal": a.principal, "privileges": [getattr(p, "value", str(p)) for p in a.privileges or []]}
                 for a in assignments]
        self.add("databricks_grants", f"{attribute}_{full_name}", {attribute: full_name, "grant": grant})

    def _schemas(self) -> None:
        for schema in self.listing(f"listing schemas of {self.env.catalog}", self.client.schemas.list,
                                   catalog_name=self.env.catalog):
            self.add("databricks_schema", schema.full_name or f"{schema.catalog_name}.{schema.name}",
                     {"catalog_name": schema.catalog_name, "name": schema.name, "owner": schema.owner})
            self._grants("schema", "schema", schema.full_name or f"{schema.catalog_name}.{schema.name}")

    def _models(self) -> None:
        for model in self.listing(f"listing registered models of {self.env.catalog}",
                                  self.client.registered_models.list, catalog_name=self.env.catalog):
            full_name = model.full_name or f"{model.catalog_name}.{model.schema_name}.{model.name}"
            self.add("databricks_registered_model", full_name,
                     {"catalog_name": model.catalog_name, "schema_name": model.schema_name, "name": model.name,
                      "owner": model.owner})
            self._grants(MODEL_SECURABLE, "model", full_name)

    def _monitors(self) -> None:
        for table in self._monitored_tables():
            monitor = self.call(f"reading the monitor of {table}", self.client.quality_monitors.get, table)
            if monitor is not None:
                self.add("databricks_quality_monitor", table, monitor.as_dict())

    def _monitored_tables(self) -> list[str]:
        """Tables that should carry a monitor: the config's and the synth's, in a stable order."""
        tables = [self.env.processed_table(model) for model in self.env.served_models]
        tables += [self.env.feature_table(table) for table in self.env.platform.feature_tables]
        if self.declared is not None:
            tables += [str(m.get("table_name")) for m in self.declared.of_type("databricks_quality_monitor")]
        return list(dict.fromkeys(tables))

    # ---- serving, alerts, jobs, identities, network ----------------------------------------------

    def _endpoints(self) -> None:
        for endpoint in self.listing("listing serving endpoints", self.client.serving_endpoints.list):
            info = endpoint.as_dict()
            self.add("databricks_model_serving", endpoint.name or str(endpoint.id), {
                "name": endpoint.name, "id": endpoint.id, "serving_endpoint_id": endpoint.id,
                "ai_gateway": info.get("ai_gateway"), "config": info.get("config"), "tags": info.get("tags"),
            })
            self._endpoint_permissions(endpoint.name or "", endpoint.id)

    def _endpoint_permissions(self, name: str, endpoint_id: str | None) -> None:
        if not endpoint_id:
            return
        permissions = self.call(f"reading permissions of serving endpoint {name}",
                                self.client.serving_endpoints.get_permissions, endpoint_id)
        access_control = []
        for entry in (permissions.access_control_list or []) if permissions is not None else []:
            who = {k: v for k, v in (("group_name", entry.group_name), ("user_name", entry.user_name),
                                      ("service_principal_name", entry.service_principal_name)) if v}
            for permission in entry.all_permissions or []:
                if not permission.inherited and permission.permission_level is not None:
                    access_control.append({**who, "permission_level": permission.permission_level.value})
        self.add("databricks_permissions", f"serving_{name}",
                 {"serving_endpoint_id": endpoint_id, "access_control": access_control,
                  SERVING_ENDPOINT_NAME: name})

    def _alerts(self) -> None:
        for alert in self.listing("listing alerts", self.client.alerts_v2.list_alerts):
            self.add("databricks_alert_v2", alert.display_name or str(alert.id),
                     {"id": alert.id, "display_name": alert.display_name, "query_text": alert.query_text})

    def _jobs(self) -> None:
        for job in self.listing("listing jobs", self.client.jobs.list):
            settings = job.settings
            run_as = settings.run_as.as_dict() if settings is not None and settings.run_as else None
            if not run_as:
                run_as = run_as_block(self._effective_run_as(job.job_id) or job.creator_user_name)
            name = (settings.name if settings is not None else None) or str(job.job_id)
            self.add("databricks_job", f"{name}_{job.job_id}", {"name": name, "job_id": job.job_id, "run_as": run_as})

    def _effective_run_as(self, job_id: int | None) -> str | None:
        if job_id is None:
            return None
        job = self.call(f"reading job {job_id}", self.client.jobs.get, job_id)
        return job.run_as_user_name if job is not None else None

    def _service_principals(self) -> None:
        for sp in self.listing("listing service principals", self.client.service_principals.list):
            self.add("databricks_service_principal", sp.display_name or str(sp.application_id),
                     {"display_name": sp.display_name, "application_id": sp.application_id})

    def _tokens(self) -> None:
        """Personal access tokens in the workspace (their metadata; the API never returns a token's value).

        Listing them needs workspace admin; a narrower reading identity gets a note, not a failed audit.
        """
        def listing() -> list[Any] | None:
            try:
                return list(self.client.token_management.list())
            except (PermissionDenied, Unauthenticated):
                return None

        tokens = self.call("listing tokens", listing)
        if tokens is None:
            self.inventory.notes.append(f"personal access tokens in {self.env.name} not checked: listing them "
                                        "needs workspace admin")
            return
        for token in tokens:
            self.add("databricks_token", token.token_id or "token", {
                "comment": token.comment, "owner": token.created_by_username or token.owner_id,
                "expiry_time": token.expiry_time,
            })

    def _ip_access_lists(self) -> None:
        for access_list in self.listing("listing IP access lists", self.client.ip_access_lists.list):
            info = access_list.as_dict()
            self.add("databricks_ip_access_list", access_list.label or str(access_list.list_id),
                     {key: info.get(key) for key in ("label", "list_type", "ip_addresses", "enabled")})


# What makes a live object the same as a declared one, per resource type. Declared endpoint permissions
# carry a reference to their endpoint; the live ones carry the endpoint's name under this key.
SERVING_ENDPOINT_NAME = "serving_endpoint_name"
IDENTITY: dict[str, tuple[str, ...]] = {
    "databricks_catalog": ("name",),
    "databricks_schema": ("catalog_name", "name"),
    "databricks_registered_model": ("catalog_name", "schema_name", "name"),
    "databricks_workspace_binding": ("securable_name", "workspace_id"),
    "databricks_model_serving": ("name",),
    "databricks_quality_monitor": ("table_name",),
    "databricks_alert_v2": ("display_name",),
    "databricks_service_principal": ("display_name",),
    "databricks_permissions": (SERVING_ENDPOINT_NAME,),
}
GRANT_SECURABLES = ("catalog", "schema", "model")


def identity(rtype: str, attributes: dict[str, Any]) -> tuple[Any, ...] | None:
    """The attribute values that identify a resource of `rtype`, or None when they are not all literal."""
    if rtype == "databricks_grants":
        keys: tuple[str, ...] = tuple(k for k in GRANT_SECURABLES if k in attributes)
    else:
        keys = IDENTITY.get(rtype, ())
    values = tuple(str(attributes[k]) if k in attributes else None for k in keys)
    if not keys or any(v is None or v.startswith("${") for v in values):
        return None
    return (*keys, *values)


def run_as_block(identity: str | None) -> dict[str, str] | None:
    """A job's effective identity as Terraform's run_as: application ids are service principals."""
    if not identity:
        return None
    key = "service_principal_name" if APPLICATION_ID.match(identity) else "user_name"
    return {key: identity}


def safe_name(name: str) -> str:
    """A Terraform-like resource name for a live object (`retail_prod.ml` -> `retail_prod_ml`)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)
