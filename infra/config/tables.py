"""Tables lakestack declares in Terraform and its jobs write or read, derived from config once.

The processed inference table is declared by the stacks (`databricks_sql_table`) and filled by the
monitoring job (`lifecycle/monitoring/sql.py`); the drift metrics are read by the Terraform alert and by
the job's drift check. Both sides build from these functions, so the alert and the retraining
decision look at the same rows and the job writes the columns Terraform declared.
"""

from __future__ import annotations

from dataclasses import dataclass

from infra.config.model import Environment, ModelConfig, MonitorConfig

# The AI Gateway's request id column, kept so labels that arrive later can be joined.
REQUEST_ID_COL = "databricks_request_id"

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


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str = ""


def prediction_type(model: ModelConfig) -> str:
    """Classification monitors want prediction and label of one type (class ids); regression: numbers."""
    return "BIGINT" if model.problem_type == "classification" else "DOUBLE"


def processed_columns(model: ModelConfig) -> list[Column]:
    """The processed inference table, in order: request metadata, features, prediction, label."""
    kind = prediction_type(model)
    columns = [
        Column(REQUEST_ID_COL, "STRING", "AI Gateway request id"),
        Column(model.timestamp_col, "TIMESTAMP", "request time"),
        Column(model.model_id_col, "STRING", "served model version"),
        *(Column(f.name, f.type) for f in model.features),
        Column(model.prediction_col, kind, "model output"),
    ]
    if model.label_col:
        columns.append(Column(model.label_col, kind, "ground truth, joined when it arrives"))
    return columns


def drift_conditions(model: ModelConfig, monitor: MonitorConfig) -> str:
    """The drift rows that count: whole table, the first granularity, features and prediction only.

    With a baseline table the monitor compares each window with the baseline, else with the window
    before it (Lakehouse Monitoring's BASELINE and CONSECUTIVE drift types).
    """
    drift_type = "BASELINE" if monitor.baseline_table else "CONSECUTIVE"
    columns = ", ".join(f"'{name}'" for name in [*(f.name for f in model.features), model.prediction_col])
    return (f"slice_key IS NULL\n  AND granularity = '{monitor.granularities[0]}'\n"
            f"  AND drift_type = '{drift_type}'\n  AND column_name IN ({columns})")


def drift_windows_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """Per window and column, the configured drift statistic (what the job's drift check decides on)."""
    return (f"SELECT\n  window.start AS window_start,\n  column_name,\n"
            f"  {DRIFT_EXPRESSIONS[monitor.drift_metric]} AS drift_value\n"
            f"FROM {env.drift_metrics_table(model)}\nWHERE {drift_conditions(model, monitor)}")


def latest_drift_sql(env: Environment, model: ModelConfig, monitor: MonitorConfig) -> str:
    """The largest drift of any column in the latest window (what the SQL alert compares to the threshold)."""
    table, conditions = env.drift_metrics_table(model), drift_conditions(model, monitor)
    return (f"SELECT coalesce(max({DRIFT_EXPRESSIONS[monitor.drift_metric]}), 0) AS max_drift\n"
            f"FROM {table}\nWHERE {conditions}\n"
            f"  AND window.start = (SELECT max(window.start) FROM {table} WHERE {conditions})")
