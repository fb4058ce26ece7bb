"""A model's training and evaluation data, read from its configured Delta tables at pinned versions.

`pin` fixes the version of every input at the start of a run (the configured `training_version`, else
the latest); `load` reads exactly those versions, joins the feature lookups point in time (for each
row the latest feature row at or before its event time, per lookup key) and cuts the evaluation set
(the latest `holdout_fraction` of rows by time, or the evaluation table). The same pins give the same
rows in the same order, so training is reproducible, and validation re-reads a candidate's
evaluation data from the pins recorded on its model version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from infra.config import Environment, ModelConfig
from infra.config.data import lookup_features
from lakestack.errors import InputError
from lifecycle.training.columns import feature_names, label_name

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Model version tags: the data a version was trained on, and the feature tables' versions.
TRAINING_TABLE_TAG = "lakestack.training_table"
TRAINING_VERSION_TAG = "lakestack.training_version"
EVALUATION_TAG = "lakestack.evaluation_data"
FEATURE_TAG_PREFIX = "lakestack.feature_table."
MIN_TRAIN_ROWS = 20


@dataclass(frozen=True)
class TableVersion:
    table: str
    version: int

    def __str__(self) -> str:
        return f"{self.table}@{self.version}"

    @classmethod
    def parse(cls, text: str) -> TableVersion:
        table, _, version = text.rpartition("@")
        return cls(table, int(version))


@dataclass(frozen=True)
class Pins:
    """The version of every table a run reads."""

    training: TableVersion
    features: tuple[TableVersion, ...] = ()
    evaluation: TableVersion | None = None

    def tags(self) -> dict[str, str]:
        tags = {TRAINING_TABLE_TAG: self.training.table, TRAINING_VERSION_TAG: str(self.training.version),
                EVALUATION_TAG: str(self.evaluation or self.training)}
        tags |= {FEATURE_TAG_PREFIX + f.table: str(f.version) for f in self.features}
        return tags

    @classmethod
    def from_tags(cls, tags: dict[str, str]) -> Pins | None:
        """The pins a model version was trained with, or None for a version without lakestack's tags."""
        if TRAINING_TABLE_TAG not in tags or TRAINING_VERSION_TAG not in tags:
            return None
        training = TableVersion(tags[TRAINING_TABLE_TAG], int(tags[TRAINING_VERSION_TAG]))
        features = tuple(TableVersion(key.removeprefix(FEATURE_TAG_PREFIX), int(value))
                         for key, value in sorted(tags.items()) if key.startswith(FEATURE_TAG_PREFIX))
        evaluation = TableVersion.parse(tags[EVALUATION_TAG]) if EVALUATION_TAG in tags else None
        return cls(training, features, evaluation if evaluation != training else None)

    def feature_version(self, table: str) -> int | None:
        return next((f.version for f in self.features if f.table == table), None)


@dataclass(frozen=True)
class TrainingData:
    train: pd.DataFrame
    evaluation: pd.DataFrame
    pins: Pins


def table_exists(spark: SparkSession, table: str) -> bool:
    return bool(spark.catalog.tableExists(table))


def latest_version(spark: SparkSession, table: str) -> int:
    """The table's current Delta version (its history's newest entry)."""
    if not table_exists(spark, table):
        raise InputError(f"table {table} does not exist",
                         hint="create and fill it, or point the model's data section at the right table")
    return int(spark.sql(f"DESCRIBE HISTORY {table} LIMIT 1").collect()[0]["version"])


def _pinned(spark: SparkSession, table: str, version: int | None) -> TableVersion:
    latest = latest_version(spark, table)
    if version is not None and version > latest:
        raise InputError(f"table {table} has no version {version} (latest: {latest})",
                         hint="pin an existing version in data.training_version or --training-version")
    return TableVersion(table, latest if version is None else version)


def pin(spark: SparkSession, env: Environment, model: ModelConfig, training_version: int | None = None,
        training_table: str | None = None) -> Pins:
    """Every input's version for a run starting now: the given training version, else the latest.

    `training_table` (a job parameter) overrides the configured table for one run.
    """
    wanted = training_version if training_version is not None else model.data.training_version
    table = env.table(training_table) if training_table else env.training_table(model)
    training = _pinned(spark, table, wanted)
    lookups = model.data.feature_lookups
    features = tuple(_pinned(spark, env.feature_table_named(lookup.table), None) for lookup in lookups)
    evaluation_table = env.evaluation_table(model)
    evaluation = _pinned(spark, evaluation_table, None) if evaluation_table else None
    return Pins(training, features, evaluation)


