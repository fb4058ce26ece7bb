"""`lakestack synth`: the platform config to Terraform JSON, one stack per environment."""

from __future__ import annotations

import argparse
from pathlib import Path

from lakestack.options import add_config_option, config_from


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("synth", help="synthesize every environment's stacks to Terraform JSON")
    add_config_option(parser)
    parser.add_argument("--out", default="cdktf.out", metavar="DIR", help="output folder (default: cdktf.out)")
    parser.set_defaults(handler=run_synth)


def run_synth(args: argparse.Namespace) -> int:
    from infra.synth import synth

    config = config_from(args)  # validated before anything is written
    files = synth(config, Path(args.out))
    for file in files:
        print(f"synthesized {file.parent.name:<16} {file}")
    return 0
