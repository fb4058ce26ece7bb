"""An environment's Unity Catalog catalog: schemas, workspace bindings and role-based grants.

Staging and prod catalogs are ISOLATED: bound read-write to their own workspace and read-only
to each workspace in `read_only_from`, which is how data scientists in dev read prod data and
never write it. Grants are `databricks_grants` (authoritative per securable), so an out-of-band
grant is removed at the next apply instead of surviving silently.
"""

from __future__ import annotations

from collections.abc import Mapping

from infra.cdk import Catalog, Construct, Grants, GrantsGrant, Schema, WorkspaceBinding
from infra.config.model import INFERENCE_SCHEMA, MODEL_SCHEMA, MONITORING_SCHEMA, Environment
from infra.config.roles import privileges
from infra.constructs.naming import named
from infra.constructs.protection import lifecycle

SCHEMA_COMMENTS = {
    MODEL_SCHEMA: "Registered models and feature tables",
    INFERENCE_SCHEMA: "Serving endpoint inference tables (raw payloads and processed predictions)",
    MONITORING_SCHEMA: "Lakehouse monitoring outputs: profile and drift metrics",
}


def role_grants(env: Environment, securable: str) -> list[GrantsGrant]:
    """One grant per group with access in this environment, privileges from its role."""
    return [
        GrantsGrant(principal=env.group(group_role), privileges=list(privileges(access_role, securable)))
        for group_role, access_role in sorted(env.config.access.items())
    ]


class GovernedCatalog(Construct):
    def __init__(self, scope: Construct, id_: str, *, env: Environment, owner: str,
                 workspace_ids: Mapping[str, str | int]) -> None:
        """`workspace_ids` maps environment names to workspace ids (numbers or references)."""
        super().__init__(scope, id_)
        protect = lifecycle(env.protected)
        self.catalog = named(Catalog(
            self, "catalog",
            name=env.catalog,
            comment=f"{env.platform.project} {env.name} catalog, managed by lakestack",
            isolation_mode="ISOLATED" if env.governed else "OPEN",
            owner=owner,
            force_destroy=False,
            storage_root=env.config.storage_root,
            properties={"managed-by": "lakestack", "environment": env.name},
            lifecycle=protect,
        ), "catalog")
        self.schemas = {
            name: named(Schema(
                self, f"schema-{name}",
                catalog_name=self.catalog.name,
                name=name,
                comment=comment,
                owner=owner,
                force_destroy=False,
                lifecycle=protect,
            ), f"schema_{name}")
            for name, comment in SCHEMA_COMMENTS.items()
        }
        named(Grants(self, "grants", catalog=self.catalog.name, grant=role_grants(env, "catalog")), "grants_catalog")
        for name, schema in self.schemas.items():
            named(Grants(self, f"grants-{name}", schema=f"{env.catalog}.{name}", grant=role_grants(env, "schema"),
                         depends_on=[schema]), f"grants_schema_{name}")
        if env.governed:
            self._bind(env, workspace_ids)

    def _bind(self, env: Environment, workspace_ids: Mapping[str, str | int]) -> None:
        bindings = [(env.name, "BINDING_TYPE_READ_WRITE", "read_write")] + [
            (other, "BINDING_TYPE_READ_ONLY", "read_only") for other in env.config.read_only_from
        ]
        for other, binding_type, label in bindings:
            named(WorkspaceBinding(
                self, f"binding-{label}-{other}",
                securable_name=self.catalog.name,
                securable_type="catalog",
                workspace_id=workspace_ids[other],
                binding_type=binding_type,
            ), f"binding_{label}_{other}")

    def schema_name(self, name: str) -> str:
        return self.schemas[name].name
