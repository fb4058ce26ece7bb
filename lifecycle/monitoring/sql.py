"""Spark SQL the monitoring task runs, locally and on Databricks, built from config by tested functions.

The endpoint's AI Gateway payload table (`env.payload_table`) holds one row per request, with the
request and response as JSON strings. The quality monitor needs one row per prediction with typed
feature columns, the prediction, the model version and a timestamp: that is the processed table
(`env.processed_table`, columns from `infra.config.tables`).

No statement here can fail on one bad payload under ANSI mode: JSON is parsed with `from_json` and
`get_json_object` (NULL on malformed input), every value is read as text and converted with
`try_cast`, and arrays are indexed with `get` (NULL out of range). A request whose body is not one of
the formats an MLflow pyfunc endpoint accepts (`dataframe_records`, `dataframe_split`, `instances`,
`inputs`; records, rows or columns) yields no row and stays in the payload table, counted as rejected.
A response shorter than its request yields rows only for the records that have a prediction.

What is processed is tracked by request id (an anti-join with the processed table), never by a
timestamp watermark, so a payload row that lands late is still unpacked. A row whose
`served_entity_id` is not yet in `system.serving.served_entities` gets a NULL version; every later
pass fills such versions once the system table knows the entity.
"""

from __future__ import annotations

from infra.config import Environment, ModelConfig
from infra.config.tables import (
    LABELED_AT_COL,
    PROCESSED_TABLE_PROPERTIES,
    RECORD_INDEX_COL,
    REQUEST_ID_COL,
    key_columns,
    monitor_windows_sql,
    prediction_type,
    processed_columns,
)

SERVED_ENTITIES_TABLE = "system.serving.served_entities"
# The request keys of the pyfunc scoring protocol, in the order they are tried.
REQUEST_FORMATS = ("dataframe_records", "dataframe_split", "instances", "inputs")


def create_processed_sql(env: Environment, model: ModelConfig) -> str:
    columns = ",\n  ".join(f"{c.name} {c.type}" for c in processed_columns(model))
    properties = ", ".join(f"'{key}' = '{value}'" for key, value in PROCESSED_TABLE_PROPERTIES)
    return (f"CREATE TABLE IF NOT EXISTS {env.processed_table(model)} (\n  {columns}\n)\nUSING DELTA\n"
            f"TBLPROPERTIES ({properties})")


def input_columns(model: ModelConfig) -> list[str]:
    """What a request record carries, in signature order: the features, then business keys not among them."""
    return [*(f.name for f in model.features), *key_columns(model)]


def _record_of(model: ModelConfig, value_at: str) -> str:
    """A record struct of text values; `value_at` maps (column, signature position) to an expression."""
    fields = ", ".join(f"'{name}', {value_at.format(name=name, pos=pos)}"
                       for pos, name in enumerate(input_columns(model)))
    return f"named_struct({fields})"


def _records_sql(model: ModelConfig, key: str) -> str:
    """Records under one request key in any pyfunc layout: objects, rows in signature order, or columns.

    Columns are parsed once and bound to `c` by a one-element `transform`, so each row parses its JSON once.
    """
    text_struct = ", ".join(f"{name}: STRING" for name in input_columns(model))
    columns = ", ".join(f"{name}: ARRAY<STRING>" for name in input_columns(model))
    first = input_columns(model)[0]
    as_rows = _record_of(model, "get(row, {pos})")
    as_columns = _record_of(model, "get(c.{name}, i)")
    json = f"r.{key}_json"
    return (f"CASE WHEN {json} LIKE '[{{%' THEN from_json({json}, 'ARRAY<STRUCT<{text_struct}>>')\n"
            f"      WHEN {json} LIKE '[[%' THEN\n"
            f"        transform(from_json({json}, 'ARRAY<ARRAY<STRING>>'), row -> {as_rows})\n"
            f"      WHEN {json} LIKE '{{%' THEN get(transform(array(from_json({json}, 'STRUCT<{columns}>')),\n"
            f"        c -> transform(array_repeat(0, size(c.{first})), (x, i) -> {as_columns})), 0)\n    END")


def _split_records_sql(model: ModelConfig) -> str:
    """`dataframe_split`: rows of values, placed by the request's own `columns` (signature order without)."""
    placed = _record_of(model, "get(row, IF(r.split.columns IS NULL, {pos}, "
                               "array_position(r.split.columns, '{name}') - 1))")
    return f"transform(r.split.data, row -> {placed})"


def parsed_requests_sql(env: Environment, model: ModelConfig) -> str:
    """Successful requests not processed yet, with their records, predictions and served version."""
    processed, payload = env.processed_table(model), env.payload_table(model)
    keyed = [name for name in REQUEST_FORMATS if name != "dataframe_split"]
    pieces = "".join(f"    get_json_object(p.request, '$.{key}') AS {key}_json,\n" for key in keyed)
    by_format = {key: _records_sql(model, key) for key in keyed} | {"dataframe_split": _split_records_sql(model)}
    records = ",\n    ".join(by_format[name] for name in REQUEST_FORMATS)
    return f"""SELECT r.{REQUEST_ID_COL}, r.request_time, r.entity_version,
    coalesce(
    {records}) AS records,
    r.predictions
  FROM (
    SELECT p.{REQUEST_ID_COL}, p.request_time, e.entity_version,
{pieces}    from_json(get_json_object(p.request, '$.dataframe_split'),
      'STRUCT<columns: ARRAY<STRING>, data: ARRAY<ARRAY<STRING>>>') AS split,
    from_json(get_json_object(p.response, '$.predictions'), 'ARRAY<STRING>') AS predictions
    FROM {payload} AS p
    LEFT ANTI JOIN {processed} AS t ON p.{REQUEST_ID_COL} = t.{REQUEST_ID_COL}
    LEFT JOIN {_versions_sql()} AS e ON p.served_entity_id = e.served_entity_id
    WHERE p.status_code = 200
  ) AS r"""


