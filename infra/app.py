"""Build the CDKTF app for a platform: every environment's stacks, wired together."""

from __future__ import annotations

from cdktf import App, Token

from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack
from lakestack.progress import Progress, no_progress


def build_app(config: PlatformConfig, outdir: str | None = None, progress: Progress = no_progress) -> App:
    """`progress` hears of each stack as it is built (`[2/4] built stack staging`)."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    total = len(config.environments) + sum(1 for env in config.envs() if env.creates_workspace)
    built = iter(range(1, total + 1))

    def done(name: str) -> None:
        progress(f"[{next(built)}/{total}] built stack {name}")

    account_stacks = {}
    for env in config.envs():
        if env.creates_workspace:
            account_stacks[env.name] = AccountStack(app, env)
            done(f"{env.name}-account")
    workspace_ids: dict[str, str | int] = {}
    for env in config.envs():
        if env.name in account_stacks:
            workspace_ids[env.name] = Token.as_number(account_stacks[env.name].workspace.workspace_id)
        else:
            assert env.config.workspace.workspace_id is not None
            workspace_ids[env.name] = env.config.workspace.workspace_id
    for env in config.envs():
        account = account_stacks.get(env.name)
        refs = AccountRefs(
            workspace_ids=workspace_ids,
            deployer_application_id=account.deployer.application_id if account else None,
        )
        stack = EnvironmentStack(app, env, refs)
        if account is not None:
            stack.add_dependency(account)
        done(env.name)
    return app
