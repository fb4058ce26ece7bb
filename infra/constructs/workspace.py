"""A workspace created through the account API, with the metastore assigned to it."""

from __future__ import annotations

from infra.cdk import Construct, MetastoreAssignment, MwsWorkspaces, TerraformProvider
from infra.config.model import Environment
from infra.constructs.protection import lifecycle


class CreatedWorkspace:
    def __init__(self, stack: Construct, *, env: Environment, account: TerraformProvider) -> None:
        spec = env.config.workspace.create
        assert spec is not None
        platform = env.platform
        self.workspace = MwsWorkspaces(
            stack, "workspace",
            account_id=platform.account.account_id,
            workspace_name=f"{platform.project}-{env.name}",
            deployment_name=spec.deployment_name,
            aws_region=spec.aws_region,
            credentials_id=spec.credentials_id,
            storage_configuration_id=spec.storage_configuration_id,
            network_id=spec.network_id,
            pricing_tier=spec.pricing_tier,
            custom_tags={"managed-by": "lakestack", "environment": env.name},
            provider=account,
            lifecycle=lifecycle(env.protected),
        )
        self.metastore_assignment = MetastoreAssignment(
            stack, "metastore_assignment",
            metastore_id=platform.account.metastore_id,
            workspace_id=self.workspace.workspace_id,
            provider=account,
        )

    @property
    def workspace_id(self) -> int | float:
        return self.workspace.workspace_id

    @property
    def workspace_url(self) -> str:
        """The URL Databricks gives the workspace (it may carry an account prefix): never built by hand."""
        return self.workspace.workspace_url
