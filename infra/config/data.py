"""Where a model's data lives: training source, feature lookups, evaluation cut, scoring input, ground truth.

The `data` section of a model in `infra/platform.yaml`. Table names are Unity Catalog names: a short
name is a table of the environment's `ml` schema, `schema.table` a table of another schema of the
environment's catalog, and a three-level name is taken as it is. Names resolve per environment through
the `Environment` accessors (`training_table`, `scoring_table`, ...), so the jobs, the stacks and the
demo read the same tables. A model without `data` reads `<model>_training`, scores `<model>_scoring`
and finds its labels in `<model>_labels`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from infra.config.model import FeatureTableConfig, ModelConfig

PathKey = tuple[str | int, ...]

_PART = r"[a-z_][a-z0-9_]{0,254}"
TABLE_NAME = re.compile(rf"^{_PART}(\.{_PART}){{0,2}}$")
DELAY = re.compile(r"^\s*(\d+)\s+(minute|hour|day|week)s?\s*$")
DELAY_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1),
               "week": timedelta(weeks=1)}
DEFAULT_HOLDOUT = 0.25


def table_name(value: str) -> str:
    """A Unity Catalog table name of one, two or three parts; the message proposes a valid spelling."""
    if not isinstance(value, str) or not TABLE_NAME.match(value):
        parts = [re.sub(r"[^a-z0-9_]", "_", p.strip().lower()).lstrip("0123456789") or "name"
                 for p in str(value).split(".")][-3:]
        raise ValueError(
            f"'{value}' is not a table name: use 'table', 'schema.table' or 'catalog.schema.table', each part "
            f"lower-case letters, digits and underscores, starting with a letter or underscore "
            f"(for example '{'.'.join(parts)}')"
        )
    return value


def identifier(value: str) -> str:
    """A column or feature table name: one part of a table name."""
    if "." in str(value):
        raise ValueError(f"'{value}' is a dotted name; give the column or table name alone")
    return table_name(value)


TableName = Annotated[str, AfterValidator(table_name)]
Identifier = Annotated[str, AfterValidator(identifier)]


class _Strict(BaseModel):
    # Validators built on first use, as for every config class (infra.config.model.Strict).
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, defer_build=True)


class FeatureLookup(_Strict):
    """Columns of a declared feature table joined to each training row by key, point in time when
    `timestamp_key` is set (the latest feature row at or before the row's event time)."""

    table: Identifier
    lookup_keys: list[Identifier] = Field(min_length=1)
    timestamp_key: Identifier | None = None


class EvaluationConfig(_Strict):
    """The evaluation cut: the latest `holdout_fraction` of training rows by time, or a table of its own."""

    split: Literal["time"] | None = None
    holdout_fraction: float | None = Field(default=None, gt=0, lt=1)
    table: TableName | None = None

    @model_validator(mode="after")
    def _one_cut(self) -> EvaluationConfig:
        if self.table is not None and (self.split is not None or self.holdout_fraction is not None):
            raise ValueError("give split/holdout_fraction (a time cut of the training table) or table, not both")
        return self

    @property
    def holdout(self) -> float:
        return self.holdout_fraction if self.holdout_fraction is not None else DEFAULT_HOLDOUT


class GroundTruthConfig(_Strict):
    """Where labels of served predictions arrive, how they join the predictions, and how late they may come."""

    table: TableName | None = None
    join: Literal["request_id", "business_key"] = "request_id"
    max_delay: str = "7 days"

    @field_validator("max_delay")
    @classmethod
    def _delay(cls, value: str) -> str:
        if not DELAY.match(value):
            raise ValueError(f"'{value}' is not a delay; write '<n> minutes|hours|days|weeks', for example '7 days'")
        return value

    @property
    def max_delay_interval(self) -> timedelta:
        match = DELAY.match(self.max_delay)
        assert match  # validated above
        return int(match.group(1)) * DELAY_UNITS[match.group(2)]


class DataConfig(_Strict):
    training_table: TableName | None = None
    # A Delta version of the training table to train on; default: the latest at the start of the run.
    training_version: int | None = Field(default=None, ge=0)
    feature_lookups: list[FeatureLookup] = Field(default_factory=list)
    evaluation: EvaluationConfig = Field(default_factory=EvaluationConfig)
    scoring_table: TableName | None = None
    # The business key carried from the scoring input into the predictions (and the label join by key).
    key_cols: list[Identifier] = Field(default_factory=list)
    ground_truth: GroundTruthConfig = Field(default_factory=GroundTruthConfig)


def default_table(model: ModelConfig, kind: str) -> str:
    """The table a model reads when its `data` section names none: `<model>_<kind>`."""
    return f"{model.name}_{kind}"


def check_data(i: int, model: ModelConfig, feature_tables: list[FeatureTableConfig]) -> list[tuple[PathKey, str]]:
    """References of `models[i].data` to the declared feature tables and to the model's own columns."""
    problems: list[tuple[PathKey, str]] = []
    declared = {t.name: t for t in feature_tables}
    features = {f.name for f in model.features}
    for j, lookup in enumerate(model.data.feature_lookups):
        loc: PathKey = ("models", i, "data", "feature_lookups", j)
        table = declared.get(lookup.table)
        if table is None:
            known = ", ".join(declared) or "none"
            problems.append(((*loc, "table"), f"'{lookup.table}' is not a declared feature table (declared: {known}; "
                                              "add it under feature_tables or fix the name)"))
            continue
        columns = [c.name for c in table.columns]
        for k, key in enumerate(lookup.lookup_keys):
            if key not in columns:
                problems.append(((*loc, "lookup_keys", k), f"'{key}' is not a column of feature table "
                                                           f"'{table.name}' (its columns: {', '.join(columns)})"))
        if lookup.timestamp_key is not None and lookup.timestamp_key not in columns:
            problems.append(((*loc, "timestamp_key"), f"'{lookup.timestamp_key}' is not a column of feature table "
                                                      f"'{table.name}' (its columns: {', '.join(columns)})"))
        if not features & set(columns):
            problems.append(((*loc, "table"), f"feature table '{table.name}' has none of the model's features "
                                              f"({', '.join(sorted(features))}); drop the lookup or declare them"))
    if model.data.ground_truth.join == "business_key" and not model.data.key_cols:
        problems.append((("models", i, "data", "ground_truth", "join"),
                         "joining labels by 'business_key' needs key_cols (the business key of a prediction; "
                         "with timestamp_col it finds the prediction a label belongs to)"))
    reserved = {model.prediction_col, model.model_id_col, model.label_col} | features
    for k, key in enumerate(model.data.key_cols):
        if key in reserved:
            problems.append((("models", i, "data", "key_cols", k),
                             f"'{key}' is a feature, label, prediction or id column of the model; key columns "
                             "identify a row, they are not inputs or outputs"))
    return problems


def lookup_features(model: ModelConfig, table: FeatureTableConfig) -> list[str]:
    """The model features a feature lookup brings: the model's features among the table's columns."""
    columns = {c.name for c in table.columns}
    return [f.name for f in model.features if f.name in columns]


# Columns of the batch predictions table besides the business key, the event time and the prediction.
SCORED_AT_COL, RUN_ID_COL, SCORING_VERSION_COL = "scored_at", "run_id", "scoring_version"
KEY_TYPE_DEFAULT = "STRING"


def batch_prediction_columns(model: ModelConfig, feature_tables: list[FeatureTableConfig]) -> list[tuple[str, str]]:
    """(name, SQL type) of `<model>_batch_predictions`: declared by the stacks, written by batch inference.

    A key column takes its type from a declared feature table that has it, else STRING.
    """
    typed = {c.name: c.type for t in feature_tables for c in t.columns}
    keys = [(key, typed.get(key, KEY_TYPE_DEFAULT)) for key in model.data.key_cols]
    return [*keys, (model.timestamp_col, "TIMESTAMP"), (model.prediction_col, "DOUBLE"),
            (model.model_id_col, "STRING"), (SCORED_AT_COL, "TIMESTAMP"), (RUN_ID_COL, "STRING"),
            (SCORING_VERSION_COL, "BIGINT")]
