"""Deploy task: promote `Challenger` to `Champion` and point the serving endpoint at it.

The endpoint is updated first and the aliases move only when that succeeded, so the registry's
`Champion` never names a version the endpoint refused. The outgoing champion is recorded (see
`registry.make_champion`) for `lakestack rollback`.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file by a job task: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

from bootstrap.tasks import registry
from bootstrap.tasks.context import TaskContext
from bootstrap.tasks.entry import run_task, task_parser
from bootstrap.tasks.serving import Connect, ServingUpdate, publish, workspace_client


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

    def describe(self) -> str:
        lines = [f"{self.model_name}: {self.detail}"]
        if self.serving is not None:
            lines.append(self.serving.describe())
        return "\n".join(lines)


def deploy(ctx: TaskContext, connect: Connect = workspace_client) -> Deployment:
    """Promote the current `Challenger`, if there is one that is not already the champion."""
    client, name = ctx.client, ctx.model_name
    registry.require_model(client, name)
    champion = registry.alias_version(client, name, registry.CHAMPION)
    challenger = registry.alias_version(client, name, registry.CHALLENGER)
    if challenger is None:
        return Deployment(name, champion, champion, None, "no Challenger to promote; nothing changed")
    serving = publish(ctx.env, ctx.model, challenger, connect)
    registry.make_champion(client, name, challenger)
    moved = f"v{champion}" if champion else "none"
    return Deployment(name, champion, challenger, serving, f"Champion {moved} -> v{challenger}")


def rollback(ctx: TaskContext, connect: Connect = workspace_client) -> Deployment:
    """Restore the previous champion (registry and endpoint), dropping it from the history."""
    client, name = ctx.client, ctx.model_name
    target = registry.previous_champion(client, name)
    serving = publish(ctx.env, ctx.model, target, connect)
    before, after = registry.restore_previous(client, name)
    return Deployment(name, before, after, serving, f"rolled back: Champion v{before} -> v{after}")


def build_parser() -> argparse.ArgumentParser:
    return task_parser("Promote the Challenger to Champion and update the serving endpoint.")


def _handle(args: argparse.Namespace) -> int:
    print(deploy(TaskContext.from_args(args)).describe())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)


if __name__ == "__main__":
    sys.exit(main())
