"""A model's `data` section: table names resolved per environment, bad references reported with file:line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from infra.config import PlatformConfig, load_config
from tests.configs import example_data, write_config
from tests.infra.test_config_errors import edited, reported_line, run_synth

LOOKUP = "        - {table: customer_features, lookup_keys: [customer_id], timestamp_key: event_ts}"

DATA_CASES = [
    # (id, old, new, expected fragments of the message, needle locating the reported line)
    ("undeclared-feature-table", LOOKUP, LOOKUP.replace("table: customer_features", "table: customer_feature"),
     ["models[0].data.feature_lookups[0].table", "'customer_feature' is not a declared feature table",
      "declared: customer_features"], "customer_feature,"),
    ("lookup-key-not-a-column", LOOKUP, LOOKUP.replace("[customer_id]", "[client_id]"),
     ["models[0].data.feature_lookups[0].lookup_keys[0]", "'client_id' is not a column of feature table "
      "'customer_features'", "its columns: customer_id, event_ts"], "client_id"),
    ("timestamp-key-not-a-column", LOOKUP, LOOKUP.replace("timestamp_key: event_ts", "timestamp_key: ts"),
     ["models[0].data.feature_lookups[0].timestamp_key", "'ts' is not a column of feature table"], "ts}"),
    ("holdout-out-of-range", "{split: time, holdout_fraction: 0.25}", "{split: time, holdout_fraction: 1.5}",
     ["models[0].data.evaluation.holdout_fraction", "less than 1"], "holdout_fraction: 1.5"),
    ("holdout-zero", "{split: time, holdout_fraction: 0.2}", "{split: time, holdout_fraction: 0}",
     ["models[1].data.evaluation.holdout_fraction", "greater than 0"], "holdout_fraction: 0}"),
    ("bad-table-name", "training_table: product_recommender_training", "training_table: Product-Recs",
     ["models[0].data.training_table", "'Product-Recs' is not a table name", "for example 'product_recs'"],
     "Product-Recs"),
    ("four-part-table-name", "scoring_table: price_elasticity_scoring", "scoring_table: a.b.c.d",
     ["models[1].data.scoring_table", "'a.b.c.d' is not a table name"], "a.b.c.d"),
    ("evaluation-cut-and-table", "evaluation: {table: inventory_demand_eval}",
     "evaluation: {table: inventory_demand_eval, split: time}",
     ["models[2].data.evaluation", "give split/holdout_fraction (a time cut of the training table) or table, "
      "not both"], "evaluation: {table: inventory_demand_eval, split"),
    ("business-key-without-keys", "      key_cols: [product_id, store_id]\n      ground_truth: {table: "
     "price_elasticity_labels", "      ground_truth: {table: price_elasticity_labels",
     ["models[1].data.ground_truth.join", "joining labels by 'business_key' needs key_cols"], "join: business_key"),
    ("bad-delay", 'max_delay: "14 days"', 'max_delay: "two weeks"',
     ["models[1].data.ground_truth.max_delay", "'two weeks' is not a delay", "'7 days'"], "two weeks"),
    ("unknown-join", "join: request_id", "join: session_id",
     ["models[0].data.ground_truth.join", "'session_id' is not allowed", "'request_id' or 'business_key'"],
     "session_id"),
    ("key-col-is-a-feature", "key_cols: [customer_id, product_id]", "key_cols: [customer_id, basket_value_30d]",
     ["models[0].data.key_cols[1]", "'basket_value_30d' is a feature, label, prediction or id column"],
     "key_cols: [customer_id, basket"),
    ("unknown-data-key", "      training_version: null", "      training_verison: null",
     ["models[0].data.training_verison", "did you mean 'training_version'"], "training_verison"),
]


@pytest.mark.parametrize(("old", "new", "fragments", "needle"), [c[1:] for c in DATA_CASES],
                         ids=[c[0] for c in DATA_CASES])
def test_bad_data_section_is_reported_with_file_line_and_fix(tmp_path, capsys, old, new, fragments, needle):
    path = edited(tmp_path, old, new)
    code, err = run_synth(tmp_path, path, capsys)
    assert code == 2
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err
    assert f"{path}:{reported_line(old, new, needle)}:" in err, err


def test_table_names_resolve_in_each_environment(example_config: PlatformConfig) -> None:
    recommender, elasticity, inventory = example_config.models
    prod = example_config.env("prod")
    assert prod.training_table(recommender) == "retail_prod.ml.product_recommender_training"
    assert prod.scoring_table(elasticity) == "retail_prod.ml.price_elasticity_scoring"
    assert prod.ground_truth_table(recommender) == "retail_prod.ml.product_recommender_labels"
    assert prod.evaluation_table(recommender) is None  # a time cut of the training table
    assert prod.evaluation_table(inventory) == "retail_prod.ml.inventory_demand_eval"
    assert prod.batch_predictions_table(recommender) == "retail_prod.ml.product_recommender_batch_predictions"
    assert example_config.env("dev").training_table(recommender) == "retail_dev.ml.product_recommender_training"
    assert prod.table("raw.orders") == "retail_prod.raw.orders"
    assert prod.table("shared.raw.orders") == "shared.raw.orders"
    assert recommender.data.evaluation.holdout == 0.25
    assert recommender.data.ground_truth.max_delay_interval == timedelta(days=7)


def test_a_model_without_data_reads_the_default_tables(tmp_path: Path) -> None:
    data = example_data()
    del data["models"][0]["data"]
    config = load_config(write_config(tmp_path / "p.yaml", data))
    model, staging = config.models[0], config.env("staging")
    assert staging.training_table(model) == "retail_staging.ml.product_recommender_training"
    assert staging.scoring_table(model) == "retail_staging.ml.product_recommender_scoring"
    assert staging.ground_truth_table(model) == "retail_staging.ml.product_recommender_labels"
    assert model.data.feature_lookups == [] and model.data.training_version is None
    assert model.data.evaluation.holdout == 0.25 and model.data.ground_truth.join == "request_id"
