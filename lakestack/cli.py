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
from typing import Any

from lakestack import __version__
from lakestack.colour import Painter
from lakestack.errors import EXIT_BAD_INPUT, InputError

# Modules that contribute subcommands through a `register(subparsers)` function, in the order `--help` lists them.
COMMAND_MODULES = (
    "lakestack.plan",
    "lakestack.validate",
    "lakestack.show",
    "infra.cli",
    "policies.cli",
    "review.cli",
    "bootstrap.cli",
    "lifecycle.commands.cli",
    "lakestack.schema",
    "lakestack.completion",
)

Handler = Callable[[argparse.Namespace], int]
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE


class HelpFormatter(argparse.HelpFormatter):
    """Wraps one-paragraph descriptions to the terminal, keeps multi-line text (examples) as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class CommandParser(argparse.ArgumentParser):
    """The parser class of `lakestack` and, through `add_subparsers`, of every subcommand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

DESCRIPTION = ("A Databricks MLOps platform in code. Every command reads the platform from infra/platform.yaml "
               "(or --config PATH) and runs offline unless it says it talks to a workspace (bootstrap, "
               "audit --live, promote, rollback).")

EPILOG = """\
getting started (from the repository root, after `make venv`):
  source .venv/bin/activate        # or call .venv/bin/lakestack directly
  lakestack validate               # check infra/platform.yaml, every problem at once
  lakestack show                   # who can read and write what, per environment
  lakestack plan                   # synth, audit and review, offline (what a pull request's CI does)
  lakestack COMMAND --help         # options and examples of one command

exit codes: 0 fine, 1 findings or rejected, 2 bad input (a message names the file, line or key, and the
fix). Without a command, lakestack prints this help and exits 2.

shell completion: eval "$(lakestack completion bash)" (also zsh, tcsh); see docs/cli.md.
colour: only when writing to a terminal, never when NO_COLOR is set."""

# Short batch commands that build large acyclic structures (parsed Terraform JSON, inventories):
# Python's cyclic collector would traverse them again and again (a third of their time at 1,000
# models) and find nothing to free, so it is off while they run.
GC_PAUSED_COMMANDS = ("audit", "review")


def build_parser() -> argparse.ArgumentParser:
    parser = CommandParser(prog="lakestack", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"lakestack {__version__}",
                        help="print the version and exit")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands")
    for name in COMMAND_MODULES:
        import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
    os.environ.setdefault("CHECKPOINT_DISABLE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    handler: Handler = args.handler
    collecting = gc.isenabled()
    if args.command in GC_PAUSED_COMMANDS:
        gc.disable()
    try:
        return handler(args)
    except InputError as exc:
        paint = Painter.for_stream(sys.stderr)
        lines = exc.render().splitlines()
        print("\n".join(_styled(line, paint) for line in lines), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return _reader_went_away()
    finally:
        if collecting:
            gc.enable()


def _reader_went_away() -> int:
    """`lakestack show | head`: stop quietly, as a Unix tool stopped by SIGPIPE would (exit 141).

    Standard output is pointed at /dev/null so the interpreter's final flush cannot fail a second time.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


def _styled(line: str, paint: Painter) -> str:
    for prefix, style in (("error:", "red"), ("hint:", "yellow")):
        if line.startswith(prefix):
            return paint(prefix, style, "bold") + line[len(prefix):]
    return line


if __name__ == "__main__":
    sys.exit(main())
