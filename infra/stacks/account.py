"""`<env>-account`: what only an account admin may change, applied before the environment's own stack.

Every environment gets one. It holds the account-level objects: the created workspace and its
metastore assignment (a provider cannot be configured from a resource created in the same apply),
the deployer service principal with its GitHub OIDC federation policy and group membership, and
the workspace assignments that make the deployer and the environment's groups exist in the
workspace. The environment stack, applied by the deployer itself, then needs no account
privileges, and a change to the deployer's own federation policy can never lock out the apply
that makes it. The environment stack reads the ids it needs through CDKTF cross-stack references;
another environment's stack reads them from this stack's outputs (`DEPLOYER_OUTPUT`, `WORKSPACE_ID_OUTPUT`).
"""

from __future__ import annotations

from infra.cdk import Construct, DatabricksProvider, ITerraformDependable, TerraformOutput, TerraformStack
from infra.config.model import Environment
from infra.constructs.deployer_identity import DeployerIdentity
from infra.constructs.workspace import CreatedWorkspace
from infra.constructs.workspace_access import AccountGroups, WorkspaceAccess
from infra.stacks.backend import configure_backend
from infra.stacks.names import ACCOUNT_SUFFIX, account_stack_name

DEPLOYER_OUTPUT = "deployer_application_id"
WORKSPACE_ID_OUTPUT = "workspace_id"  # declared where this stack creates the workspace


class AccountStack(TerraformStack):
    def __init__(self, scope: Construct, env: Environment) -> None:
        name = account_stack_name(env)
        super().__init__(scope, name)
        configure_backend(self, env.config.backend, name, suffix=ACCOUNT_SUFFIX)
        provider = DatabricksProvider(
            self, "account", alias="account",
            host=env.platform.account.host,
            account_id=env.platform.account.account_id,
        )  # credentials from the environment: an account admin
        created = env.creates_workspace
        self.workspace = CreatedWorkspace(self, env=env, account=provider) if created else None
        if self.workspace is not None:
            self.workspace_id: int | float = self.workspace.workspace_id
            self.workspace_url = self.workspace.workspace_url
            after: list[ITerraformDependable] | None = [self.workspace.metastore_assignment]
            TerraformOutput(self, "workspace_url", value=self.workspace_url)
            TerraformOutput(self, WORKSPACE_ID_OUTPUT, value=self.workspace_id)
        else:
            assert env.config.workspace.workspace_id is not None
            self.workspace_id, self.workspace_url, after = env.config.workspace.workspace_id, env.host, None
        groups = AccountGroups(self, env=env, account=provider)
        WorkspaceAccess(self, env=env, groups=groups, account=provider,
                        workspace_id=self.workspace_id, after=after)
        self.deployer = DeployerIdentity(self, env=env, account=provider, groups=groups,
                                         workspace_id=self.workspace_id, workspace_url=self.workspace_url,
                                         after=after)
        TerraformOutput(self, DEPLOYER_OUTPUT, value=self.deployer.application_id)
