"""Build the CDKTF app for a platform: every environment's `<env>-account` and `<env>` stacks, wired together."""

from __future__ import annotations

from collections.abc import Collection

from infra.cdk import App, Token
from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack
from lakestack.progress import Progress, no_progress


def build_app(config: PlatformConfig, outdir: str | None = None, progress: Progress = no_progress,
              environments: Collection[str] | None = None) -> App:
    """`progress` hears of each stack as it is built (`[2/6] built stack staging-account`); `environments`:
    build only these (a group that shares no stack with the others, see `infra.synth`)."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    envs = [env for env in config.envs() if environments is None or env.name in environments]
    total = 2 * len(envs)
    built = iter(range(1, total + 1))

    def done(name: str) -> None:
        progress(f"[{next(built)}/{total}] built stack {name}")

    account_stacks = {}
    for env in envs:
        account_stacks[env.name] = AccountStack(app, env)
        done(f"{env.name}-account")
    workspace_ids: dict[str, int | float] = {}
    for env in config.envs():
        account = account_stacks.get(env.name)
        if account is not None:
            workspace_ids[env.name] = (Token.as_number(account.workspace_id) if account.workspace is not None
                                       else account.workspace_id)
        elif env.config.workspace.workspace_id is not None:  # another group's existing workspace: a literal id
            workspace_ids[env.name] = env.config.workspace.workspace_id
    for env in envs:
        account = account_stacks[env.name]
        refs = AccountRefs(
            workspace_ids=workspace_ids,
            workspace_url=account.workspace_url,
            deployer_application_id=account.deployer.application_id,
            deployer_application_ids={name: other.deployer.application_id for name, other in account_stacks.items()},
        )
        stack = EnvironmentStack(app, env, refs)
        stack.add_dependency(account)
        done(env.name)
    return app
