"""Training on governed data: pinned Delta versions, point-in-time lookups, lineage, reproducibility."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.deployment.promote import promote
from lifecycle.training import dataset
from lifecycle.training.train import TrainResult, train
from lifecycle.training.train import main as train_main
from lifecycle.validation.validate import VALIDATION_DATA_TAG
from tests.conftest import EXAMPLE_CONFIG, ROOT
from tests.lifecycle.conftest import CALM, ENV, MODEL, SHIFTED, STALE, STRONG, WEAK

TRAINING = "retail_staging.ml.product_recommender_training"
FEATURES = "retail_staging.ml.customer_features"


def test_point_in_time_lookup_takes_the_latest_feature_row_at_or_before_the_event(spark: Any) -> None:
    rows = spark.createDataFrame([(1, datetime(2025, 1, 5)), (1, datetime(2025, 1, 10)), (2, datetime(2025, 1, 5)),
                                  (3, datetime(2025, 1, 1))], "customer_id BIGINT, event_ts TIMESTAMP")
    features = spark.createDataFrame([(1, datetime(2025, 1, 1), 0.1), (1, datetime(2025, 1, 5), 0.5),
                                      (1, datetime(2025, 1, 8), 0.8), (1, datetime(2025, 1, 20), 9.9),
                                      (2, datetime(2025, 1, 6), 7.0), (3, datetime(2024, 12, 1), 3.0)],
                                     "customer_id BIGINT, ts TIMESTAMP, affinity DOUBLE")
    joined = dataset.point_in_time(rows, features, ["customer_id"], "event_ts", "ts", ["affinity"])
    got = {(r.customer_id, r.event_ts.day): r.affinity for r in joined.collect()}
    # at the event's own time counts; a later row never leaks in; no row before the event leaves NULL
    assert got == {(1, 5): 0.5, (1, 10): 0.8, (2, 5): None, (3, 1): 3.0}


def test_each_version_records_the_data_it_was_trained_on(ctx: TaskContext,
                                                          trained: tuple[Path, list[TrainResult]]) -> None:
    weak, strong, stale = trained[1]
    tags = ctx.client.get_model_version(ctx.model_name, STRONG).tags
    assert tags["lakestack.training_table"] == TRAINING and tags["lakestack.training_version"] == str(CALM)
    assert tags[f"lakestack.feature_table.{FEATURES}"] == "1"  # the latest at the start of the run
    assert ctx.client.get_model_version(ctx.model_name, STALE).tags["lakestack.training_version"] == str(SHIFTED)
    inputs = ctx.client.get_run(strong.run_id).inputs.dataset_inputs
    listed = {(i.dataset.name, i.dataset.source_type, next(t.value for t in i.tags)) for i in inputs}
    assert listed == {(f"{TRAINING}@v0", "delta_table", "training"),
                      (f"{FEATURES}@v1", "delta_table", "feature_lookup")}
    assert f'"delta_table_version": "{CALM}"' in next(i.dataset.source for i in inputs if "training" in i.dataset.name)
    assert weak.lineage == f"v{WEAK} <- {TRAINING}@0" and stale.lineage == f"v{STALE} <- {TRAINING}@1"


def test_the_same_config_at_the_same_versions_reproduces_the_metrics(ctx: TaskContext,
                                                                    trained: tuple[Path, list[TrainResult]]) -> None:
    strong = trained[1][1]
    again = train(ctx, training_version=CALM)  # the table has a newer version now: the pin decides
    assert again.pins == strong.pins
    assert again.metrics == strong.metrics
    assert again.rows == strong.rows


def test_validation_scores_both_models_on_the_candidates_recorded_data(ctx: TaskContext) -> None:
    promote(ctx, WEAK)
    result = promote(ctx, STRONG)
    assert result.validation.evaluation_data == f"{TRAINING}@{CALM}"
    assert result.validation.candidate_value > result.validation.champion_value
    assert ctx.client.get_model_version(ctx.model_name, STRONG).tags[VALIDATION_DATA_TAG] == f"{TRAINING}@{CALM}"
    assert f"evaluated on: {TRAINING}@{CALM}" in result.render()


def test_a_version_past_the_tables_history_is_bad_input(store_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL, "--training-version", "99"]
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert f"table {TRAINING} has no version 99 (latest: {SHIFTED})" in err and "Traceback" not in err


def test_a_missing_table_is_bad_input(ctx: TaskContext, spark: Any) -> None:
    with pytest.raises(InputError, match=r"table retail_prod\.ml\.product_recommender_training does not exist"):
        dataset.pin(spark, ctx.config.env("prod"), ctx.model)


PRODUCTION = ("lifecycle", "bootstrap", "infra", "lakestack")
SEEDING_ONLY = ("lifecycle/examples", "lifecycle/commands/demo.py", "lifecycle/commands/demo_promotion.py")


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


def test_no_production_code_imports_the_generator() -> None:
    """Only the example seeding and the demo may reach generated data; jobs read the configured tables."""
    offenders = []
    for package in PRODUCTION:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith(SEEDING_ONLY):
                continue
            if any(name.startswith("lifecycle.examples") for name in _imports(path)):
                offenders.append(relative)
    assert offenders == []
