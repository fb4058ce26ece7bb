"""`lakestack bootstrap`: plan the environment's MLOps jobs, and apply the plan on request.

Jobs seeded for this project and environment that the config no longer declares are shown as
orphaned and kept; `--prune` deletes them on `--apply` (in a plan, it shows them as deletes).

Exit codes: 0 plan shown or applied; 1 the workspace refused or failed a call (after retries), or
a job with a declared name belongs to someone else; 2 bad input (config, environment, host,
credentials, a missing permission or deployer service principal).
"""

from __future__ import annotations

import argparse
import sys

from lakestack.errors import EXIT_FINDINGS, EXIT_OK, InputError
from lakestack.options import add_config_option, add_env_option, check_env, config_from


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
    parser.set_defaults(handler=run_bootstrap)


def run_bootstrap(args: argparse.Namespace) -> int:
    from bootstrap.report import progress_line, render_json, render_text
    from bootstrap.seeder import Change, Seeder
    from lakestack.workspace import WorkspaceError, connect, workspace_host

    config = config_from(args)
    check_env(config, args.env)
    env = config.env(args.env)
    seeder = Seeder(connect(env), env, workspace_host(env))
    try:
        plan = seeder.plan(prune=args.prune)
    except WorkspaceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    text = args.format == "text"
    if not args.apply or plan.conflicts or not plan.pending:
        print(render_text(plan) if text else render_json(plan))
        return EXIT_FINDINGS if plan.conflicts else EXIT_OK

    if text:
        print(render_text(plan, applying=True))
    applied: list[Change] = []

    def report(change: Change) -> None:
        applied.append(change)
        if text:
            print(f"[{len(applied)}/{len(plan.pending)}] {progress_line(change)}", flush=True)

    try:
        seeder.apply(plan, progress=report)
    except (WorkspaceError, InputError) as exc:
        partial = (f"{len(applied)} of {len(plan.pending)} change(s) applied before the error; fix it and run "
                   f"`lakestack bootstrap --env {env.name} --apply{' --prune' if args.prune else ''}` again to finish")
        if not text:
            print(render_json(plan, applied=applied, error=f"{exc}; {partial}"))
        if isinstance(exc, InputError):
            raise InputError(exc.problems, hint=f"{exc.hint + '; ' if exc.hint else ''}{partial}") from None
        print(f"error: {exc}\nhint: {partial}", file=sys.stderr)
        return EXIT_FINDINGS
    print(f"Applied {len(applied)} change(s)." if text else render_json(plan, applied=applied))
    return EXIT_OK
