"""Build the CDKTF app for a platform: every environment's stacks, wired together."""

from __future__ import annotations

from collections.abc import Collection

from infra.cdk import App, Token
from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack


def build_app(config: PlatformConfig, outdir: str | None = None,
              environments: Collection[str] | None = None) -> App:
    """`environments`: build only these (a group that shares no stack with the others, see `infra.synth`)."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    envs = [env for env in config.envs() if environments is None or env.name in environments]
    account_stacks = {env.name: AccountStack(app, env) for env in envs if env.creates_workspace}
    workspace_ids: dict[str, str | int] = {}
    for env in config.envs():
        if env.creates_workspace and env.name not in account_stacks:
            continue  # in another group: no stack built here refers to it
        if env.name in account_stacks:
            workspace_ids[env.name] = Token.as_number(account_stacks[env.name].workspace.workspace_id)
        else:
            assert env.config.workspace.workspace_id is not None
            workspace_ids[env.name] = env.config.workspace.workspace_id
    for env in envs:
        account = account_stacks.get(env.name)
        refs = AccountRefs(
            workspace_ids=workspace_ids,
            deployer_application_id=account.deployer.application_id if account else None,
        )
        stack = EnvironmentStack(app, env, refs)
        if account is not None:
            stack.add_dependency(account)
    return app