def read_at(spark: SparkSession, pinned: TableVersion) -> DataFrame:
    return spark.read.option("versionAsOf", pinned.version).table(pinned.table)


def point_in_time(rows: DataFrame, features: DataFrame, keys: list[str], event_ts: str, feature_ts: str | None,
                  columns: list[str]) -> DataFrame:
    """`rows` with `columns` from `features`: per key, the latest feature row at or before the row's `event_ts`
    (or the key's only row when the feature table has no timestamp). Rows without one keep NULLs."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    rows = rows.drop(*[c for c in columns if c in rows.columns])
    if feature_ts is None:
        return rows.join(features.select(*keys, *columns), keys, "left")
    candidates = features.select(*keys, F.col(feature_ts).alias("_feature_ts"), *columns)
    events = rows.select(*keys, event_ts).distinct()
    matched = events.join(candidates, keys).where(F.col("_feature_ts") <= F.col(event_ts))
    newest = Window.partitionBy(*keys, event_ts).orderBy(F.col("_feature_ts").desc())
    latest = matched.withColumn("_rank", F.row_number().over(newest)).where("_rank = 1").drop("_rank", "_feature_ts")
    return rows.join(latest, [*keys, event_ts], "left")


def with_features(spark: SparkSession, env: Environment, model: ModelConfig, rows: DataFrame,
                  versions: Pins | None = None) -> DataFrame:
    """`rows` with every feature lookup of the model joined, from the pinned (else latest) feature versions."""
    declared = {t.name: t for t in env.platform.feature_tables}
    for lookup in model.data.feature_lookups:
        table = env.feature_table_named(lookup.table)
        version = versions.feature_version(table) if versions else None
        features = read_at(spark, TableVersion(table, version if version is not None else latest_version(spark, table)))
        rows = point_in_time(rows, features, list(lookup.lookup_keys), model.timestamp_col, lookup.timestamp_key,
                             lookup_features(model, declared[lookup.table]))
    return rows


def _ordered(model: ModelConfig, frame: pd.DataFrame) -> pd.DataFrame:
    """A total order independent of how Spark partitioned the read: time, then every other column."""
    order = [model.timestamp_col, *[c for c in frame.columns if c != model.timestamp_col]]
    return frame.sort_values(order, kind="mergesort").reset_index(drop=True)


def labelled_frame(spark: SparkSession, env: Environment, model: ModelConfig, table: TableVersion,
                   pins: Pins) -> pd.DataFrame:
    """A labelled table at its pinned version, with lookups, as pandas; rows missing a feature or label dropped."""
    needed = [*feature_names(model), label_name(model)]
    frame = with_features(spark, env, model, read_at(spark, table), pins).toPandas()
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{table} has no column {', '.join(missing)} (after the feature lookups)",
                         hint="the training table needs the label and every feature no lookup brings")
    return _ordered(model, frame.dropna(subset=needed))


def load(spark: SparkSession, env: Environment, model: ModelConfig, pins: Pins, *, data_fraction: float = 1.0,
         seed: int = 0) -> TrainingData:
    """Training and evaluation rows at `pins`; training keeps `data_fraction` of its rows (a seeded sample)."""
    rows = labelled_frame(spark, env, model, pins.training, pins)
    if pins.evaluation is not None:
        train, evaluation = rows, labelled_frame(spark, env, model, pins.evaluation, pins)
    else:
        cut = int(len(rows) * (1 - model.data.evaluation.holdout))
        train, evaluation = rows.iloc[:cut], rows.iloc[cut:].reset_index(drop=True)
    if data_fraction < 1.0:
        keep = min(max(int(len(train) * data_fraction), MIN_TRAIN_ROWS), len(train))
        train = train.sample(n=keep, random_state=seed).sort_index()
    if len(train) < MIN_TRAIN_ROWS or evaluation.empty:
        raise InputError(f"{pins.training} has too few usable rows ({len(train)} to train, {len(evaluation)} to "
                         "evaluate)", hint=f"train on at least {MIN_TRAIN_ROWS} labelled rows with their features")
    return TrainingData(train.reset_index(drop=True), evaluation, pins)


def evaluation_frame(spark: SparkSession, env: Environment, model: ModelConfig, pins: Pins) -> pd.DataFrame:
    """The evaluation rows of `pins`: what validation scores challenger and champion on."""
    return load(spark, env, model, pins).evaluation
