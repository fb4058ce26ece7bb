"""One environment's stack: its catalog, grants, bindings, models, endpoints and monitors.

Built from the typed config only, and applied by the environment's deployer: it holds workspace
and metastore objects only, through one workspace provider. Everything account-level (the
deployer identity, workspace assignments, a created workspace) lives in the `<env>-account` stack,
applied first by an account admin; this stack reads its ids (deployer application id, workspace
id and URL of a created workspace) through CDKTF cross-stack references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from infra.cdk import (
    Construct,
    DatabricksProvider,
    SqlEndpoint,
    SqlEndpointTags,
    SqlEndpointTagsCustomTags,
    TerraformOutput,
    TerraformStack,
)
from infra.config.model import INFERENCE_SCHEMA, MODEL_SCHEMA, MONITORING_SCHEMA, Environment, ModelConfig
from infra.constructs.feature_monitor import FeatureMonitor
from infra.constructs.governed_catalog import GovernedCatalog
from infra.constructs.inference_monitor import InferenceMonitor
from infra.constructs.naming import named
from infra.constructs.registered_models import GovernedModel
from infra.constructs.serving_endpoint import ServingEndpoint
from infra.stacks.backend import configure_backend


@dataclass(frozen=True)
class AccountRefs:
    """What an environment stack reads from account level: values that may be cross-stack references."""

    workspace_ids: Mapping[str, int | float]  # every environment's workspace id (bindings name other workspaces)
    workspace_url: str  # this environment's workspace, as Databricks reports it for a created one
    deployer_application_id: str
    # Every environment's deployer application id: a deploy-model source grants the receiving deployer read access.
    deployer_application_ids: Mapping[str, str]


class EnvironmentStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, refs: AccountRefs) -> None:
        super().__init__(scope, env.name)
        self._declared_warehouse: SqlEndpoint | None = None
        configure_backend(self, env.config.backend, env.name)
        DatabricksProvider(self, "databricks", host=refs.workspace_url)
        deployer_id = refs.deployer_application_id
        self.catalog = GovernedCatalog(self, "catalog", env=env, owner=deployer_id, workspace_ids=refs.workspace_ids,
                                       deployer_ids=refs.deployer_application_ids)
        schemas = self.catalog.schemas
        models = {
            model.name: GovernedModel(self, f"model-{model.name}", env=env, model=model, owner=deployer_id,
                                      schema=schemas[MODEL_SCHEMA], warehouse_id=self._warehouse_id(env),
                                      reader=self._reader(env, model, refs)).model
            for model in env.platform.models
        }
        for model in env.served_models:
            ServingEndpoint(self, f"serving-{model.name}", env=env, model=model,
                            deployer_application_id=deployer_id, inference_schema=schemas[INFERENCE_SCHEMA],
                            registered_model=models[model.name])
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

    @staticmethod
    def _reader(env: Environment, model: ModelConfig, refs: AccountRefs) -> str | None:
        """The deployer that copies `model`'s versions out of this environment (deploy-model), if any."""
        target = env.promotion_target(model)
        return refs.deployer_application_ids[target] if target is not None else None

    def _monitoring(self, env: Environment, deployer_id: str) -> None:
        warehouse_id = self._warehouse_id(env)
        schemas = self.catalog.schemas
        for model in env.monitored_models:
            InferenceMonitor(self, f"monitor-{model.name}", env=env, model=model, owner=deployer_id,
                             warehouse_id=warehouse_id, deployer_application_id=deployer_id,
                             schema=schemas[INFERENCE_SCHEMA], output_schema=schemas[MONITORING_SCHEMA])
        for table in env.platform.feature_tables:
            FeatureMonitor(self, f"features-{table.name}", env=env, table=table, owner=deployer_id,
                           warehouse_id=warehouse_id, schedule=env.config.jobs.monitoring_schedule,
                           timezone=env.config.jobs.timezone,
                           schema=schemas[MODEL_SCHEMA], output_schema=schemas[MONITORING_SCHEMA])

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
