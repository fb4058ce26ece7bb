"""The environment's CI/CD identity: a service principal that GitHub Actions becomes through OIDC.

No PATs, OBO tokens or client secrets: GitHub's short-lived OIDC token is exchanged for a
Databricks token through a federation policy bound to `repo:<owner>/<repo>:environment:<env>`,
so only workflow runs in that GitHub environment (with its required reviewers) can deploy.
"""

from __future__ import annotations

from infra.cdk import (
    Construct,
    GroupMember,
    ITerraformDependable,
    MwsPermissionAssignment,
    ServicePrincipal,
    ServicePrincipalFederationPolicy,
    ServicePrincipalFederationPolicyOidcPolicy,
    TerraformProvider,
    Token,
)
from infra.config.model import GITHUB_OIDC_ISSUER, Environment
from infra.constructs.naming import terraform_name
from infra.constructs.workspace_access import AccountGroups


class DeployerIdentity:
    """Service principal + GitHub OIDC federation + USER on the workspace + group membership (account level)."""

    def __init__(self, stack: Construct, *, env: Environment, account: TerraformProvider,
                 groups: AccountGroups, workspace_id: int | float, workspace_url: str,
                 after: list[ITerraformDependable] | None = None) -> None:
        """`workspace_url`: the workspace's real URL (the created workspace's `workspace_url`), for the token
        audience. `after`: what must exist before the workspace assignment (a new workspace's metastore
        assignment: identity federation needs Unity Catalog)."""
        self.service_principal = ServicePrincipal(
            stack, "deployer", display_name=env.deployer_name, provider=account,
        )
        ServicePrincipalFederationPolicy(
            stack, "deployer_federation",
            service_principal_id=Token.as_number(self.service_principal.id),
            description=f"GitHub Actions environment '{env.github_environment}' deploys {env.name}",
            oidc_policy=ServicePrincipalFederationPolicyOidcPolicy(
                issuer=GITHUB_OIDC_ISSUER,
                subject=env.oidc_subject,
                audiences=env.oidc_audiences(workspace_url),
            ),
            provider=account,
        )
        MwsPermissionAssignment(
            stack, "deployer_workspace_assignment",
            workspace_id=Token.as_number(workspace_id),
            principal_id=Token.as_number(self.service_principal.id),
            permissions=["USER"],
            provider=account,
            depends_on=after,
        )
        for role in env.config.deployer.member_of:
            GroupMember(
                stack, terraform_name(f"deployer_member_{role}"),
                group_id=groups.get(role).id, member_id=self.service_principal.id,
                provider=account,
            )

    @property
    def application_id(self) -> str:
        return self.service_principal.application_id
