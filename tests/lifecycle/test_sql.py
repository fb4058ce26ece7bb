"""The monitoring task's Spark SQL, parsed as Databricks SQL: tables, columns, and the shapes that keep it safe.

What the statements do on data is tested on a real local Spark in `test_monitor_spark.py`; here, what
must hold for every model of the config.
"""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from infra.config import Environment, ModelConfig, PlatformConfig
from infra.config.model import ALERT_DELAY_MINUTES
from infra.config.tables import (
    RECORD_INDEX_COL,
    REQUEST_ID_COL,
    latest_violation_sql,
    monitor_windows_sql,
    performance_rule,
    processed_columns,
)
from lifecycle.monitoring import labels, sql
from tests.synth_json import load_stacks, resources


def parse(statement: str) -> exp.Expression:
    return sqlglot.parse_one(statement, read="databricks")


def tables(tree: exp.Expression) -> set[str]:
    return {".".join(p for p in (t.catalog, t.db, t.name) if p) for t in tree.find_all(exp.Table)} - {""}


@pytest.fixture(params=["product_recommender", "price_elasticity", "inventory_demand"])
def target(request: pytest.FixtureRequest, example_config: PlatformConfig) -> tuple[Environment, ModelConfig]:
    return example_config.env("prod"), example_config.model(request.param)