def _versions_sql() -> str:
    return (f"(SELECT served_entity_id, max(entity_version) AS entity_version FROM {SERVED_ENTITIES_TABLE} "
            f"GROUP BY served_entity_id)")


def payload_unpack_sql(env: Environment, model: ModelConfig) -> str:
    """INSERT one row per record that has a prediction, for requests not in the processed table yet."""
    kind = prediction_type(model)
    types = {f.name: f.type for f in model.features}
    expressions = {
        REQUEST_ID_COL: f"r.{REQUEST_ID_COL}",
        RECORD_INDEX_COL: "pos",
        model.timestamp_col: "r.request_time",
        model.model_id_col: "r.entity_version",
        **{name: f"rec.{name}" for name in key_columns(model)},
        **{name: f"try_cast(rec.{name} AS {kind_})" for name, kind_ in types.items()},
        model.prediction_col: f"try_cast(try_cast(get(r.predictions, pos) AS DOUBLE) AS {kind})",
    }
    if model.label_col:  # ground truth arrives later and is merged by `label_merge_sql`
        expressions[model.label_col] = f"CAST(NULL AS {kind})"
    names = [c.name for c in processed_columns(model)]
    select_list = ",\n  ".join(f"{expressions[name]} AS {name}" for name in names)
    return f"""INSERT INTO {env.processed_table(model)} ({", ".join(names)})
SELECT
  {select_list}
FROM (
  {parsed_requests_sql(env, model)}
) AS r
LATERAL VIEW posexplode(r.records) exploded AS pos, rec
WHERE pos < size(r.predictions)"""


def rejected_count_sql(env: Environment, model: ModelConfig) -> str:
    """Successful requests that no pass could unpack (run after the insert: what is left is unreadable)."""
    processed, payload = env.processed_table(model), env.payload_table(model)
    return (f"SELECT count(*) AS rejected FROM {payload} AS p\n"
            f"LEFT ANTI JOIN {processed} AS t ON p.{REQUEST_ID_COL} = t.{REQUEST_ID_COL}\n"
            f"WHERE p.status_code = 200")


def fill_versions_sql(env: Environment, model: ModelConfig) -> str:
    """Give rows without a model version the one the system table now knows for their served entity."""
    processed, payload, version = env.processed_table(model), env.payload_table(model), model.model_id_col
    return f"""MERGE INTO {processed} AS t
USING (
  SELECT u.{REQUEST_ID_COL}, max(e.entity_version) AS entity_version
  FROM (SELECT DISTINCT {REQUEST_ID_COL} FROM {processed} WHERE {version} IS NULL) AS u
  JOIN {payload} AS p ON p.{REQUEST_ID_COL} = u.{REQUEST_ID_COL}
  JOIN {_versions_sql()} AS e ON p.served_entity_id = e.served_entity_id
  GROUP BY u.{REQUEST_ID_COL}
) AS s
ON t.{REQUEST_ID_COL} = s.{REQUEST_ID_COL} AND t.{version} IS NULL
WHEN MATCHED THEN UPDATE SET t.{version} = s.entity_version"""


def label_source_sql(env: Environment, model: ModelConfig, table: str, join: str, max_delay: str) -> str:
    """Each processed row's ground truth: by request id and record, or by business key within `max_delay`."""
    processed, label, kind = env.processed_table(model), model.label_col, prediction_type(model)
    if join == "request_id":
        return (f"SELECT {REQUEST_ID_COL}, {RECORD_INDEX_COL}, try_cast(max_by({label}, {LABELED_AT_COL}) AS {kind}) "
                f"AS label\n  FROM {table}\n  GROUP BY {REQUEST_ID_COL}, {RECORD_INDEX_COL}")
    keys = " AND ".join(f"CAST(g.{name} AS STRING) = CAST(t.{name} AS STRING)" for name in model.data.key_cols)
    ts = model.timestamp_col
    return f"""SELECT {REQUEST_ID_COL}, {RECORD_INDEX_COL}, label FROM (
    SELECT t.{REQUEST_ID_COL}, t.{RECORD_INDEX_COL}, try_cast(g.{label} AS {kind}) AS label,
      row_number() OVER (PARTITION BY t.{REQUEST_ID_COL}, t.{RECORD_INDEX_COL}
                         ORDER BY g.{ts}, g.{LABELED_AT_COL} DESC) AS nearest
    FROM {processed} AS t
    JOIN {table} AS g ON {keys}
      AND g.{ts} >= t.{ts} AND g.{ts} <= t.{ts} + INTERVAL '{max_delay}'
  ) WHERE nearest = 1"""


def label_merge_sql(env: Environment, model: ModelConfig, table: str, join: str, max_delay: str) -> str:
    """Merge ground truth into the processed table's label column; a rerun changes nothing."""
    label = model.label_col
    return f"""MERGE INTO {env.processed_table(model)} AS t
USING (
  {label_source_sql(env, model, table, join, max_delay)}
) AS s
ON t.{REQUEST_ID_COL} = s.{REQUEST_ID_COL} AND t.{RECORD_INDEX_COL} = s.{RECORD_INDEX_COL}
WHEN MATCHED AND s.label IS NOT NULL AND NOT (t.{label} <=> s.label) THEN UPDATE SET t.{label} = s.label"""


def decision_query_sql(env: Environment, model: ModelConfig) -> str:
    """Per window and served version: data drift, performance, violations (what `drift.decide` reads)."""
    assert model.monitor is not None
    return monitor_windows_sql(env, model, model.monitor)
