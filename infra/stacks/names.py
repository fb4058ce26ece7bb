"""Stack names, without the CDK: `infra.synth` merges and orders stacks before (or without) starting jsii."""

from __future__ import annotations

from infra.config.model import Environment, PlatformConfig

ACCOUNT_SUFFIX = "account"


def account_stack_name(env: Environment) -> str:
    return f"{env.name}-{ACCOUNT_SUFFIX}"


def stack_names(config: PlatformConfig) -> list[str]:
    """Every stack, in the order `infra.app.build_app` creates them (the manifest's order): account stacks first."""
    return [account_stack_name(env) for env in config.envs()] + [env.name for env in config.envs()]
