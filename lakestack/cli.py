"""The `lakestack` command: one entry point, one subcommand per job, the same exit codes everywhere.

Subcommands live next to the code they drive (`infra/cli.py`, `policies/cli.py`, ...) and register
themselves here; each handler imports its heavy libraries (jsii, mlflow) only when it runs, so
`lakestack audit` and `lakestack review` never pay for CDKTF's start-up.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Callable, Sequence
from importlib import import_module

from lakestack import __version__
from lakestack.errors import EXIT_BAD_INPUT, InputError

# Modules that contribute subcommands through a `register(subparsers)` function.
COMMAND_MODULES = (
    "infra.cli",
    "policies.cli",
    "review.cli",
    "bootstrap.cli",
    "lifecycle.commands.cli",
    "lakestack.plan",
)

Handler = Callable[[argparse.Namespace], int]

# Short batch commands that build large acyclic structures (parsed Terraform JSON, inventories):
# Python's cyclic collector would traverse them again and again (a third of their time at 1,000
# models) and find nothing to free, so it is off while they run.
GC_PAUSED_COMMANDS = ("audit", "review")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lakestack",
        description="Databricks MLOps platform in code: synth, audit, review, bootstrap, promote.",
    )
    parser.add_argument("--version", action="version", version=f"lakestack {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    collecting = gc.isenabled()
    if args.command in GC_PAUSED_COMMANDS:
        gc.disable()
    try:
        return handler(args)
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    finally:
        if collecting:
            gc.enable()


if __name__ == "__main__":
    sys.exit(main())
