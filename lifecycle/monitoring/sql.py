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

from infra.config import Environment, ModelConfig
from infra.config.tables import (
    PROCESSED_TABLE_PROPERTIES,
    REQUEST_ID_COL,
    drift_windows_sql,
    prediction_type,
    processed_columns,
)

SERVED_ENTITIES_TABLE = "system.serving.served_entities"
EPOCH = "TIMESTAMP '1970-01-01 00:00:00'"


def create_processed_sql(env: Environment, model: ModelConfig) -> str:
    columns = ",\n  ".join(f"{c.name} {c.type}" for c in processed_columns(model))
    properties = ", ".join(f"'{key}' = '{value}'" for key, value in PROCESSED_TABLE_PROPERTIES)
    return f"CREATE TABLE IF NOT EXISTS {env.processed_table(model)} (\n  {columns}\n)\nTBLPROPERTIES ({properties})"


def payload_unpack_sql(env: Environment, model: ModelConfig) -> str:
    """INSERT the predictions of requests newer than the processed table's latest row."""
    processed, payload = env.processed_table(model), env.payload_table(model)
    record_type = ", ".join(f"{f.name}: {f.type}" for f in model.features)
    kind = prediction_type(model)
    expressions = {
        REQUEST_ID_COL: f"r.{REQUEST_ID_COL}",
        model.timestamp_col: "r.request_time",
        model.model_id_col: "r.entity_version",
        **{f.name: f"rec.{f.name}" for f in model.features},
        model.prediction_col: f"CAST(r.predictions[pos] AS {kind})",
    }
    if model.label_col:  # ground truth arrives later and is joined on the request id
        expressions[model.label_col] = f"CAST(NULL AS {kind})"
    names = [c.name for c in processed_columns(model)]
    target = ", ".join(names)
    select = [f"{expressions[name]} AS {name}" for name in names]
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
    return drift_windows_sql(env, model, model.monitor)
