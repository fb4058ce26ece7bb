"""`lakestack validate`: the config checks alone, fast (no synth, no Node, no CDKTF import).

Every problem of the file in one run, in file order: YAML syntax and duplicate keys first (nothing else
can be read before them), then structure, types and references between sections together.
"""

from __future__ import annotations

import argparse
import sys

from lakestack.colour import Painter
from lakestack.errors import EXIT_OK
from lakestack.options import add_config_option, config_from

EPILOG = """\
examples:
  lakestack validate                                  # infra/platform.yaml
  lakestack validate --config other/platform.yaml

exit codes: 0 valid, 2 problems (one line each: file:line: key.path: what is wrong (the fix))
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate", help="check the platform config and report every problem at once (no synth)",
        description="Check the platform config: YAML syntax, keys, types and values, and the references "
                    "between sections (group roles, environments, model names). Every problem is reported in "
                    "one run, one line each. Nothing is synthesized and nothing is written.",
        epilog=EPILOG,
    )
    add_config_option(parser)
    parser.set_defaults(handler=run_validate)


def run_validate(args: argparse.Namespace) -> int:
    config = config_from(args)
    paint = Painter.for_stream(sys.stdout)
    counts = (f"{len(config.environments)} environment(s), {len(config.models)} model(s), "
              f"{len(config.feature_tables)} feature table(s)")
    print(f"{args.config}: {paint('valid', 'green', 'bold')} ({counts})")
    return EXIT_OK
