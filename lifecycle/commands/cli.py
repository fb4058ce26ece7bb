"""Lifecycle subcommands: `lakestack promote`, `lakestack rollback`, `lakestack demo`.

Heavy imports (mlflow, pandas, databricks-sdk) happen inside the handlers, so other subcommands do not
pay for them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from infra.config import load_config
from lakestack.extras import require_extra
from lakestack.options import add_config_option, config_from


def register(subparsers: argparse._SubParsersAction) -> None:
    from lifecycle.context import add_model_options
    from lifecycle.deployment.serving import add_serving_timeout_option

    promote = subparsers.add_parser(
        "promote", help="validate a model version against the champion and deploy it if it wins",
        description="Validate one candidate version against the Champion and, if it passes, make it the "
                    "Champion and serve it. Exit 0 promoted, 1 rejected (by validation, or because the "
                    "serving endpoint failed to load it in time), 2 bad input. MLflow URIs come "
                    "from MLFLOW_TRACKING_URI / MLFLOW_REGISTRY_URI.",
        epilog="examples:\n"
               "  lakestack promote --env staging --model product_recommender --version 2\n"
               "  lakestack promote --env staging --model product_recommender --version 2 --mode dry_run "
               "--format json",
    )
    add_config_option(promote)
    promote.add_argument("--env", "--to", dest="env", required=True, metavar="ENV",
                         help="environment to promote in (with --from: the environment receiving the version)")
    promote.add_argument("--model", required=True, metavar="NAME", help="model name from the config")
    promote.add_argument("--from", dest="source", metavar="ENV",
                         help="deploy-model: copy the version from this environment (the previous step of the "
                              "model's deployment path) before validating it against the target's champion")
    promote.add_argument("--version", metavar="N",
                         help="candidate model version (with --from: the source's version; default its Champion)")
    promote.add_argument("--mode", choices=("enabled", "dry_run", "disabled"),
                         help="override validation.mode from the config")
    promote.add_argument("--format", choices=("text", "json"), default="text",
                         help="text (for people) or json (the decision and metrics, for scripts; default: text)")
    add_serving_timeout_option(promote)
    promote.set_defaults(handler=_promote)

    rollback = subparsers.add_parser(
        "rollback", help="restore the previous champion (registry alias and serving endpoint)",
        description="Point the serving endpoint back at the previous champion and, once it serves it, move "
                    "Champion there. Exit 0 rolled back, 1 the endpoint failed to load it in time (nothing "
                    "moved), 2 bad input or no previous champion.",
        epilog="example:\n"
               "  lakestack rollback --env staging --model product_recommender",
    )
    add_model_options(rollback)
    add_serving_timeout_option(rollback)
    rollback.set_defaults(handler=_rollback)

    demo = subparsers.add_parser(
        "demo", help="run the lifecycle end to end on local Spark + Delta Lake and a local MLflow store",
        description="Run the model lifecycle offline in numbered steps: seed example tables, train at a pinned "
                    "Delta version, validate and promote a champion, batch score, serve (payloads logged as "
                    "the AI Gateway logs them), unpack, merge late labels, detect data drift and a drop in "
                    "model performance, retrain, validate and promote the challenger, and print the champion's "
                    "lineage. It runs the task code the Databricks jobs run, on local PySpark with Delta Lake "
                    "and a sqlite MLflow store (in --workdir); no Databricks account is needed.",
        epilog="examples:\n"
               "  lakestack demo                                       # the first served model of the example\n"
               "  lakestack demo --model price_elasticity --env staging\n"
               "  lakestack demo --deploy-model                        # inventory_demand: dev -> staging -> prod",
    )
    add_config_option(demo)
    demo.add_argument("--env", metavar="ENV", help="environment (default: the first that serves the model)")
    demo.add_argument("--model", metavar="NAME", help="model (default: the first in the config)")
    demo.add_argument("--deploy-model", action="store_true",
                      help="instead: the deploy-model path of a deploy-model model (default: the first one), trained "
                           "in the first environment of its path and promoted step by step (dev -> staging -> prod)")
    demo.add_argument("--workdir", type=Path, metavar="DIR",
                      help="store directory (MLflow store, Spark warehouse), recreated (default: .lakestack/demo)")
    demo.set_defaults(handler=_demo)


def _promote(args: argparse.Namespace) -> int:
    require_extra("lifecycle", "promote")
    from lakestack.errors import InputError
    from lifecycle.context import TaskContext, config_path
    from lifecycle.deployment.cross_env import promote_across
    from lifecycle.deployment.promote import promote

    result: Any
    if args.source is not None:
        config = load_config(config_path(args.config))
        result = promote_across(config, args.model, args.source, args.env, version=args.version, mode=args.mode,
                                serving_timeout=args.serving_timeout)
    elif args.version is None:
        raise InputError("--version N is required (or --from ENV to promote a version from another environment)")
    else:
        result = promote(TaskContext.from_args(args), args.version, mode=args.mode,
                         serving_timeout=args.serving_timeout)
    print(json.dumps(result.as_dict(), indent=2) if args.format == "json" else result.render())
    return result.exit_code


def _rollback(args: argparse.Namespace) -> int:
    require_extra("lifecycle", "rollback")
    from lifecycle.context import TaskContext
    from lifecycle.deployment.deploy import rollback

    result = rollback(TaskContext.from_args(args), timeout=args.serving_timeout)
    print(result.describe())
    return result.exit_code


def _demo(args: argparse.Namespace) -> int:
    require_extra("lifecycle", "demo")
    from lifecycle.commands.demo import DEFAULT_WORKDIR, fresh_workdir, run_demo

    if args.deploy_model:
        from lifecycle.commands.demo_promotion import run_promotion_demo

        run_promotion_demo(config_from(args), args.model, fresh_workdir(args.workdir or DEFAULT_WORKDIR))
        return 0
    run_demo(config_from(args), args.env, args.model, args.workdir or DEFAULT_WORKDIR)
    return 0
