"""`lakestack show`: the platform as declared, read from the config alone (no synth, no Node).

Per environment: workspace, catalog and isolation, bindings, who holds which role on what (groups and
the deployer), endpoints and their callers, monitors and alerts, jobs. Text for a terminal, markdown
(with the access diagram) for a pull request or a wiki, mermaid for the diagram alone, JSON for scripts.
"""

from __future__ import annotations

import argparse
import json
import sys

from lakestack.colour import Painter
from lakestack.errors import EXIT_OK
from lakestack.files import write_output
from lakestack.options import add_config_option, check_env, config_from

FORMATS = ("text", "markdown", "mermaid", "json")

EPILOG = """\
examples:
  lakestack show                              # every environment, for a terminal
  lakestack show --env prod                   # one environment
  lakestack show --format markdown > PLATFORM.md
  lakestack show --format mermaid             # the access diagram alone (GitHub renders it in a
                                              # ```mermaid block)
  lakestack show --format json | jq '.environments[].access'
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "show", help="show the platform as declared: workspaces, catalogs, bindings, who can read and write what",
        description="Show the platform as the config declares it, without a synth: per environment the "
                    "workspace, catalog and isolation, workspace bindings (by environment name), which group "
                    "holds which role with which privileges, the deployer, serving endpoints and their callers, "
                    "monitors and drift alerts, and the MLOps jobs. It reads the same accessors the stacks and "
                    "bootstrap use, so it says what they will declare.",
        epilog=EPILOG,
    )
    add_config_option(parser)
    parser.add_argument("--env", metavar="ENV", help="show only this environment (default: all)")
    parser.add_argument("--format", choices=FORMATS, default="text",
                        help="text (terminal, 100 columns), markdown (tables and the mermaid access diagram), "
                             "mermaid (the diagram alone) or json (default: text)")
    parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    parser.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> int:
    from lakestack.diagram import access_diagram
    from lakestack.show.facts import platform_facts
    from lakestack.show.markdown import render_markdown
    from lakestack.show.text import render_text

    config = config_from(args)
    if args.env is not None:
        check_env(config, args.env)
    facts = platform_facts(config, args.env)
    if args.format == "json":
        text = json.dumps(facts, indent=2) + "\n"
    elif args.format == "mermaid":
        text = access_diagram(config, env=args.env) + "\n"
    elif args.format == "markdown":
        text = render_markdown(facts, access_diagram(config, env=args.env))
    else:
        text = render_text(facts, Painter(False) if args.output else Painter.for_stream(sys.stdout))
    write_output(text, args.output, what="platform description")
    return EXIT_OK
