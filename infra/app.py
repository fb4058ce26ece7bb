"""Build the CDKTF app for a platform: every environment's `<env>-account` and `<env>` stacks, wired together."""

from __future__ import annotations

from cdktf import App, Token

from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack
from lakestack.progress import Progress, no_progress


def build_app(config: PlatformConfig, outdir: str | None = None, progress: Progress = no_progress) -> App:
    """`progress` hears of each stack as it is built (`[2/4] built stack staging`)."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    total = 2 * len(config.environments)
    built = iter(range(1, total + 1))

    def done(name: str) -> None:
        progress(f"[{next(built)}/{total}] built stack {name}")

    account_stacks = {}
    for env in config.envs():
        account_stacks[env.name] = AccountStack(app, env)
        done(f"{env.name}-account")
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
        done(env.name)
    return app
