"""`lakestack audit`: the governance rule pack on a synth, on plans and on the live workspace.

Exit codes: 0 nothing at or above `--fail-on`, 1 something is, 2 bad input (unreadable or invalid
file, unknown environment, bad waiver file, refused workspace).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from lakestack.errors import EXIT_BAD_INPUT, EXIT_FINDINGS, EXIT_OK, InputError
from lakestack.files import write_atomically
from lakestack.options import add_config_option, add_env_option, config_from

DEFAULT_SYNTH_DIR = "cdktf.out"
FORMATS = ("text", "markdown", "json", "sarif")
SEVERITIES = ("critical", "high", "medium", "low")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit", help="check the governance policies on a synth, plans or the live workspace",
        description="Audit the Databricks governance rule pack (docs/policies.md). Without --plan or --live it "
                    "audits the synthesized stacks in --synth-dir.",
        epilog="examples:\n"
               "  lakestack audit                                      # the synth in cdktf.out, text report\n"
               "  lakestack audit --format sarif --output audit.sarif  # for GitHub code scanning\n"
               "  lakestack audit --plan prod=prod.plan.json           # a `terraform show -json` plan\n"
               "  lakestack audit --live --env prod                    # the live workspace, plus drift\n"
               "\nexit codes: 0 nothing at or above --fail-on, 1 findings, 2 bad input",
    )
    add_config_option(parser)
    parser.add_argument("--synth-dir", metavar="DIR", default=None,
                        help=f"synthesized stacks (default: {DEFAULT_SYNTH_DIR} when no other source is given; "
                             "with --live, the declared state for the drift report when it exists)")
    parser.add_argument("--plan", action="append", default=[], metavar="[ENV=]FILE",
                        help="a `terraform show -json` plan (repeatable); ENV= names its environment when the plan "
                             "itself does not tell")
    parser.add_argument("--live", action="store_true",
                        help="read the workspace of --env with databricks-sdk (credentials from the standard "
                             "DATABRICKS_* variables or profile; host from the config)")
    add_env_option(parser, required=False)
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--waivers", metavar="FILE", default=None,
                        help="waiver file (default: policies/waivers.yaml when it exists)")
    parser.add_argument("--fail-on", choices=SEVERITIES, default="high",
                        help="exit 1 when an unwaived finding is at or above this severity (default: high)")
    parser.set_defaults(handler=run_audit_command)


def run_audit_command(args: argparse.Namespace) -> int:
    from policies.audit import parse_severity, run_audit
    from policies.report import render, verdict
    from policies.waivers import default_waivers_path

    if args.live and not args.env:
        raise InputError("--live needs --env ENV (the environment whose workspace to read)")
    if args.env and not args.live:
        raise InputError("--env selects the workspace of a live audit; add --live, or drop --env")
    config = config_from(args)
    fail_on = parse_severity(args.fail_on)
    report = run_audit(
        config,
        synth_dir=synth_dir_of(args),
        plans=tuple(args.plan),
        live_env=args.env if args.live else None,
        waivers_path=args.waivers or default_waivers_path(),
    )
    text = render(report, args.format, fail_on=fail_on, config_path=args.config)
    if args.output:
        write_atomically(Path(args.output), text)
        print(verdict(report, fail_on))
    else:
        sys.stdout.write(text)
    for error in report.engine_errors:
        print(f"error: {error.message}", file=sys.stderr)
    if report.engine_errors:
        return EXIT_BAD_INPUT
    return EXIT_FINDINGS if report.failed(fail_on) else EXIT_OK


def synth_dir_of(args: argparse.Namespace) -> str | None:
    if args.synth_dir is not None:
        return args.synth_dir
    if not args.plan and not args.live:
        return DEFAULT_SYNTH_DIR
    if args.live and Path(DEFAULT_SYNTH_DIR).is_dir():
        return DEFAULT_SYNTH_DIR
    return None
