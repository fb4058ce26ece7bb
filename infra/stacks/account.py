"""`<env>-account`: account-level pieces of an environment that creates its own workspace.

A provider cannot be configured from a resource created in the same apply, so the workspace (and
what only the account API can do: metastore assignment, the deployer identity) is applied first,
in its own stack and state; the environment stack reads its outputs through CDKTF cross-stack
references.
"""

from __future__ import annotations

from infra.cdk import Construct, DatabricksProvider, ITerraformDependable, TerraformOutput, TerraformStack
from infra.config.model import Environment
from infra.constructs.deployer_identity import DeployerIdentity
from infra.constructs.workspace import CreatedWorkspace
from infra.constructs.workspace_access import AccountGroups, WorkspaceAccess
from infra.stacks.backend import configure_backend


def account_provider(stack: TerraformStack, env: Environment) -> DatabricksProvider:
    """The account-API provider; credentials come from the environment (GitHub OIDC in CI)."""
    return DatabricksProvider(
        stack, "account", alias="account",
        host=env.platform.account.host,
        account_id=env.platform.account.account_id,
    )


def account_identities(stack: TerraformStack, env: Environment, provider: DatabricksProvider,
                       workspace_id: str | int, after: list[ITerraformDependable] | None = None) -> DeployerIdentity:
    """The environment's account-level identities: its deployer, and the groups assigned to its workspace."""
    groups = AccountGroups(stack, "groups", env=env, account=provider)
    WorkspaceAccess(stack, "workspace-access", env=env, groups=groups, account=provider,
                    workspace_id=workspace_id, after=after)
    return DeployerIdentity(stack, "deployer", env=env, account=provider, groups=groups,
                            workspace_id=workspace_id, after=after)


class AccountStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment) -> None:
        name = f"{env.name}-account"
        super().__init__(scope, name)
        configure_backend(self, env.config.backend, name, suffix="account")
        provider = account_provider(self, env)
        self.workspace = CreatedWorkspace(self, "workspace", env=env, account=provider)
        self.deployer = account_identities(self, env, provider, self.workspace.workspace_id,
                                           after=[self.workspace.metastore_assignment])
        TerraformOutput(self, "workspace_url", value=self.workspace.workspace.workspace_url)
