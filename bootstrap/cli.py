"""`lakestack bootstrap`: plan the environment's MLOps jobs, and apply the plan on request.

Jobs seeded for this project and environment that the config no longer declares are shown as
orphaned and kept; `--prune` deletes them on `--apply` (in a plan, it shows them as deletes).

An apply holds the project's bootstrap lease in the workspace (bootstrap/lease.py) from its plan to
its last change; a second apply waits for it up to `--lease-wait` seconds, then refuses.

Exit codes: 0 plan shown or applied; 1 apply refused: a job with a declared name belongs to someone
else, or another apply kept the lease; 2 bad input (config, environment, host, credentials, a
missing permission or deployer service principal) or a workspace that failed a call after the
retry budget (lakestack/workspace.py).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from lakestack.errors import EXIT_FINDINGS, EXIT_OK, InputError
from lakestack.options import add_config_option, add_env_option, check_env, config_from

if TYPE_CHECKING:
    from bootstrap.seeder import Change, Plan, Seeder

# How long an apply waits for another apply's lease: long enough for a whole apply to finish.
DEFAULT_WAIT_SECONDS = 300


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bootstrap",
        help="seed the MLOps jobs (training, batch inference, monitoring) in an environment's workspace",
        description="Show what bootstrap would create, update or leave alone in the environment's workspace; "
                    "with --apply, make those changes. The host comes from the config, credentials from "
                    "the standard Databricks environment variables or profile.",
        epilog="examples:\n"
               "  lakestack bootstrap --env staging                  # plan: create / update / unchanged per job\n"
               "  lakestack bootstrap --env staging --apply          # carry it out; a second run writes nothing\n"
               "  lakestack bootstrap --env staging --apply --prune  # also delete orphaned jobs\n"
               "\nexit codes: 0 planned or applied, 1 the workspace refused a call or a job is in conflict, "
               "2 bad input",
    )
    add_config_option(parser)
    add_env_option(parser)
    parser.add_argument("--apply", action="store_true", help="make the planned changes (default: plan only)")
    parser.add_argument("--prune", action="store_true",
                        help="delete the jobs lakestack seeded for this project and environment that the config no "
                             "longer declares (orphaned jobs); takes effect with --apply, a plan shows them as deletes")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    parser.add_argument("--lease-wait", type=_seconds, default=DEFAULT_WAIT_SECONDS, metavar="SECONDS",
                        help="with --apply, how long to wait for another apply holding the workspace's bootstrap "
                             f"lease before refusing (default: {DEFAULT_WAIT_SECONDS:g}; 0 refuses at once)")
    parser.set_defaults(handler=run_bootstrap)


def _seconds(value: str) -> float:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"'{value}' is not a whole number of seconds (0 or more)")
    return float(value)


def run_bootstrap(args: argparse.Namespace) -> int:
    from bootstrap.lease import Lease
    from bootstrap.seeder import ApplyRefused, Seeder
    from lakestack.workspace import connect

    config = config_from(args)
    check_env(config, args.env)
    env = config.env(args.env)
    seeder = Seeder(connect(env), env)
    if not args.apply:
        return _show(args, seeder.plan(prune=args.prune))
    lease = Lease(seeder.workspace, config.project, wait_seconds=args.lease_wait,
                  progress=lambda line: print(f"note: {line}", file=sys.stderr, flush=True))
    try:
        with lease.held() as held:
            plan = seeder.plan(prune=args.prune)
            plan.lease = held
            return _apply(args, seeder, plan, lease.renew_if_due)
    except ApplyRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS


def _show(args: argparse.Namespace, plan: Plan) -> int:
    from bootstrap.report import render_json, render_text

    print(render_text(plan) if args.format == "text" else render_json(plan))
    return EXIT_FINDINGS if plan.conflicts else EXIT_OK


def _apply(args: argparse.Namespace, seeder: Seeder, plan: Plan, before_change: Callable[[], None]) -> int:
    from bootstrap.report import progress_line, render_json, render_text
    from bootstrap.seeder import ApplyRefused

    env = seeder.env
    text = args.format == "text"
    if plan.conflicts or not plan.pending:
        return _show(args, plan)

    if text:
        print(render_text(plan, applying=True))
    applied: list[Change] = []

    def report(change: Change) -> None:
        applied.append(change)
        if text:
            print(f"[{len(applied)}/{len(plan.pending)}] {progress_line(change)}", flush=True)

    try:
        seeder.apply(plan, progress=report, before_change=before_change)
    except (InputError, ApplyRefused) as exc:
        partial = (f"{len(applied)} of {len(plan.pending)} change(s) applied before the error; fix it and run "
                   f"`lakestack bootstrap --env {env.name} --apply{' --prune' if args.prune else ''}` again to finish")
        if not text:
            print(render_json(plan, applied=applied, error=f"{exc}; {partial}"))
        if isinstance(exc, InputError):
            raise type(exc)(exc.problems, hint=f"{exc.hint + '; ' if exc.hint else ''}{partial}") from None
        print(f"error: {exc}\nhint: {partial}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"Applied {len(applied)} change(s)." if text else render_json(plan, applied=applied))
    return EXIT_OK
