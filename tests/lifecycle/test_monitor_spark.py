"""One monitoring pass on the shared local Spark + Delta session (ANSI on), as the job and the demo run it.

Payloads are written the way the AI Gateway writes them (`gateway.py`), then `run_monitor` unpacks,
merges labels, computes the metric tables' stand-in and decides. Each test owns its environment's
monitoring tables (dropped first).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest

from infra.config import PlatformConfig
from infra.config.tables import latest_violation_sql
from lifecycle.context import TaskContext
from lifecycle.monitoring import gateway, sql
from lifecycle.monitoring.monitor import run_monitor

ENV = "prod"
START = datetime(2025, 3, 1)


def offline(_env):
    return None


@pytest.fixture
def fresh(spark, example_config: PlatformConfig):
    """A context factory whose model's monitoring tables (and the served-entities table) start empty."""

    def make(model_name: str) -> TaskContext:
        ctx = TaskContext.resolve(example_config, ENV, model_name, tracking_uri="sqlite:///unused.db")
        env, model = ctx.env, ctx.model
        gateway.ensure_tables(spark, env, model)
        for table in (env.payload_table(model), env.processed_table(model), env.ground_truth_table(model),
                      env.profile_metrics_table(model), env.drift_metrics_table(model), sql.SERVED_ENTITIES_TABLE):
            spark.sql(f"DROP TABLE IF EXISTS {table}")
        return ctx

    return make


