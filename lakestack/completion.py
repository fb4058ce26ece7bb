"""`lakestack completion SHELL`: a shell completion script generated from the parser (shtab).

shtab writes a static script, so pressing TAB never starts Python (argcomplete would run lakestack,
and import its config layer, on every TAB). Subcommands, options and `choices` complete from the
parser itself; options whose metavar names a file or folder complete paths.
"""

from __future__ import annotations

import argparse
import sys

from lakestack.errors import EXIT_OK

SHELLS = ("bash", "zsh", "tcsh")
FILE_METAVARS = ("FILE", "PATH", "PLAN_JSON", "[ENV=]FILE", "[STACK=]FILE")
DIR_METAVARS = ("DIR",)

EPILOG = """\
examples:
  eval "$(lakestack completion bash)"                       # this shell only
  lakestack completion bash > ~/.local/share/bash-completion/completions/lakestack
  lakestack completion zsh > ~/.zfunc/_lakestack            # with fpath+=(~/.zfunc) before compinit
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "completion", help="print a shell completion script (bash, zsh, tcsh)",
        description="Print a completion script for lakestack's commands, options and choices. Source it, or "
                    "install it where your shell looks for completions.",
        epilog=EPILOG,
    )
    parser.add_argument("shell", choices=SHELLS, help="the shell to complete in")
    parser.set_defaults(handler=run_completion)


def mark_paths(parser: argparse.ArgumentParser) -> None:
    """Attach shtab's file and folder completers to every option (in every subcommand) that takes a path."""
    import shtab

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                mark_paths(sub)
        elif action.metavar in FILE_METAVARS:
            action.complete = shtab.FILE  # type: ignore[attr-defined]
        elif action.metavar in DIR_METAVARS:
            action.complete = shtab.DIRECTORY  # type: ignore[attr-defined]


def completion_script(shell: str) -> str:
    import shtab

    from lakestack.cli import build_parser

    parser = build_parser()
    mark_paths(parser)
    return shtab.complete(parser, shell=shell)


def run_completion(args: argparse.Namespace) -> int:
    sys.stdout.write(completion_script(args.shell))
    return EXIT_OK
