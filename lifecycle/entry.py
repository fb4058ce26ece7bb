"""How a task file runs as a program: parse its arguments, turn bad input into exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from lakestack.errors import EXIT_BAD_INPUT, InputError


def task_parser(description: str) -> argparse.ArgumentParser:
    from lifecycle.context import add_model_options

    parser = argparse.ArgumentParser(description=description)
    add_model_options(parser)
    return parser


def run_task(parser: argparse.ArgumentParser, handler: Callable[[argparse.Namespace], int],
             argv: Sequence[str] | None = None) -> int:
    """Same contract as the `lakestack` command: 0 fine, 1 rejected or found, 2 bad input, no traceback."""
    args = parser.parse_args(argv)
    try:
        return handler(args)
    except InputError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_INPUT
