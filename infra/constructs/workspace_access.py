"""Who reaches an environment's workspace: account groups looked up once, assigned as workspace USER.

With identity federation, an account group's grants and job permissions mean nothing until the
group is assigned to the workspace; the stacks assign the groups the environment names (data
access, endpoint callers, job viewers and runners) and no others, as USER, never ADMIN.
"""

from __future__ import annotations

from infra.cdk import (
    Construct,
    DataDatabricksGroup,
    ITerraformDependable,
    MwsPermissionAssignment,
    TerraformProvider,
    Token,
)
from infra.config.model import Environment
from infra.constructs.naming import terraform_name


class AccountGroups:
    """`data.databricks_group.group_<role>` at account level, one per role however many users it has."""

    def __init__(self, stack: Construct, *, env: Environment, account: TerraformProvider) -> None:
        self._stack = stack
        self._env = env
        self._account = account
        self._groups: dict[str, DataDatabricksGroup] = {}

    def get(self, role: str) -> DataDatabricksGroup:
        if role not in self._groups:
            self._groups[role] = DataDatabricksGroup(
                self._stack, terraform_name(f"group_{role}"), display_name=self._env.group(role),
                provider=self._account,
            )
        return self._groups[role]


class WorkspaceAccess:
    def __init__(self, stack: Construct, *, env: Environment, groups: AccountGroups,
                 account: TerraformProvider, workspace_id: int | float,
                 after: list[ITerraformDependable] | None = None) -> None:
        for role in env.workspace_roles:
            MwsPermissionAssignment(
                stack, terraform_name(f"workspace_assignment_{role}"),
                workspace_id=Token.as_number(workspace_id),
                principal_id=Token.as_number(groups.get(role).id),
                permissions=["USER"],
                provider=account,
                depends_on=after,
            )
