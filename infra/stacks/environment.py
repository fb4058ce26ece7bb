"""One environment's stack: its catalog, grants, bindings, models, endpoints and monitors.

Built from the typed config only. Account-level pieces (the deployer identity, and the workspace
when the environment creates one) come in either through the account provider alias in this
stack or, for a created workspace, from the `<env>-account` stack.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import TerraformOutput, TerraformStack
from cdktf_cdktf_provider_databricks.provider import DatabricksProvider
from cdktf_cdktf_provider_databricks.sql_endpoint import (
    SqlEndpoint,
    SqlEndpointTags,
    SqlEndpointTagsCustomTags,
)
from constructs import Construct

from infra.config.model import MODEL_SCHEMA, Environment
from infra.constructs.feature_monitor import FeatureMonitor
from infra.constructs.governed_catalog import GovernedCatalog
from infra.constructs.inference_monitor import InferenceMonitor
from infra.constructs.naming import named
from infra.constructs.registered_models import GovernedModel
from infra.constructs.serving_endpoint import ServingEndpoint
from infra.stacks.account import account_identities, account_provider
from infra.stacks.backend import configure_backend


@dataclass(frozen=True)
class AccountRefs:
    """What an environment stack needs from account level: ids that may be cross-stack references."""

    workspace_ids: Mapping[str, str | int]
    deployer_application_id: str | None = None  # None: the deployer is declared in this stack


class EnvironmentStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, refs: AccountRefs) -> None:
        super().__init__(scope, env.name)
        self._declared_warehouse: SqlEndpoint | None = None
        configure_backend(self, env.config.backend, env.name)
        DatabricksProvider(self, "databricks", host=env.host)
        deployer_id = refs.deployer_application_id
        if deployer_id is None:
            identity = account_identities(self, env, account_provider(self, env), refs.workspace_ids[env.name])
            deployer_id = identity.application_id
        self.catalog = GovernedCatalog(self, "catalog", env=env, owner=deployer_id, workspace_ids=refs.workspace_ids)
        for model in env.platform.models:
            GovernedModel(self, f"model-{model.name}", env=env, model=model, owner=deployer_id,
                          schema=self.catalog.schemas[MODEL_SCHEMA], warehouse_id=self._warehouse_id(env))
        for model in env.served_models:
            ServingEndpoint(self, f"serving-{model.name}", env=env, model=model,
                            deployer_application_id=deployer_id)
        if env.monitoring_enabled:
            self._monitoring(env, deployer_id)
        TerraformOutput(self, "catalog_name", value=self.catalog.catalog.name)
        TerraformOutput(self, "deployer_application_id", value=deployer_id)

    def _warehouse_id(self, env: Environment) -> str:
        """The configured warehouse, else the one this stack declares (once, on first need)."""
        if env.config.warehouse_id:
            return env.config.warehouse_id
        if self._declared_warehouse is None:
            self._declared_warehouse = self._warehouse(env)
        return self._declared_warehouse.id

    def _monitoring(self, env: Environment, deployer_id: str) -> None:
        warehouse_id = self._warehouse_id(env)
        for model in env.monitored_models:
            InferenceMonitor(self, f"monitor-{model.name}", env=env, model=model, owner=deployer_id,
                             warehouse_id=warehouse_id, deployer_application_id=deployer_id)
        for table in env.platform.feature_tables:
            FeatureMonitor(self, f"features-{table.name}", env=env, table=table, owner=deployer_id,
                           warehouse_id=warehouse_id, schedule=env.config.jobs.monitoring_schedule,
                           timezone=env.config.jobs.timezone)

    def _warehouse(self, env: Environment) -> SqlEndpoint:
        """A small serverless SQL warehouse for table DDL (lakestack's tables), monitor refreshes and drift alerts."""
        return named(SqlEndpoint(
            self, "warehouse",
            name=f"{env.platform.project}-{env.name}-monitoring",
            cluster_size="2X-Small",
            max_num_clusters=1,
            auto_stop_mins=10,
            enable_serverless_compute=True,
            warehouse_type="PRO",
            tags=SqlEndpointTags(custom_tags=[
                SqlEndpointTagsCustomTags(key="managed-by", value="lakestack"),
                SqlEndpointTagsCustomTags(key="environment", value=env.name),
            ]),
        ), "warehouse")
