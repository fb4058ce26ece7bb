"""Batch inference task: score the current data with `models:/<name>@Champion`.

Whatever the registry calls champion is what gets scored, so a promotion or a rollback changes batch
scores and the serving endpoint together. On Databricks the scores are appended to
`env.batch_predictions_table(model)`; offline they are written to a parquet file.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.entry import run_task, task_parser
from lifecycle.examples import generator as data
from lifecycle.runtime import on_databricks, spark_session


def champion_uri(ctx: TaskContext) -> str:
    return f"models:/{ctx.model_name}@{registry.CHAMPION}"


def score(ctx: TaskContext, *, drift: float = 0.0, seed: int = 1) -> pd.DataFrame:
    """The champion's predictions on a fresh batch, with the version that made them."""
    import mlflow

    champion = registry.alias_version(ctx.client, ctx.model_name, registry.CHAMPION)
    if champion is None:
        raise InputError(f"model '{ctx.model_name}' has no Champion yet; promote a version first")
    batch = data.load_frame(ctx.model, drift=drift, seed=seed)
    features = data.features_of(ctx.model, batch)
    scored = batch[[ctx.model.timestamp_col, *features.columns]].copy()
    scored[ctx.model.prediction_col] = mlflow.pyfunc.load_model(champion_uri(ctx)).predict(features)
    scored[ctx.model.model_id_col] = champion
    return scored


def write(ctx: TaskContext, scored: pd.DataFrame, output: Path | None) -> str:
    if on_databricks() and output is None:
        table = ctx.env.batch_predictions_table(ctx.model)
        spark_session().createDataFrame(scored).write.mode("append").saveAsTable(table)
        return table
    path = output or Path(".lakestack") / "batch" / f"{ctx.env.name}-{ctx.model.name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    scored.to_parquet(path, index=False)
    return str(path)


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Score a batch with the Champion.")
    parser.add_argument("--output", type=Path, metavar="FILE", help="parquet file to write (default: a table on "
                        "Databricks, .lakestack/batch/<env>-<model>.parquet offline)")
    parser.add_argument("--drift", type=float, default=0.0, metavar="D", help="simulated drift of the batch")
    return parser


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    scored = score(ctx, drift=args.drift)
    where = write(ctx, scored, args.output)
    print(f"scored {len(scored)} rows with {champion_uri(ctx)} (v{scored[ctx.model.model_id_col].iloc[0]}) -> {where}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

