"""Spark SQL the monitoring task runs on Databricks, built from config by tested functions.

The endpoint's AI Gateway payload table (`env.payload_table`) holds one row per request, with the
request and response as JSON strings. The quality monitor needs one row per prediction with typed
feature columns, the prediction, the model version and a timestamp: that is the processed table
(`env.processed_table`). `payload_unpack_sql` turns new successful requests into such rows; the
served version comes from the `system.serving.served_entities` system table, joined on
`served_entity_id`. Requests are expected in the `dataframe_records` format and responses as
`{"predictions": [...]}`, which is what an MLflow pyfunc endpoint answers.
"""

from __future__ import annotations

from bootstrap.tasks.data import feature_names, label_name
from infra.config import Environment, ModelConfig

SERVED_ENTITIES_TABLE = "system.serving.served_entities"
REQUEST_ID_COL = "databricks_request_id"
EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"

# Drift metric name in config -> expression on the monitor's drift metrics table.
DRIFT_EXPRESSIONS = {
    "js_distance": "js_distance",
    "ks_statistic": "ks_test.statistic",
    "wasserstein_distance": "wasserstein_distance",
    "population_stability_index": "population_stability_index",
    "chi_squared_statistic": "chi_squared_test.statistic",
    "tv_distance": "tv_distance",
    "l_infinity_distance": "l_infinity_distance",
}


def prediction_type(model: ModelConfig) -> str:
    """Classification monitors want prediction and label of one type: class ids; regression: numbers."""
    return "BIGINT" if model.problem_type == "classification" else "DOUBLE"


def feature_columns(model: ModelConfig) -> list[tuple[str, str]]:
    types = {f.name: f.type for f in model.features}
    return [(name, types.get(name, "DOUBLE")) for name in feature_names(model)]


def processed_columns(model: ModelConfig) -> list[tuple[str, str]]:
    """(name, SQL type) of the processed table, in order."""
    columns = [(model.timestamp_col, "TIMESTAMP"), (model.model_id_col, "STRING"), *feature_columns(model)]
    columns += [(model.prediction_col, prediction_type(model)), (label_name(model), prediction_type(model)),
                (REQUEST_ID_COL, "STRING")]
    return columns


def create_processed_sql(env: Environment, model: ModelConfig) -> str:
    columns = ",\n  ".join(f"{name} {kind}" for name, kind in processed_columns(model))
    return f"CREATE TABLE IF NOT EXISTS {env.processed_table(model)} (\n  {columns}\n)"


def payload_unpack_sql(env: Environment, model: ModelConfig) -> str:
    """INSERT the predictions of requests newer than the processed table's latest row."""
    processed, payload = env.processed_table(model), env.payload_table(model)
    record_type = ", ".join(f"{name}: {kind}" for name, kind in feature_columns(model))
    kind = prediction_type(model)
    select = [f"r.request_time AS {model.timestamp_col}", f"r.entity_version AS {model.model_id_col}"]
    select += [f"rec.{name} AS {name}" for name in feature_names(model)]
    select += [f"CAST(r.predictions[pos] AS {kind}) AS {model.prediction_col}",
               f"CAST(NULL AS {kind}) AS {label_name(model)}", f"r.{REQUEST_ID_COL} AS {REQUEST_ID_COL}"]
    target = ", ".join(name for name, _ in processed_columns(model))
    select_list = ",\n  ".join(select)
    return f"""INSERT INTO {processed} ({target})
SELECT
  {select_list}
FROM (
  SELECT
    p.{REQUEST_ID_COL},
    p.request_time,
    e.entity_version,
    from_json(p.request, 'dataframe_records ARRAY<STRUCT<{record_type}>>').dataframe_records AS records,
    from_json(p.response, 'predictions ARRAY<DOUBLE>').predictions AS predictions
  FROM {payload} AS p
  LEFT JOIN (SELECT DISTINCT served_entity_id, entity_version FROM {SERVED_ENTITIES_TABLE}) AS e
    ON p.served_entity_id = e.served_entity_id
  WHERE p.status_code = 200
    AND p.request_time > (SELECT COALESCE(MAX({model.timestamp_col}), {EPOCH}) FROM {processed})
) AS r
LATERAL VIEW posexplode(r.records) exploded AS pos, rec"""


def drift_query_sql(env: Environment, model: ModelConfig) -> str:
    """The whole-table drift of each feature and the prediction per window, for `drift.decide`."""
    assert model.monitor is not None
    monitor = model.monitor
    drift_type = "BASELINE" if monitor.baseline_table else "CONSECUTIVE"
    columns = ", ".join(f"'{name}'" for name in [*feature_names(model), model.prediction_col])
    return f"""SELECT
  window.start AS window_start,
  column_name,
  {DRIFT_EXPRESSIONS[monitor.drift_metric]} AS drift_value
FROM {env.drift_metrics_table(model)}
WHERE slice_key IS NULL
  AND granularity = '{monitor.granularities[0]}'
  AND drift_type = '{drift_type}'
  AND column_name IN ({columns})"""
