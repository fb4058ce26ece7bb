"""Seed a model's example tables with generated rows: the training table, its feature tables, its
evaluation table (when the config names one) and the batch scoring input, under their configured names.

The demo and the tests run the jobs' own code on these tables; nothing in the jobs knows they were
generated. Feature tables get one row per generated event (keys, the event time, the lookup's feature
values), so a point-in-time lookup finds exactly the values the generator drew for that event.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from infra.config import Environment, ModelConfig
from infra.config.data import lookup_features
from infra.config.model import FeatureTableConfig
from lifecycle.examples.generator import DAYS, DEFAULT_ROWS, START, id_columns, load_frame
from lifecycle.training.columns import feature_names, label_name
from lifecycle.training.dataset import latest_version

SCORING_ROWS = 1000


@dataclass(frozen=True)
class Seeded:
    """The tables written and the Delta version each one has now."""

    versions: dict[str, int]

    def describe(self) -> str:
        return ", ".join(f"{table}@{version}" for table, version in self.versions.items())


def _feature_tables(env: Environment, model: ModelConfig) -> list[tuple[FeatureTableConfig, str | None]]:
    declared = {t.name: t for t in env.platform.feature_tables}
    return [(declared[lookup.table], lookup.timestamp_key) for lookup in model.data.feature_lookups]


def _looked_up(env: Environment, model: ModelConfig) -> set[str]:
    return {name for table, _ in _feature_tables(env, model) for name in lookup_features(model, table)}


def _event_columns(env: Environment, model: ModelConfig, labelled: bool) -> list[str]:
    """What a training (labelled) or scoring row holds: ids, time, the features no lookup brings, the label."""
    own = [f for f in feature_names(model) if f not in _looked_up(env, model)]
    return [*id_columns(model), model.timestamp_col, *own, *([label_name(model)] if labelled else [])]


def _feature_rows(env: Environment, model: ModelConfig, table: FeatureTableConfig, timestamp_key: str | None,
                  events: pd.DataFrame) -> pd.DataFrame:
    rows = pd.DataFrame(index=events.index)
    for column in table.columns:
        if column.name == timestamp_key:
            rows[column.name] = events[model.timestamp_col]
        elif column.name in events:
            rows[column.name] = events[column.name]
    if timestamp_key is None:  # a snapshot table: one row per key
        keys = [c.name for c in table.columns if c.name in id_columns(model)]
        rows = rows.drop_duplicates(subset=keys, keep="last")
    return rows


def _typed(spark: SparkSession, frame: pd.DataFrame, table: FeatureTableConfig | None = None) -> DataFrame:
    df = spark.createDataFrame(frame)
    for column in table.columns if table else []:  # declared types; NULL for a column the model does not use
        value = F.col(column.name) if column.name in frame.columns else F.lit(None)
        df = df.withColumn(column.name, value.cast(column.type))
    return df.select(*[c.name for c in table.columns]) if table else df


def write_table(spark: SparkSession, name: str, df: DataFrame, *, append: bool = False) -> int:
    """Write `df` to the Delta table `name` (creating its schema), return the table's new version."""
    catalog, schema, _ = name.split(".")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")
    df.write.format("delta").mode("append" if append else "overwrite").saveAsTable(name)
    return latest_version(spark, name)


def seed_model_tables(spark: SparkSession, env: Environment, model: ModelConfig, *, rows: int = DEFAULT_ROWS,
                      drift: float = 0.0, seed: int = 0, start: pd.Timestamp = START,
                      append: bool = False) -> Seeded:
    """Generate `rows` training events from `start` (and a scoring batch after them) and write every table.

    `append` adds to the training and feature tables (new Delta versions, history kept), as fresh data
    lands in a real table; the scoring input is always replaced by the new batch.
    """
    events = load_frame(model, rows=rows, drift=drift, seed=seed, start=start)
    end = start + pd.Timedelta(days=DAYS)
    scoring = load_frame(model, rows=SCORING_ROWS, drift=drift, seed=seed + 1000, start=end, days=1)
    evaluation_table = env.evaluation_table(model)
    held_out = (load_frame(model, rows=rows // 4, drift=drift, seed=seed + 2000, start=end, days=DAYS / 4)
                if evaluation_table else None)

    versions = {}
    labelled = _event_columns(env, model, labelled=True)
    versions[env.training_table(model)] = write_table(spark, env.training_table(model),
                                                      _typed(spark, events[labelled]), append=append)
    if evaluation_table and held_out is not None:
        versions[evaluation_table] = write_table(spark, evaluation_table, _typed(spark, held_out[labelled]),
                                                 append=append)
    for table, timestamp_key in _feature_tables(env, model):
        every_event = pd.concat([frame for frame in (events, held_out, scoring) if frame is not None],
                                ignore_index=True)
        rows_of_table = _feature_rows(env, model, table, timestamp_key, every_event)
        versions[env.feature_table(table)] = write_table(spark, env.feature_table(table),
                                                         _typed(spark, rows_of_table, table), append=append)
    versions[env.scoring_table(model)] = write_table(
        spark, env.scoring_table(model), _typed(spark, scoring[_event_columns(env, model, labelled=False)]))
    return Seeded(versions)
