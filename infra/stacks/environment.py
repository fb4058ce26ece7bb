"""One environment's stack: its catalog, grants, bindings, models, endpoints and monitors.

Built from the typed config only, and applied by the environment's deployer: it holds workspace
and metastore objects only, through one workspace provider. Everything account-level (the
deployer identity, workspace assignments, a created workspace) lives in the `<env>-account` stack,
applied first by an account admin; this stack reads its ids (deployer application id, workspace
id and URL of a created workspace) through CDKTF cross-stack references. What it needs of another
environment (the workspace a binding names, the deployer a deploy-model source grants) it reads
from that environment's account stack outputs (`PeerAccounts`), never from its stack objects, so
each environment synthesizes on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.cdk import (
    Construct,
    DatabricksProvider,
    SqlEndpoint,
    SqlEndpointTags,
    SqlEndpointTagsCustomTags,
    TerraformOutput,
    TerraformRemoteState,
    TerraformStack,
)
from infra.config.model import INFERENCE_SCHEMA, MODEL_SCHEMA, MONITORING_SCHEMA, Environment, ModelConfig
from infra.constructs.feature_monitor import FeatureMonitor
from infra.constructs.governed_catalog import GovernedCatalog
from infra.constructs.inference_monitor import InferenceMonitor
from infra.constructs.registered_models import GovernedModel
from infra.constructs.serving_endpoint import ServingEndpoint
from infra.stacks.account import DEPLOYER_OUTPUT, WORKSPACE_ID_OUTPUT
from infra.stacks.backend import configure_backend, remote_state
from infra.stacks.names import ACCOUNT_SUFFIX, account_stack_name


@dataclass(frozen=True)
class AccountRefs:
    """What an environment stack reads from its own account stack: values that may be cross-stack references."""

    workspace_id: int | float
    workspace_url: str  # this environment's workspace, as Databricks reports it for a created one
    deployer_application_id: str


class PeerAccounts:
    """Other environments' account-level ids: a literal where the config has one, else that environment's
    `<env>-account` outputs through one remote state each (what a CDKTF cross-stack reference would declare)."""

    def __init__(self, stack: TerraformStack, env: Environment) -> None:
        self._stack = stack
        self._env = env
        self._states: dict[str, TerraformRemoteState] = {}

    @property
    def read(self) -> list[str]:
        """The environments whose account stack this stack reads, in the order first read (its dependencies)."""
        return list(self._states)

    def workspace_id(self, name: str) -> int | float:
        existing = self._env.platform.env(name).config.workspace.workspace_id
        return existing if existing is not None else self._state(name).get_number(WORKSPACE_ID_OUTPUT)

    def deployer_application_id(self, name: str) -> str:
        return self._state(name).get_string(DEPLOYER_OUTPUT)

    def _state(self, name: str) -> TerraformRemoteState:
        if name not in self._states:
            other = self._env.platform.env(name)
            self._states[name] = remote_state(self._stack, other.config.backend, account_stack_name(other),
                                              suffix=ACCOUNT_SUFFIX)
        return self._states[name]


class EnvironmentStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment, refs: AccountRefs) -> None:
        super().__init__(scope, env.name)
        self._declared_warehouse: SqlEndpoint | None = None
        configure_backend(self, env.config.backend, env.name)
        DatabricksProvider(self, "databricks", host=refs.workspace_url)
        deployer_id = refs.deployer_application_id
        self.peers = peers = PeerAccounts(self, env)
        workspace_ids = {other: refs.workspace_id if other == env.name else peers.workspace_id(other)
                         for other, _ in env.workspace_bindings}
        receivers = {target: peers.deployer_application_id(target) for target in env.promotion_targets}
        self.catalog = GovernedCatalog(self, env=env, owner=deployer_id, workspace_ids=workspace_ids,
                                       deployer_ids=receivers)
        schemas = self.catalog.schema_names
        models = {
            model.name: GovernedModel(self, env=env, model=model, owner=deployer_id,
                                      schema=schemas[MODEL_SCHEMA], warehouse_id=self._warehouse_id(env),
                                      reader=self._reader(env, model, receivers)).model_name
            for model in env.platform.models
        }
        for model in env.served_models:
            ServingEndpoint(self, env=env, model=model,
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
    def _reader(env: Environment, model: ModelConfig, receivers: dict[str, str]) -> str | None:
        """The deployer that copies `model`'s versions out of this environment (deploy-model), if any."""
        target = env.promotion_target(model)
        return receivers[target] if target is not None else None

    def _monitoring(self, env: Environment, deployer_id: str) -> None:
        warehouse_id = self._warehouse_id(env)
        schemas = self.catalog.schema_names
        for model in env.monitored_models:
            InferenceMonitor(self, env=env, model=model, owner=deployer_id,
                             warehouse_id=warehouse_id, deployer_application_id=deployer_id,
                             schema=schemas[INFERENCE_SCHEMA], output_schema=schemas[MONITORING_SCHEMA])
        for table in env.platform.feature_tables:
            FeatureMonitor(self, env=env, table=table, owner=deployer_id,
                           warehouse_id=warehouse_id, schedule=env.config.jobs.monitoring_schedule,
                           timezone=env.config.jobs.timezone,
                           schema=schemas[MODEL_SCHEMA], output_schema=schemas[MONITORING_SCHEMA])

    def _warehouse(self, env: Environment) -> SqlEndpoint:
        """A small serverless SQL warehouse for table DDL (lakestack's tables), monitor refreshes and drift alerts."""
        return SqlEndpoint(
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
        )
