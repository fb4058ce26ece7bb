"""Build the CDKTF app for a platform: every environment's `<env>-account` and `<env>` stacks, wired together."""

from __future__ import annotations

from cdktf import App, Token

from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack


def build_app(config: PlatformConfig, outdir: str | None = None) -> App:
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    account_stacks = {env.name: AccountStack(app, env) for env in config.envs()}
    workspace_ids: dict[str, str | int] = {
        name: Token.as_number(account.workspace_id) if account.workspace is not None else account.workspace_id
        for name, account in account_stacks.items()
    }
    for env in config.envs():
        account = account_stacks[env.name]
        refs = AccountRefs(
            workspace_ids=workspace_ids,
            workspace_url=account.workspace_url,
            deployer_application_id=account.deployer.application_id,
        )
        stack = EnvironmentStack(app, env, refs)
        stack.add_dependency(account)
    return app
