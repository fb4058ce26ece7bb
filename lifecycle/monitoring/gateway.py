"""What the AI Gateway and the serving system tables hold, written locally to seed the example.

On Databricks the AI Gateway appends one row per request to the endpoint's payload table and the
platform fills `system.serving.served_entities`; nothing here runs there. Locally (the demo, the tests,
the benchmark) these functions write the same tables with the same columns, from a model's predictions
on example data, so the monitoring pass reads what it would read in a workspace. Request bodies use the
MLflow pyfunc scoring formats.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from infra.config import Environment, ModelConfig
from infra.config.tables import LABELED_AT_COL, ground_truth_columns
from lifecycle.monitoring import sql

# The AI Gateway payload table's columns (as `SHOW CREATE TABLE` lists them).
PAYLOAD_COLUMNS = (
    ("databricks_request_id", "STRING"), ("client_request_id", "STRING"), ("request_date", "DATE"),
    ("request_time", "TIMESTAMP"), ("status_code", "INT"), ("sampling_fraction", "DOUBLE"),
    ("execution_duration_ms", "BIGINT"), ("request", "STRING"), ("response", "STRING"),
    ("served_entity_id", "STRING"), ("logging_error_codes", "ARRAY<STRING>"), ("requester", "STRING"),
)
PAYLOAD_PROPERTIES = "TBLPROPERTIES ('delta.enableChangeDataFeed' = 'true')"
# The columns of `system.serving.served_entities` the monitoring pass reads.
SERVED_ENTITY_COLUMNS = (("served_entity_id", "STRING"), ("endpoint_name", "STRING"),
                         ("entity_name", "STRING"), ("entity_version", "STRING"))


def _schema(columns: Sequence[tuple[str, str]]) -> str:
    return ", ".join(f"{name} {kind}" for name, kind in columns)


def _create(spark: Any, table: str, columns: Sequence[tuple[str, str]], properties: str = "") -> None:
    catalog, schema, _ = table.split(".")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{schema}")
    spark.sql(f"CREATE TABLE IF NOT EXISTS {table} ({_schema(columns)}) USING DELTA {properties}")


def ensure_tables(spark: Any, env: Environment, model: ModelConfig) -> None:
    """The payload table and the served-entities table, empty, where the platform has not made them."""
    from lifecycle.spark import register_catalogs

    register_catalogs(spark, [sql.SERVED_ENTITIES_TABLE.split(".")[0]])
    _create(spark, env.payload_table(model), PAYLOAD_COLUMNS, PAYLOAD_PROPERTIES)
    _create(spark, sql.SERVED_ENTITIES_TABLE, SERVED_ENTITY_COLUMNS)


def request_body(records: list[dict], columns: list[str], request_format: str) -> str:
    """One scoring request in a pyfunc format: records, split (columns and rows), `instances` or `inputs`."""
    if request_format == "dataframe_split":
        return json.dumps({"dataframe_split": {"columns": columns, "data": [[r[c] for c in columns] for r in records]}})
    return json.dumps({request_format: records})


def register_served_entity(spark: Any, env: Environment, model: ModelConfig, served_entity_id: str,
                           version: str) -> None:
    """What the platform records when an endpoint starts serving a model version."""
    ensure_tables(spark, env, model)
    row = [(served_entity_id, env.endpoint_name(model), model.name, str(version))]
    spark.createDataFrame(row, _schema(SERVED_ENTITY_COLUMNS)).write.insertInto(sql.SERVED_ENTITIES_TABLE)


def log_requests(spark: Any, env: Environment, model: ModelConfig, records: pd.DataFrame, predictions: Sequence,
                 times: Sequence[datetime], *, served_entity_id: str, request_format: str = "dataframe_records",
                 records_per_request: int = 1) -> pd.DataFrame:
    """Append one payload row per request of `records_per_request` records, as the AI Gateway does.

    `times` gives each record's request time (a request takes its first record's). Returns which
    request id and position each record got, so ground truth can be written for it.
    """
    ensure_tables(spark, env, model)
    columns = sql.input_columns(model)
    inputs = records[columns].to_dict("records")
    outputs = [value.item() if hasattr(value, "item") else value for value in predictions]
    rows, placed = [], []
    for start in range(0, len(inputs), records_per_request):
        chunk = inputs[start:start + records_per_request]
        request_id = str(uuid.uuid4())
        when = pd.Timestamp(times[start]).to_pydatetime()
        body = request_body(chunk, columns, request_format)
        response = json.dumps({"predictions": outputs[start:start + records_per_request]})
        rows.append((request_id, None, when.date(), when, 200, 1.0, 12, body, response, served_entity_id, None, "demo"))
        placed += [(request_id, position) for position in range(len(chunk))]
    spark.createDataFrame(rows, _schema(PAYLOAD_COLUMNS)).write.insertInto(env.payload_table(model))
    return pd.DataFrame(placed, columns=["databricks_request_id", "record_index"])


def write_ground_truth(spark: Any, env: Environment, model: ModelConfig, labels: pd.DataFrame, join: str) -> None:
    """Append ground-truth rows (the columns of `ground_truth_columns`; `labeled_at` defaults to now)."""
    columns = [(c.name, c.type) for c in ground_truth_columns(model, join)]
    table = env.ground_truth_table(model)
    _create(spark, table, columns)
    frame = labels.copy()
    if LABELED_AT_COL not in frame:
        frame[LABELED_AT_COL] = pd.Timestamp.now()
    spark.createDataFrame(frame[[name for name, _ in columns]], _schema(columns)).write.insertInto(table)
