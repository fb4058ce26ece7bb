"""`lakestack synth`: the platform config to Terraform JSON, one stack per environment."""

from __future__ import annotations

import argparse
from pathlib import Path

from lakestack.errors import InputError
from lakestack.options import add_config_option, config_from
from lakestack.preflight import require_node, require_writable_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth", help="synthesize every environment's stacks to Terraform JSON",
        description="Validate the config, then write one Terraform JSON file per stack to "
                    "DIR/stacks/<stack>/cdk.tf.json: a stack per environment, plus <env>-account for an environment "
                    "that creates its workspace. All or nothing: a failed synth leaves DIR as it was. Needs Node "
                    "(CDKTF runs on jsii); `cdktf synth` writes the same JSON. From 100 models on, each environment "
                    "is synthesized in a process of its own, the same bytes as one process.",
        epilog="examples:\n"
               "  lakestack synth                          # cdktf.out/stacks/<stack>/cdk.tf.json\n"
               "  lakestack synth --out /tmp/head.out      # e.g. the head of a pull request, for `lakestack review`\n"
               "  lakestack synth --jobs 1                 # one environment at a time: less memory, more wall clock",
    )
    add_config_option(parser)
    parser.add_argument("--out", default="cdktf.out", metavar="DIR",
                        help="output folder, replaced as a whole (default: cdktf.out)")
    parser.add_argument("--jobs", type=positive_jobs, default=None, metavar="N",
                        help="at most N environments synthesized at once (default: the cores); each process holds its "
                             "environment's objects, about 250 MB for 8,000 resources")
    parser.set_defaults(handler=run_synth)


def positive_jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of processes; for example --jobs 1")
    return int(text)


def run_synth(args: argparse.Namespace) -> int:
    config = config_from(args)  # validated before anything is written
    require_writable_folder(args.out, what="synth output folder")
    require_node()  # before cdktf is imported: without Node, the import itself fails
    from infra.synth import synth
    from lakestack.progress import ProgressLines

    try:
        files = synth(config, Path(args.out), jobs=args.jobs, progress=ProgressLines("synth"))
    except OSError as exc:
        raise InputError(f"{args.out}: cannot write the synth output ({exc.strerror or exc})") from None
    for file in files:
        print(f"synthesized {file.parent.name:<16} {file}")
    return 0