def test_unpack_reads_payload_and_served_entities_and_writes_processed(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    tree = parse(sql.payload_unpack_sql(env, model))
    assert isinstance(tree, exp.Insert)
    assert tables(tree) >= {env.payload_table(model), env.processed_table(model), sql.SERVED_ENTITIES_TABLE}
    assert [c.name for c in tree.this.expressions] == [c.name for c in processed_columns(model)]
    assert tree.expression.named_selects == [c.name for c in processed_columns(model)]


def test_unpack_tracks_requests_by_id_not_by_time(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    text = sql.payload_unpack_sql(env, model)
    assert f"LEFT ANTI JOIN {env.processed_table(model)} AS t ON p.{REQUEST_ID_COL} = t.{REQUEST_ID_COL}" in text
    assert "max(" not in text.lower() or "max(entity_version)" in text  # no timestamp watermark
    assert "p.status_code = 200" in text


def test_unpack_has_no_expression_that_fails_on_one_bad_payload(target: tuple[Environment, ModelConfig]) -> None:
    """Under ANSI, `a[i]`, `element_at`, `CAST` and `from_json(... FAILFAST)` fail the whole INSERT."""
    env, model = target
    text = sql.payload_unpack_sql(env, model)
    assert not re.search(r"\w\[\w+\]", text) and "element_at(" not in text
    assert not re.search(r"(?<!try_)cast\((?!NULL)", text, re.IGNORECASE)
    assert "FAILFAST" not in text
    for name in sql.REQUEST_FORMATS:
        assert f"$.{name}" in text  # every pyfunc request format is read
    assert "WHERE pos < size(r.predictions)" in text  # a short response yields only the rows it answers


def test_prediction_and_label_types_follow_the_problem_type(example_config: PlatformConfig) -> None:
    env = example_config.env("prod")
    create = parse(sql.create_processed_sql(env, example_config.model("product_recommender")))
    types = {c.name: c.args["kind"].sql("databricks") for c in create.find_all(exp.ColumnDef)}
    assert types["prediction"] == types["label"] == "BIGINT"
    assert types["event_ts"] == "TIMESTAMP" and types["basket_value_30d"] == "DOUBLE"
    assert types[RECORD_INDEX_COL] == "INT" and types["customer_id"] == "STRING"  # the business key is carried
    regression = parse(sql.create_processed_sql(env, example_config.model("inventory_demand")))
    types = {c.name: c.args["kind"].sql("databricks") for c in regression.find_all(exp.ColumnDef)}
    assert types["forecast_units"] == types["actual_units"] == "DOUBLE"


def test_versions_and_labels_are_merged_by_request(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    fill = parse(sql.fill_versions_sql(env, model))
    assert isinstance(fill, exp.Merge) and tables(fill.this) == {env.processed_table(model)}
    assert f"t.{model.model_id_col} IS NULL" in sql.fill_versions_sql(env, model)
    merge = labels.merge_labels_sql(env, model)
    tree = parse(merge)
    assert isinstance(tree, exp.Merge) and env.ground_truth_table(model) in tables(tree)
    assert f"t.{REQUEST_ID_COL} = s.{REQUEST_ID_COL} AND t.{RECORD_INDEX_COL} = s.{RECORD_INDEX_COL}" in merge
    assert f"NOT (t.{model.label_col} <=> s.label)" in merge  # idempotent: a rerun updates nothing
    if model.data.ground_truth.join == "business_key":
        assert f"INTERVAL '{model.data.ground_truth.max_delay}'" in merge
        for key in model.data.key_cols:
            assert f"CAST(g.{key} AS STRING) = CAST(t.{key} AS STRING)" in merge


def test_the_decision_reads_both_metric_tables_per_version(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    text = sql.decision_query_sql(env, model)
    tree = parse(text)
    assert tables(tree) >= {env.drift_metrics_table(model), env.profile_metrics_table(model)}
    assert tree.named_selects == ["window_start", "model_version", "data_drift", "performance",
                                  "data_drift_violated", "performance_violated"]
    assert text.count("model_id_col AS model_version") == 2  # drift and performance grouped by served version
    assert "ks_test.statistic" in text and "js_distance" not in text.split("THEN")[1].split("ELSE")[0]
    assert "column_name = ':table'" in text


def test_the_performance_rule_comes_from_validation_or_the_first_window(example_config: PlatformConfig) -> None:
    recommender = example_config.model("product_recommender")  # roc_auc: no monitor equivalent
    rule = performance_rule(recommender, recommender.monitor)
    assert (rule.metric, rule.threshold, rule.higher_is_better) == ("accuracy_score", None, True)
    assert "performance < baseline - 0.05" in monitor_windows_sql(example_config.env("prod"), recommender,
                                                                  recommender.monitor)
    demand = example_config.model("inventory_demand")  # rmse, threshold 12: the same quantity
    rule = performance_rule(demand, demand.monitor)
    assert (rule.metric, rule.threshold, rule.higher_is_better) == ("root_mean_squared_error", 12.0, False)
    assert "performance > 12.0" in monitor_windows_sql(example_config.env("prod"), demand, demand.monitor)


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_the_alert_and_the_job_decide_from_the_same_query(example_config: PlatformConfig, example_synth_dir,
                                                          env_name: str) -> None:
    env = example_config.env(env_name)
    stack = load_stacks(example_synth_dir)[env_name]
    for model in env.monitored_models:
        alert = resources(stack, "databricks_alert_v2")[f"drift_alert_{model.name}"]
        assert alert["query_text"] == latest_violation_sql(env, model, model.monitor)
        assert sql.decision_query_sql(env, model) in alert["query_text"]
        assert alert["evaluation"]["source"]["name"] == "violated"
        assert alert["evaluation"]["threshold"]["value"]["double_value"] == 0
        monitor = resources(stack, "databricks_quality_monitor")[f"monitor_{model.name}"]
        refresh = monitor["schedule"][0]["quartz_cron_expression"].split()
        checked = alert["schedule"]["quartz_cron_schedule"].split()
        delay = (int(checked[2]) * 60 + int(checked[1])) - (int(refresh[2]) * 60 + int(refresh[1]))
        assert delay == ALERT_DELAY_MINUTES  # after the refresh whose metrics it reads


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_the_job_writes_exactly_the_table_terraform_declares(example_config: PlatformConfig, example_synth_dir,
                                                             env_name: str) -> None:
    """The monitoring job's CREATE and INSERT name the columns (and types) of the synthesized sql table."""
    env = example_config.env(env_name)
    stack = load_stacks(example_synth_dir)[env_name]
    for model in env.monitored_models:
        declared = resources(stack, "databricks_sql_table")[f"predictions_{model.name}"]
        declared_columns = [(c["name"], c["type"]) for c in declared["column"]]
        create = parse(sql.create_processed_sql(env, model))
        created = [(c.name, c.args["kind"].sql("databricks")) for c in create.find_all(exp.ColumnDef)]
        inserted = [c.name for c in parse(sql.payload_unpack_sql(env, model)).this.expressions]
        assert created == declared_columns
        assert inserted == [name for name, _ in declared_columns]
