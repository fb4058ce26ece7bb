"""Build the CDKTF app for a platform: every environment's `<env>-account` and `<env>` stacks, wired together."""

from __future__ import annotations

from collections.abc import Collection

from infra.cdk import App, Token
from infra.config.model import PlatformConfig
from infra.stacks.account import AccountStack
from infra.stacks.environment import AccountRefs, EnvironmentStack
from infra.stacks.names import account_stack_name
from lakestack.progress import Progress, no_progress


def build_app(config: PlatformConfig, outdir: str | None = None, progress: Progress = no_progress,
              environments: Collection[str] | None = None) -> App:
    """`progress` hears of each stack as it is built (`[2/6] built stack staging-account`); `environments`:
    build only these. An environment's stack reads other environments from their account stacks' outputs
    (`PeerAccounts`), never their stack objects, so any subset synthesizes the same JSON for its stacks
    (`infra.synth` builds one environment per process). Its manifest entry also depends on those account
    stacks, so `cdktf deploy` applies them first; a subset builds them for that alone (not to be written)."""
    app = App(outdir=outdir, stack_traces=False) if outdir else App(stack_traces=False)
    envs = [env for env in config.envs() if environments is None or env.name in environments]
    total = 2 * len(envs)
    built = iter(range(1, total + 1))

    def done(name: str) -> None:
        progress(f"[{next(built)}/{total}] built stack {name}")

    accounts: dict[str, AccountStack] = {}
    for env in envs:
        accounts[env.name] = AccountStack(app, env)
        done(account_stack_name(env))
    for env in envs:
        account = accounts[env.name]
        created = account.workspace is not None
        refs = AccountRefs(
            workspace_id=Token.as_number(account.workspace_id) if created else account.workspace_id,
            workspace_url=account.workspace_url,
            deployer_application_id=account.deployer.application_id,
        )
        stack = EnvironmentStack(app, env, refs)
        stack.add_dependency(account)
        for peer in stack.peers.read:
            if peer not in accounts:
                accounts[peer] = AccountStack(app, config.env(peer))
            stack.add_dependency(accounts[peer])
        done(env.name)
    return app
