"""Serving endpoints, processed inference tables, quality monitors and drift alerts per served model."""

from __future__ import annotations

import pytest

from infra.synth import synth
from tests.configs import config_from_data, example_data
from tests.synth_json import load_resolved_stacks, load_stacks, ref, resources

MODELS = ("product_recommender", "price_elasticity", "inventory_demand")
THRESHOLDS = {"product_recommender": 0.2, "price_elasticity": 0.15, "inventory_demand": 0.25}
QUERY_GROUPS = {
    "product_recommender": {"retail-merchandising-apps", "retail-data-scientists"},
    "price_elasticity": {"retail-merchandising-apps"},
    "inventory_demand": {"retail-merchandising-apps"},
}


@pytest.fixture(scope="module")
def stacks(example_synth_dir):
    """Names resolved through same-stack references (as a plan shows them); test_apply_order.py checks the
    references themselves."""
    return load_resolved_stacks(example_synth_dir)


def by_name(stack, type_, key):
    return {r[key]: r for r in resources(stack, type_).values()}


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_each_served_model_has_exactly_one_governed_endpoint(stacks, env):
    endpoints = resources(stacks[env], "databricks_model_serving")
    assert sorted(endpoints) == sorted(f"serving_{m}" for m in MODELS)
    for model in MODELS:
        endpoint = endpoints[f"serving_{model}"]
        assert endpoint["name"] == f"retail-ml-{env}-{model.replace('_', '-')}"
        gateway = endpoint["ai_gateway"]
        assert gateway["inference_table_config"] == {
            "catalog_name": f"retail_{env}", "schema_name": "inference", "table_name_prefix": model, "enabled": True,
        }
        assert gateway["usage_tracking_config"] == {"enabled": True}
        assert endpoint["lifecycle"]["ignore_changes"] == ["config"]
        assert "config" not in endpoint, "served entities belong to the deployment task"


def test_rate_limits_come_from_config(stacks):
    limits = resources(stacks["prod"], "databricks_model_serving")["serving_product_recommender"]["ai_gateway"]
    assert limits["rate_limits"] == [
        {"calls": 2000, "key": "endpoint", "renewal_period": "minute"},
        {"calls": 200, "key": "user", "renewal_period": "minute"},
    ]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_endpoint_permissions_query_for_named_groups_manage_for_deployer_only(stacks, env):
    for model in MODELS:
        perms = resources(stacks[env], "databricks_permissions")[f"serving_permissions_{model}"]
        endpoint_id = ref("databricks_model_serving", f"serving_{model}", "serving_endpoint_id")
        assert perms["serving_endpoint_id"] == endpoint_id
        query = {a["group_name"] for a in perms["access_control"] if a["permission_level"] == "CAN_QUERY"}
        manage = [a for a in perms["access_control"] if a["permission_level"] == "CAN_MANAGE"]
        assert query == QUERY_GROUPS[model]
        assert len(manage) == 1 and "group_name" not in manage[0]
        assert "application_id" in manage[0]["service_principal_name"]


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_each_served_model_has_one_monitor_on_its_processed_table_and_one_drift_alert(stacks, env):
    stack = stacks[env]
    tables = resources(stack, "databricks_sql_table")
    monitors = by_name(stack, "databricks_quality_monitor", "table_name")
    alerts = resources(stack, "databricks_alert_v2")
    assert len(alerts) == len(MODELS)
    for model in MODELS:
        table = tables[f"predictions_{model}"]
        assert (table["catalog_name"], table["schema_name"], table["name"]) == (
            f"retail_{env}", "inference", f"{model}_predictions")
        monitor = monitors[f"retail_{env}.inference.{model}_predictions"]
        assert monitor["output_schema_name"] == f"retail_{env}.monitoring"
        assert monitor["schedule"][0]["quartz_cron_expression"] == "0 0 6 * * ?"
        assert alerts[f"drift_alert_{model}"]["schedule"]["quartz_cron_schedule"] == "0 0 7 * * ?"  # an hour later
        assert monitor["notifications"][0]["on_failure"][0]["email_addresses"] == ["ml-platform-oncall@acme.example"]
        alert = alerts[f"drift_alert_{model}"]
        assert f"retail_{env}.monitoring.{model}_predictions_drift_metrics" in alert["query_text"]
        assert f"retail_{env}.monitoring.{model}_predictions_profile_metrics" in alert["query_text"]
        assert f"data_drift > {THRESHOLDS[model]}" in alert["query_text"]  # the model's threshold, in the query
        evaluation = alert["evaluation"]
        assert evaluation["comparison_operator"] == "GREATER_THAN" and evaluation["source"]["name"] == "violated"
        assert evaluation["threshold"]["value"]["double_value"] == 0
        assert evaluation["notification"]["subscriptions"] == [{"user_email": "ml-platform-oncall@acme.example"}]
        assert "schedule" in alert


