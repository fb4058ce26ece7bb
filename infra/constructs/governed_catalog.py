"""An environment's Unity Catalog catalog: schemas, workspace bindings and role-based grants.

Staging and prod catalogs are ISOLATED: bound read-write to their own workspace and read-only
to each workspace in `read_only_from`, which is how data scientists in dev read prod data and
never write it. A catalog that is the source of a deploy-model step is also bound read-only to the
receiving environment's workspace, whose deployer gets USE_CATALOG here and USE_SCHEMA on `ml`.
Grants are `databricks_grants` (authoritative per securable), so an out-of-band
grant is removed at the next apply instead of surviving silently.

Everything inside the catalog reaches it through references (`catalog.name`, `schema.name`), so
Terraform creates it first and destroys it last. The owning workspace's READ_WRITE binding comes
before the schemas and grants: on destroy they go first, while the workspace can still reach the
catalog. In prod the bindings cannot be destroyed by Terraform at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from infra.cdk import Catalog, Construct, Grants, GrantsGrant, ITerraformDependable, Schema, WorkspaceBinding
from infra.config.model import INFERENCE_SCHEMA, MODEL_SCHEMA, MONITORING_SCHEMA, Environment
from infra.config.roles import PROMOTION_READER, privileges
from infra.constructs.naming import terraform_name
from infra.constructs.protection import lifecycle
from infra.constructs.references import SchemaName, schema_full_name

SCHEMA_COMMENTS = {
    MODEL_SCHEMA: "Registered models and feature tables",
    INFERENCE_SCHEMA: "Serving endpoint inference tables (raw payloads and processed predictions)",
    MONITORING_SCHEMA: "Lakehouse monitoring outputs: profile and drift metrics",
}


def role_grants(env: Environment, securable: str, promotion_readers: Sequence[str] = ()) -> list[GrantsGrant]:
    """One grant per group with access in this environment, privileges from its role; then one per receiving
    deployer (`promotion_readers`: application ids) with what a deploy-model copy needs on this securable."""
    return [
        GrantsGrant(principal=env.group(group_role), privileges=list(privileges(access_role, securable)))
        for group_role, access_role in sorted(env.config.access.items())
    ] + [GrantsGrant(principal=reader, privileges=list(PROMOTION_READER[securable])) for reader in promotion_readers]


class GovernedCatalog:
    def __init__(self, stack: Construct, *, env: Environment, owner: str,
                 deployer_ids: Mapping[str, str],
                 workspace_ids: Mapping[str, int | float]) -> None:
        """`workspace_ids` maps environment names to workspace ids (numbers or references); `deployer_ids` to
        deployer application ids (cross-stack references): receiving deployers may use the catalog and `ml`."""
        self._stack = stack
        protect = lifecycle(env.protected)
        self.catalog = Catalog(
            stack, "catalog",
            name=env.catalog,
            comment=f"{env.platform.project} {env.name} catalog, managed by lakestack",
            isolation_mode=env.isolation_mode,
            owner=owner,
            force_destroy=False,
            storage_root=env.config.storage_root,
            properties={"managed-by": "lakestack", "environment": env.name},
            lifecycle=protect,
        )
        own_binding = self._bind(env, workspace_ids) if env.governed else []
        self.schemas = {
            name: Schema(
                stack, terraform_name(f"schema_{name}"),
                catalog_name=self.catalog.name,
                name=name,
                comment=comment,
                owner=owner,
                force_destroy=False,
                depends_on=own_binding or None,
                lifecycle=protect,
            )
            for name, comment in SCHEMA_COMMENTS.items()
        }
        self.schema_names = {name: SchemaName.of(schema) for name, schema in self.schemas.items()}
        readers = [deployer_ids[target] for target in env.promotion_targets]
        Grants(stack, "grants_catalog", catalog=self.catalog.name, grant=role_grants(env, "catalog", readers),
               depends_on=own_binding or None)
        for name, schema_name in self.schema_names.items():
            grants = role_grants(env, "schema", readers if name == MODEL_SCHEMA else ())
            Grants(stack, terraform_name(f"grants_schema_{name}"), schema=schema_full_name(schema_name), grant=grants)

    def _bind(self, env: Environment, workspace_ids: Mapping[str, int | float]) -> list[ITerraformDependable]:
        """Declare the bindings; return the owning workspace's READ_WRITE one (what the catalog's users need)."""
        declared: list[ITerraformDependable] = [self._binding(env, other, binding_type, workspace_ids[other])
                    for other, binding_type in env.workspace_bindings]
        return declared[:1]

    def _binding(self, env: Environment, other: str, binding_type: str, workspace_id: int | float) -> WorkspaceBinding:
        label = binding_type.removeprefix("BINDING_TYPE_").lower()
        return WorkspaceBinding(
            self._stack, terraform_name(f"binding_{label}_{other}"),
            securable_name=self.catalog.name,
            securable_type="catalog",
            workspace_id=workspace_id,
            binding_type=binding_type,
            lifecycle=lifecycle(env.protected),
        )

