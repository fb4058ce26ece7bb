"""Batch inference task: score the configured scoring table with `models:/<name>@Champion`.

Whatever the registry calls champion is what gets scored, so a promotion or a rollback changes batch
scores and the serving endpoint together. The input is `data.scoring_table` at its latest Delta
version (recorded in every row), with the model's feature lookups joined point in time; the output is
`env.batch_predictions_table(model)`: the business key, event time, prediction, model version, scoring
time, job run id and the scoring table's version. Writing replaces the rows of the same run id, so a
rerun of a job run leaves one copy of its predictions.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd

from infra.config.data import RUN_ID_COL, SCORED_AT_COL, SCORING_VERSION_COL, batch_prediction_columns
from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.entry import run_task, task_parser
from lifecycle.spark import spark_session
from lifecycle.training import dataset
from lifecycle.training.columns import feature_names, features_of


@dataclass(frozen=True)
class Scored:
    table: str
    rows: int
    version: str
    run_id: str
    scoring: dataset.TableVersion
    skipped: int  # input rows without every feature (not scored)

    def describe(self, uri: str) -> str:
        skipped = f", {self.skipped} rows without every feature skipped" if self.skipped else ""
        return (f"scored {self.rows} rows of {self.scoring} with {uri} (v{self.version}) -> {self.table} "
                f"(run {self.run_id}{skipped})")


def champion_uri(ctx: TaskContext) -> str:
    return f"models:/{ctx.model_name}@{registry.CHAMPION}"


def predictions(ctx: TaskContext, run_id: str, scoring_table: str | None = None) -> tuple[pd.DataFrame, Scored]:
    """The champion's predictions on the scoring table's current version, in the predictions table's columns."""
    import mlflow

    champion = registry.alias_version(ctx.client, ctx.model_name, registry.CHAMPION)
    if champion is None:
        raise InputError(f"model '{ctx.model_name}' has no Champion yet; promote a version first")
    spark = spark_session(ctx.config)
    source = ctx.env.table(scoring_table) if scoring_table else ctx.env.scoring_table(ctx.model)
    scoring = dataset.TableVersion(source, dataset.latest_version(spark, source))
    rows = dataset.with_features(spark, ctx.env, ctx.model, dataset.read_at(spark, scoring)).toPandas()
    missing = [c for c in (*feature_names(ctx.model), *ctx.model.data.key_cols, ctx.model.timestamp_col)
               if c not in rows.columns]
    if missing:
        raise InputError(f"{scoring} has no column {', '.join(missing)} (after the feature lookups)",
                         hint="the scoring table needs the business key, the event time and the features "
                              "no lookup brings")
    complete = rows.dropna(subset=feature_names(ctx.model))
    out = pd.DataFrame({key: complete[key].astype(str) if kind == "STRING" else complete[key]
                        for key, kind in batch_prediction_columns(ctx.model, ctx.config.feature_tables)
                        if key in ctx.model.data.key_cols})
    out[ctx.model.timestamp_col] = complete[ctx.model.timestamp_col]
    model = mlflow.pyfunc.load_model(champion_uri(ctx))
    out[ctx.model.prediction_col] = pd.Series(model.predict(features_of(ctx.model, complete)),
                                              index=complete.index).astype(float)
    out[ctx.model.model_id_col] = champion
    out[SCORED_AT_COL] = pd.Timestamp(datetime.now(UTC)).tz_localize(None)
    out[RUN_ID_COL] = run_id
    out[SCORING_VERSION_COL] = scoring.version
    table = ctx.env.batch_predictions_table(ctx.model)
    return out.reset_index(drop=True), Scored(table, len(out), champion, run_id, scoring, len(rows) - len(complete))


def ensure_table(ctx: TaskContext) -> None:
    """Create the predictions table where the stacks have not (a local store); same columns as Terraform's."""
    spark = spark_session(ctx.config)
    table = ctx.env.batch_predictions_table(ctx.model)
    if dataset.table_exists(spark, table):
        return
    catalog, schema, _ = table.split(".")
    columns = ", ".join(f"{name} {kind}" for name, kind in batch_prediction_columns(ctx.model,
                                                                                   ctx.config.feature_tables))
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({columns}) USING DELTA")


def score(ctx: TaskContext, run_id: str | None = None, scoring_table: str | None = None) -> Scored:
    """Score and write; the rows of `run_id` (default: a new id) are replaced, never added twice."""
    from pyspark.sql import functions as F

    run_id = run_id or uuid.uuid4().hex
    frame, scored = predictions(ctx, run_id, scoring_table)
    ensure_table(ctx)
    spark = spark_session(ctx.config)
    schema = ", ".join(f"{name} {kind}" for name, kind in batch_prediction_columns(ctx.model,
                                                                                  ctx.config.feature_tables))
    rows = spark.createDataFrame(frame, schema=schema) if len(frame) else spark.createDataFrame([], schema)
    rows.writeTo(scored.table).overwrite(F.col(RUN_ID_COL) == F.lit(run_id))
    return scored


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Score the scoring table with the Champion and write the batch predictions table.")
    parser.add_argument("--scoring-table", default="", metavar="TABLE",
                        help="input table for this run (default: data.scoring_table of the model)")
    parser.add_argument("--run-id", default="", metavar="ID",
                        help="the job run's id (the job passes {{job.run_id}}); a rerun replaces that run's rows")
    return parser


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    print(score(ctx, args.run_id or None, args.scoring_table or None).describe(champion_uri(ctx)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)