def test_inference_log_profile_follows_the_model_config(stacks):
    monitors = by_name(stacks["prod"], "databricks_quality_monitor", "table_name")
    recommender = monitors["retail_prod.inference.product_recommender_predictions"]["inference_log"][0]
    assert recommender == {
        "problem_type": "PROBLEM_TYPE_CLASSIFICATION", "prediction_col": "prediction", "label_col": "label",
        "timestamp_col": "event_ts", "model_id_col": "model_version", "granularities": ["1 day"],
    }
    demand = monitors["retail_prod.inference.inventory_demand_predictions"]["inference_log"][0]
    assert demand["problem_type"] == "PROBLEM_TYPE_REGRESSION"
    assert demand["prediction_col"] == "forecast_units"
    assert monitors["retail_prod.inference.product_recommender_predictions"]["slicing_exprs"] == [
        "category_affinity > 0.5"]


def test_processed_table_columns_come_from_the_model(stacks):
    table = resources(stacks["prod"], "databricks_sql_table")["predictions_price_elasticity"]
    names = [c["name"] for c in table["column"]]
    assert names == ["databricks_request_id", "record_index", "event_ts", "model_version", "product_id", "store_id",
                     "price_change_pct", "competitor_price_gap", "promo_depth", "seasonality_index", "store_traffic",
                     "prediction", "observed_demand_change"]


def test_feature_table_gets_a_time_series_monitor(stacks):
    monitor = resources(stacks["prod"], "databricks_quality_monitor")["feature_monitor_customer_features"]
    assert monitor["table_name"] == "retail_prod.ml.customer_features"
    assert monitor["time_series"] == [{"granularities": ["1 day"], "timestamp_col": "event_ts"}]


def test_dev_serves_nothing_by_default(stacks):
    for type_ in ("databricks_model_serving", "databricks_quality_monitor", "databricks_alert_v2",
                  "databricks_permissions"):
        assert resources(stacks["dev"], type_) == {}
    tables = resources(stacks["dev"], "databricks_sql_table")  # only the batch jobs' outputs
    assert set(tables) == {f"batch_predictions_{m}" for m in ("product_recommender", "price_elasticity",
                                                              "inventory_demand")}


def test_every_environment_declares_the_batch_predictions_tables(stacks):
    for env in ("dev", "staging", "prod"):
        table = resources(stacks[env], "databricks_sql_table")["batch_predictions_product_recommender"]
        assert (table["catalog_name"], table["schema_name"]) == (f"retail_{env}", "ml")
        assert table["name"] == "product_recommender_batch_predictions"
        assert [c["name"] for c in table["column"]] == ["customer_id", "product_id", "event_ts", "prediction",
                                                        "model_version", "scored_at", "run_id", "scoring_version"]
        assert {c["name"]: c["type"] for c in table["column"]}["customer_id"] == "BIGINT"  # from customer_features
        assert table.get("lifecycle", {}).get("prevent_destroy", False) is (env == "prod")


@pytest.fixture(scope="module")
def variant_stacks(tmp_path_factory):
    """price_elasticity without serving or monitor; staging serves only the recommender; a given warehouse."""
    tmp = tmp_path_factory.mktemp("variant")
    data = example_data()
    del data["models"][1]["serving"]
    del data["models"][1]["monitor"]
    data["environments"]["staging"]["serving"] = ["product_recommender"]
    data["environments"]["prod"]["warehouse_id"] = "abc123"
    synth(config_from_data(tmp, data), tmp / "out")
    return load_stacks(tmp / "out")


def test_a_model_without_serving_gets_no_endpoint_monitor_or_alert(variant_stacks):
    prod = variant_stacks["prod"]
    assert "serving_price_elasticity" not in resources(prod, "databricks_model_serving")
    assert "monitor_price_elasticity" not in resources(prod, "databricks_quality_monitor")
    assert "drift_alert_price_elasticity" not in resources(prod, "databricks_alert_v2")
    assert "model_price_elasticity" in resources(prod, "databricks_registered_model")
    assert len(resources(prod, "databricks_model_serving")) == 2


def test_environment_serving_list_restricts_served_models(variant_stacks):
    assert list(resources(variant_stacks["staging"], "databricks_model_serving")) == ["serving_product_recommender"]


def test_configured_warehouse_replaces_the_declared_one(variant_stacks):
    prod = variant_stacks["prod"]
    assert resources(prod, "databricks_sql_endpoint") == {}
    assert {m["warehouse_id"] for m in resources(prod, "databricks_quality_monitor").values()} == {"abc123"}
    assert "databricks_sql_endpoint" in variant_stacks["staging"]["resource"]


def test_snapshot_feature_table_gets_a_snapshot_monitor(tmp_path):
    data = example_data()
    data["feature_tables"][0]["profile"] = "snapshot"
    synth(config_from_data(tmp_path, data), tmp_path / "out")
    monitor = resources(load_resolved_stacks(tmp_path / "out")["prod"], "databricks_quality_monitor")[
        "feature_monitor_customer_features"]
    assert monitor["snapshot"] == [{}]
    assert "time_series" not in monitor
