"""The monitoring task's Spark SQL: parsed as Databricks SQL, then checked for tables and columns."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp

from infra.config import Environment, ModelConfig, PlatformConfig
from infra.config.tables import REQUEST_ID_COL, processed_columns
from lifecycle.examples.generator import feature_names
from lifecycle.monitoring import sql
from tests.synth_json import load_stacks, resources


def parse(statement: str) -> exp.Expression:
    return sqlglot.parse_one(statement, read="databricks")


def tables(tree: exp.Expression) -> set[str]:
    return {".".join(p for p in (t.catalog, t.db, t.name) if p) for t in tree.find_all(exp.Table)}


@pytest.fixture(params=["product_recommender", "inventory_demand"])
def target(request: pytest.FixtureRequest, example_config: PlatformConfig) -> tuple[Environment, ModelConfig]:
    return example_config.env("prod"), example_config.model(request.param)


def test_unpack_reads_payload_and_served_entities_and_writes_processed(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    tree = parse(sql.payload_unpack_sql(env, model))
    assert isinstance(tree, exp.Insert)
    assert tables(tree) == {env.payload_table(model), env.processed_table(model), sql.SERVED_ENTITIES_TABLE}
    insert_target = tree.this
    assert tables(insert_target) == {env.processed_table(model)}
    assert [c.name for c in insert_target.expressions] == [c.name for c in processed_columns(model)]


def test_unpack_selects_each_processed_column_in_order(target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    select = parse(sql.payload_unpack_sql(env, model)).expression
    expected = [REQUEST_ID_COL, model.timestamp_col, model.model_id_col, *feature_names(model),
                model.prediction_col, model.label_col]
    assert select.named_selects == expected


def test_unpack_uses_the_payload_columns_and_only_new_successful_requests(
        target: tuple[Environment, ModelConfig]) -> None:
    env, model = target
    tree = parse(sql.payload_unpack_sql(env, model))
    payload_columns = {c.name for c in tree.find_all(exp.Column) if c.table == "p"}
    assert payload_columns == {"databricks_request_id", "request_time", "request", "response", "status_code",
                               "served_entity_id"}
    text = sql.payload_unpack_sql(env, model)
    assert "p.status_code = 200" in text
    assert f"COALESCE(MAX({model.timestamp_col})" in text  # incremental: only requests newer than the last row
    for feature in model.features:
        assert f"{feature.name}: {feature.type}" in text  # the request JSON schema names every feature


def test_prediction_and_label_types_follow_the_problem_type(example_config: PlatformConfig) -> None:
    env = example_config.env("prod")
    create = parse(sql.create_processed_sql(env, example_config.model("product_recommender")))
    types = {c.name: c.args["kind"].sql("databricks") for c in create.find_all(exp.ColumnDef)}
    assert types["prediction"] == types["label"] == "BIGINT"
    assert types["event_ts"] == "TIMESTAMP" and types["basket_value_30d"] == "DOUBLE"
    regression = parse(sql.create_processed_sql(env, example_config.model("inventory_demand")))
    types = {c.name: c.args["kind"].sql("databricks") for c in regression.find_all(exp.ColumnDef)}
    assert types["forecast_units"] == types["actual_units"] == "DOUBLE"
    assert tables(regression) == {env.processed_table(example_config.model("inventory_demand"))}


def test_drift_query_reads_the_monitor_table_with_the_configured_metric(example_config: PlatformConfig) -> None:
    env, model = example_config.env("prod"), example_config.model("product_recommender")
    tree = parse(sql.drift_query_sql(env, model))
    assert tables(tree) == {env.drift_metrics_table(model)}
    assert tree.named_selects == ["window_start", "column_name", "drift_value"]
    text = sql.drift_query_sql(env, model)
    assert "js_distance AS drift_value" in text and "drift_type = 'CONSECUTIVE'" in text
    ks = model.model_copy(update={"monitor": model.monitor.model_copy(
        update={"drift_metric": "ks_statistic", "baseline_table": "retail_prod.ml.baseline"})})
    text = sql.drift_query_sql(env, ks)
    assert "ks_test.statistic AS drift_value" in text and "drift_type = 'BASELINE'" in text


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
