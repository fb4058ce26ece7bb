"""Tables lakestack declares in Terraform and its jobs write or read, and the queries on them, derived from config once.

The processed inference table is declared by the stacks (`databricks_sql_table`) and filled by the
monitoring job (`lifecycle/monitoring/sql.py`). The monitor's two metric tables are read by the Terraform
alert and by the job's retraining decision through `monitor_windows_sql`: one row per window and served
model version with its data drift, its model performance and whether each crosses its threshold. Both
sides build from these functions, so the alert and the retraining decision look at the same rows and the
job writes the columns Terraform declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config.model import (
    NUMERIC_SQL_TYPES,
    QUALITY_METRICS,
    Environment,
    ModelConfig,
    MonitorConfig,
)

# The AI Gateway's request id column, kept so labels that arrive later can be joined.
REQUEST_ID_COL = "databricks_request_id"
# Position of the record within its request (a request may carry many records, one prediction each).
RECORD_INDEX_COL = "record_index"
# When a ground-truth row was written (the latest label of a prediction wins).
LABELED_AT_COL = "labeled_at"

# Change data feed lets the monitor refresh incrementally; Terraform declares the table with it and the
# monitoring job's CREATE IF NOT EXISTS (a table dropped by hand) recreates it with it.
PROCESSED_TABLE_PROPERTIES = (("delta.enableChangeDataFeed", "true"),)

# How each configured drift statistic is read from a monitor's drift metrics table.
DRIFT_EXPRESSIONS = {
    "js_distance": "js_distance",
    "ks_statistic": "ks_test.statistic",
    "wasserstein_distance": "wasserstein_distance",
    "population_stability_index": "population_stability_index",
    "chi_squared_statistic": "chi_squared_test.statistic",
    "tv_distance": "tv_distance",
    "l_infinity_distance": "l_infinity_distance",
}
# How each quality metric is read from the profile metrics table (struct metrics: their macro average).
QUALITY_EXPRESSIONS = {
    "accuracy_score": "accuracy_score",
    "precision": "precision.macro",
    "recall": "recall.macro",
    "f1_score": "f1_score.macro",
    "root_mean_squared_error": "root_mean_squared_error",
    "mean_squared_error": "mean_squared_error",
    "mean_average_error": "mean_average_error",
    "r2_score": "r2_score",
    "mean_absolute_percentage_error": "mean_absolute_percentage_error",
}
HIGHER_IS_BETTER = {"accuracy_score", "precision", "recall", "f1_score", "r2_score"}
# Validation metric names (as the training task logs them) that are the same quantity as a quality metric.
VALIDATION_TO_QUALITY = {
    "accuracy": "accuracy_score", "precision": "precision", "recall": "recall", "f1": "f1_score",
    "rmse": "root_mean_squared_error", "mse": "mean_squared_error", "mae": "mean_average_error", "r2": "r2_score",
}
# The profile metrics table's row for the whole table (its model-quality metrics live there).
TABLE_ROW = ":table"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str = ""


@dataclass(frozen=True)
class PerformanceRule:
    """Which quality metric is watched and what counts as a drop."""

    metric: str
    higher_is_better: bool
    threshold: float | None  # a fixed level; None compares with the version's first labelled window
    tolerance: float


def prediction_type(model: ModelConfig) -> str:
    """Classification monitors want prediction and label of one type (class ids); regression: numbers."""
    return "BIGINT" if model.problem_type == "classification" else "DOUBLE"


def key_columns(model: ModelConfig) -> list[str]:
    """Business-key columns carried from the request into the processed table (besides the features)."""
    data = getattr(model, "data", None)
    features = {f.name for f in model.features}
    return [name for name in (getattr(data, "key_cols", None) or []) if name not in features]


def processed_columns(model: ModelConfig) -> list[Column]:
    """The processed inference table, in order: request metadata, keys, features, prediction, label."""
    kind = prediction_type(model)
    columns = [
        Column(REQUEST_ID_COL, "STRING", "AI Gateway request id"),
        Column(RECORD_INDEX_COL, "INT", "position of the record in its request"),
        Column(model.timestamp_col, "TIMESTAMP", "request time"),
        Column(model.model_id_col, "STRING", "served model version"),
        *(Column(name, "STRING", "business key") for name in key_columns(model)),
        *(Column(f.name, f.type) for f in model.features),
        Column(model.prediction_col, kind, "model output"),
    ]
    if model.label_col:
        columns.append(Column(model.label_col, kind, "ground truth, merged when it arrives"))
    return columns


def ground_truth_columns(model: ModelConfig, join: str) -> list[Column]:
    """What a ground-truth table holds: the request id and record, or the business key and a time; the label."""
    assert model.label_col, "ground truth needs a label column"
    if join == "request_id":
        keys = [Column(REQUEST_ID_COL, "STRING"), Column(RECORD_INDEX_COL, "INT")]
    else:
        keys = [Column(name, "STRING") for name in model.data.key_cols] + [Column(model.timestamp_col, "TIMESTAMP")]
    return [*keys, Column(model.label_col, prediction_type(model)), Column(LABELED_AT_COL, "TIMESTAMP")]


def drift_columns(model: ModelConfig) -> tuple[list[str], list[str]]:
    """(numeric, categorical) columns the drift check reads: the features and the prediction."""
    numeric = [f.name for f in model.features if f.type in NUMERIC_SQL_TYPES]
    categorical = [f.name for f in model.features if f.type not in NUMERIC_SQL_TYPES]
    (numeric if model.problem_type == "regression" else categorical).append(model.prediction_col)
    return numeric, categorical


def performance_rule(model: ModelConfig, monitor: MonitorConfig) -> PerformanceRule:
    """The watched quality metric: configured, else the validation metric's equivalent, else the type's default."""
    validation = model.validation_or_default
    from_validation = VALIDATION_TO_QUALITY.get(validation.metric)
    default = QUALITY_METRICS[model.problem_type][0]
    metric = monitor.performance_metric or from_validation or default
    threshold = monitor.performance_threshold
    if threshold is None and metric == from_validation:
        threshold = validation.threshold
    return PerformanceRule(metric, metric in HIGHER_IS_BETTER, threshold, monitor.performance_tolerance)


def _quoted(names: list[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def drift_value_sql(model: ModelConfig, monitor: MonitorConfig) -> str:
    """The drift statistic of a row: the numeric one for numeric columns, the categorical one otherwise."""
    numeric, _ = drift_columns(model)
    stats = monitor.drift_metrics
    if not numeric:
        return DRIFT_EXPRESSIONS[stats.categorical]
    return (f"CASE WHEN column_name IN ({_quoted(numeric)}) THEN {DRIFT_EXPRESSIONS[stats.numeric]} "
            f"ELSE {DRIFT_EXPRESSIONS[stats.categorical]} END")


def drift_conditions(model: ModelConfig, monitor: MonitorConfig) -> str:
    """The drift rows that count: whole table, the first granularity, features and prediction only.

    With a baseline table the monitor compares each window with the baseline, else with the window
    before it (Lakehouse Monitoring's BASELINE and CONSECUTIVE drift types).
    """
    drift_type = "BASELINE" if monitor.baseline_table else "CONSECUTIVE"
    numeric, categorical = drift_columns(model)
    return (f"slice_key IS NULL\n    AND granularity = '{monitor.granularities[0]}'\n"
            f"    AND drift_type = '{drift_type}'\n    AND column_name IN ({_quoted(numeric + categorical)})")


def drift_windows_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """Per window and served version, the largest drift of any feature or the prediction."""
    return (f"SELECT window.start AS window_start, model_id_col AS model_version,\n"
            f"    max({drift_value_sql(model, monitor)}) AS data_drift\n"
            f"  FROM {env.drift_metrics_table(model)}\n  WHERE {drift_conditions(model, monitor)}\n"
            f"  GROUP BY 1, 2")


def performance_windows_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """Per window and served version, the watched quality metric (windows without labels have none)."""
    expression = QUALITY_EXPRESSIONS[performance_rule(model, monitor).metric]
    return (f"SELECT window.start AS window_start, model_id_col AS model_version, {expression} AS performance\n"
            f"  FROM {env.profile_metrics_table(model)}\n"
            f"  WHERE slice_key IS NULL\n    AND granularity = '{monitor.granularities[0]}'\n"
            f"    AND column_name = '{TABLE_ROW}'\n    AND {expression} IS NOT NULL")


def _performance_violated(rule: PerformanceRule) -> str:
    if rule.threshold is not None:
        limit = f"{rule.threshold}"
    else:  # the version's first labelled window is its baseline
        sign = "-" if rule.higher_is_better else "+"
        limit = f"baseline {sign} {rule.tolerance}"
    return f"performance {'<' if rule.higher_is_better else '>'} {limit}"


def monitor_windows_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """One row per window and served version: data drift, performance, and which of them violate.

    Versions are never mixed: drift and performance are grouped by the monitor's `model_id_col`.
    """
    rule = performance_rule(model, monitor)
    return f"""WITH drift AS (
  {drift_windows_sql(env, model, monitor)}
), performance AS (
  {performance_windows_sql(env, model, monitor)}
), windows AS (
  SELECT coalesce(d.window_start, p.window_start) AS window_start,
    coalesce(d.model_version, p.model_version) AS model_version,
    d.data_drift, p.performance
  FROM drift AS d FULL OUTER JOIN performance AS p
    ON d.window_start = p.window_start AND d.model_version <=> p.model_version
), judged AS (
  SELECT *, first_value(performance, true) OVER (PARTITION BY model_version ORDER BY window_start
      ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS baseline
  FROM windows
)
SELECT window_start, model_version, data_drift, performance,
  coalesce(data_drift > {monitor.drift_threshold}, false) AS data_drift_violated,
  coalesce({_performance_violated(rule)}, false) AS performance_violated
FROM judged"""


def latest_violation_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """1 when, in the latest window, any served version's data drift or performance violates (the SQL alert)."""
    return f"""SELECT coalesce(max(CAST(data_drift_violated OR performance_violated AS INT)), 0) AS violated
FROM (
  SELECT *, max(window_start) OVER () AS latest
  FROM (
{monitor_windows_sql(env, model, monitor)}
  ) AS w
) AS v
WHERE window_start = latest"""