def records(ctx: TaskContext, rows: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    columns = sql.input_columns(ctx.model)
    frame = pd.DataFrame(rng.normal(loc=shift, size=(rows, len(columns))), columns=columns)
    for key in columns[len(ctx.model.features):]:
        frame[key] = [f"{key}-{seed}-{i}" for i in range(rows)]
    return frame


def hours(day: int, count: int) -> list[datetime]:
    """`count` request times spread over day `day`."""
    return [START + timedelta(days=day, minutes=i * (24 * 60 // count)) for i in range(count)]


def payload_row(request_id: str, request: str, response: str, entity: str = "entity-1",
                when: datetime = START) -> tuple:
    return (request_id, None, when.date(), when, 200, 1.0, 5, request, response, entity, None, "test")


def processed(spark, ctx: TaskContext) -> pd.DataFrame:
    return spark.table(ctx.env.processed_table(ctx.model)).toPandas()


def test_unpack_takes_every_format_survives_bad_payloads_and_late_rows_and_fills_versions_later(spark, fresh) -> None:
    ctx = fresh("product_recommender")
    env, model = ctx.env, ctx.model
    features = [f.name for f in model.features]
    gateway.register_served_entity(spark, env, model, "entity-1", "1")
    frame = records(ctx, 12, seed=1)
    for position, request_format in enumerate(sql.REQUEST_FORMATS):
        chunk = frame.iloc[3 * position:3 * position + 3]
        gateway.log_requests(spark, env, model, chunk, [1, 0, 1], hours(0, 3), served_entity_id="entity-1",
                             request_format=request_format, records_per_request=3)
    values = {name: 0.5 for name in features}
    bad = [
        payload_row("malformed", "{not json", '{"predictions": [1]}'),
        payload_row("unknown-format", json.dumps({"columns": features}), '{"predictions": [1]}'),
        payload_row("short", json.dumps({"inputs": {name: [1.0, 2.0, 3.0] for name in features}}),
                    '{"predictions": [1, 0]}'),
        payload_row("rows", json.dumps({"instances": [[9.0] * len(features)]}), '{"predictions": [1]}'),
        payload_row("unknown-entity", json.dumps({"dataframe_records": [values]}), '{"predictions": [0]}',
                    entity="entity-2"),
    ]
    spark.createDataFrame(bad, gateway._schema(gateway.PAYLOAD_COLUMNS)).write.insertInto(env.payload_table(model))

    _, lines = run_monitor(ctx, spark=spark, connect=offline)
    rows = processed(spark, ctx)
    assert "unpacked 16 prediction row(s)" in lines[0] and "2 unreadable request(s)" in lines[0]
    assert sorted(rows.loc[rows.databricks_request_id == "short", "record_index"]) == [0, 1]  # no third row
    assert rows.loc[rows.databricks_request_id == "rows", "days_since_last_purchase"].tolist() == [9.0]
    gateway_rows = rows[~rows.databricks_request_id.isin(["short", "rows", "unknown-entity"])]
    assert np.allclose(sorted(gateway_rows[features[0]]), sorted(frame[features[0]]))  # every format, every value
    assert rows.loc[rows.databricks_request_id == "unknown-entity", model.model_id_col].isna().all()

    late = [payload_row("late", json.dumps({"dataframe_records": [values]}), '{"predictions": [1]}',
                        when=START - timedelta(days=30))]
    spark.createDataFrame(late, gateway._schema(gateway.PAYLOAD_COLUMNS)).write.insertInto(env.payload_table(model))
    gateway.register_served_entity(spark, env, model, "entity-2", "2")
    _, lines = run_monitor(ctx, spark=spark, connect=offline)
    rows = processed(spark, ctx)
    assert "unpacked 1 prediction row(s)" in lines[0] and "1 model version(s) filled in" in lines[0]
    assert "late" in set(rows.databricks_request_id)  # older than every processed row, still unpacked
    assert rows.loc[rows.databricks_request_id == "unknown-entity", model.model_id_col].tolist() == ["2"]
    assert len(rows) == 17 and not rows.duplicated(["databricks_request_id", "record_index"]).any()


def test_late_labels_reveal_a_performance_drop_that_data_drift_alone_would_not(spark, fresh) -> None:
    """Calm inputs; the labels arriving later show version 1 wrong from day 2 on while version 2 stays right."""
    ctx = fresh("product_recommender")  # drift_threshold 0.2, min_violating_windows 2, accuracy vs first window
    env, model = ctx.env, ctx.model
    placed = []
    for version in ("1", "2"):
        gateway.register_served_entity(spark, env, model, f"entity-{version}", version)
        for day in range(4):
            frame = records(ctx, 200, seed=10 * day + int(version))
            predictions = (frame[model.features[0].name] > 0).astype(int)
            where = gateway.log_requests(spark, env, model, frame, predictions, hours(day, 200),
                                         served_entity_id=f"entity-{version}")
            right = version == "2" or day < 2
            placed.append(where.assign(**{model.label_col: predictions if right else 1 - predictions}))

    decision, lines = run_monitor(ctx, spark=spark, connect=offline)
    assert not decision.retrain and "merged" not in " ".join(lines)  # no labels yet: no performance, calm data

    labels = pd.concat(placed, ignore_index=True)
    gateway.write_ground_truth(spark, env, model, labels, "request_id")
    decision, lines = run_monitor(ctx, spark=spark, connect=offline)
    assert f"merged {len(labels)} label(s)" in " ".join(lines)
    assert decision.retrain
    verdicts = {v.version: v for v in decision.verdicts}
    assert verdicts["1"].causes == ("performance",) and verdicts["1"].streak == 2
    assert verdicts["2"].streak == 0 and verdicts["2"].latest_performance == 1.0  # versions are not mixed
    assert verdicts["1"].latest_performance == 0.0

    decision_again, lines = run_monitor(ctx, spark=spark, connect=offline)  # a rerun changes nothing
    assert "merged 0 label(s)" in " ".join(lines) and "unpacked 0 prediction row(s)" in lines[0]
    assert decision_again.verdicts == decision.verdicts
    alert = spark.sql(latest_violation_sql(env, model, model.monitor)).collect()[0]["violated"]
    assert alert == 1  # the Terraform alert's query says the same on the same tables


def test_data_drift_triggers_on_the_numeric_statistic_and_labels_join_by_business_key(spark, fresh) -> None:
    ctx = fresh("price_elasticity")  # drift_threshold 0.15, min_violating_windows 1, ks_statistic for DOUBLE
    env, model = ctx.env, ctx.model
    gateway.register_served_entity(spark, env, model, "entity-1", "1")
    for day, shift in enumerate((0.0, 0.0, 2.0)):
        frame = records(ctx, 80, seed=day, shift=shift)
        gateway.log_requests(spark, env, model, frame, frame[model.features[0].name], hours(day, 80),
                             served_entity_id="entity-1")
    keys = list(model.data.key_cols)
    day_zero = records(ctx, 80, seed=0)
    truth = day_zero[keys].assign(**{model.timestamp_col: [t + timedelta(days=1) for t in hours(0, 80)],
                                     model.label_col: day_zero[model.features[0].name]})
    gateway.write_ground_truth(spark, env, model, truth, "business_key")

    decision, lines = run_monitor(ctx, spark=spark, connect=offline)
    assert "merged 80 label(s)" in " ".join(lines)  # day 0 predictions, labelled a day later by business key
    assert decision.retrain and decision.verdicts[0].causes == ("data drift",)
    drift = spark.table(env.drift_metrics_table(model)).where("column_name = 'promo_depth'").toPandas()
    assert drift["ks_test"].notna().all() and drift["js_distance"].isna().all()  # what the monitor fills for DOUBLE
