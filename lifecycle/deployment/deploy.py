"""Deploy task: promote `Challenger` to `Champion` and point the serving endpoint at it.

The endpoint is updated first, and the aliases move only once it serves the version, so the
registry's `Champion` never names a version the endpoint failed to load. When the update fails or
times out nothing in the registry moves (the candidate keeps `Challenger` for a retry) and the
task exits 1. The outgoing champion is recorded (see `registry.make_champion`) for
`lakestack rollback`.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from lakestack.errors import EXIT_FINDINGS, EXIT_OK
from lakestack.workspace import registry_errors
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.deployment.serving import Connect, ServingUpdate, add_serving_timeout_option, publish, workspace_client
from lifecycle.entry import run_task, task_parser


@dataclass(frozen=True)
class Deployment:
    model_name: str
    champion_before: str | None
    champion_after: str | None
    serving: ServingUpdate | None
    detail: str

    @property
    def changed(self) -> bool:
        return self.champion_before != self.champion_after

    @property
    def failed(self) -> bool:
        """The endpoint did not take the version, so the registry was left as it was."""
        return self.serving is not None and self.serving.failed

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.failed else EXIT_OK

    def describe(self) -> str:
        lines = [f"{self.model_name}: {self.detail}"]
        if self.serving is not None:
            lines.append(self.serving.describe())
        return "\n".join(lines)


def registry_needs(ctx: TaskContext) -> str:
    return (f"EXECUTE and MANAGE (or ownership) on the registered model {ctx.model_name}, to read it and "
            "move its aliases and tags")


def deploy(ctx: TaskContext, connect: Connect = workspace_client, timeout: timedelta | None = None) -> Deployment:
    """Promote the current `Challenger`, if there is one that is not already the champion."""
    with registry_errors(ctx.env.host, f"promoting {ctx.model_name}", registry_needs(ctx)):
        return _deploy(ctx, connect, timeout)


def _deploy(ctx: TaskContext, connect: Connect, timeout: timedelta | None) -> Deployment:
    client, name = ctx.client, ctx.model_name
    registry.require_model(client, name)
    champion = registry.alias_version(client, name, registry.CHAMPION)
    challenger = registry.alias_version(client, name, registry.CHALLENGER)
    if challenger is None:
        return Deployment(name, champion, champion, None, "no Challenger to promote; nothing changed")
    serving = publish(ctx.env, ctx.model, challenger, connect, timeout)
    was = version_label(champion)
    if serving.failed:
        return Deployment(name, champion, champion, serving,
                          f"not promoted: Champion stays {was}, v{challenger} keeps Challenger for the next deploy")
    registry.make_champion(client, name, challenger)
    return Deployment(name, champion, challenger, serving, f"Champion {was} -> v{challenger}")


def rollback(ctx: TaskContext, connect: Connect = workspace_client, timeout: timedelta | None = None) -> Deployment:
    """Restore the previous champion (registry and endpoint), dropping it from the history."""
    with registry_errors(ctx.env.host, f"rolling back {ctx.model_name}", registry_needs(ctx)):
        return _rollback(ctx, connect, timeout)


def _rollback(ctx: TaskContext, connect: Connect, timeout: timedelta | None) -> Deployment:
    client, name = ctx.client, ctx.model_name
    target = registry.previous_champion(client, name)
    serving = publish(ctx.env, ctx.model, target, connect, timeout)
    if serving.failed:
        current = registry.alias_version(client, name, registry.CHAMPION)
        return Deployment(name, current, current, serving, f"not rolled back: Champion stays "
                                                           f"{version_label(current)}, v{target} stays in the history")
    before, after = registry.restore_previous(client, name)
    return Deployment(name, before, after, serving, f"rolled back: Champion {version_label(before)} -> v{after}")


def version_label(version: str | None) -> str:
    """`v2`, or `none` before the first champion."""
    return f"v{version}" if version else "none"


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Promote the Challenger to Champion and update the serving endpoint.")
    add_serving_timeout_option(parser)
    return parser


def _handle(args: argparse.Namespace) -> int:
    deployment = deploy(TaskContext.from_args(args), timeout=args.serving_timeout)
    print(deployment.describe())
    return deployment.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

