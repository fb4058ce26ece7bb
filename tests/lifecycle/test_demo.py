"""`lakestack demo`: the whole cycle on a fresh local store, from the shipped config."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import PlatformConfig
from lakestack.cli import main
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from tests.conftest import EXAMPLE_CONFIG
from tests.lifecycle.conftest import DATABRICKS_VARIABLES

STEPS = (
    "[1/7] train on the current data",
    "[2/7] validate and promote (no champion yet)",
    "[3/7] batch score with the Champion",
    "[4/7] serve 5 days of traffic like the training data, then run the monitoring task",
    "[5/7] simulate drift: 4 more days as customer behaviour shifts, then run the monitoring task",
    "[6/7] retrain on the drifted data",
    "[7/7] validate against the champion on the drifted data and promote",
)


def test_demo_runs_train_promote_drift_retrain_promote(tmp_path: Path, example_config: PlatformConfig,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    for name in DATABRICKS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    workdir = tmp_path / "demo"
    assert main(["demo", "--config", str(EXAMPLE_CONFIG), "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    positions = [out.index(step) for step in STEPS]
    assert positions == sorted(positions)
    calm, drifted = out.split(STEPS[4])
    assert "drift check: no retraining" in calm and "drift check: retrain" in drifted
    assert "would start the training job retail-ml-staging-product_recommender-training" in drifted
    assert out.count("promoted: retail_staging.ml.product_recommender") == 2
    assert "champion: v1 -> v2" in out
    assert ("serving endpoint retail-ml-staging-product-recommender: skipped: offline: "
            "no Databricks host configured") in out

    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    ctx = TaskContext.resolve(example_config, "staging", "product_recommender", tracking_uri=uri, registry_uri=uri)
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": "2"}
    assert registry.champion_history(ctx.client, ctx.model_name) == ["1"]
    assert (workdir / "batch_predictions.parquet").is_file()


def test_demo_refuses_to_wipe_a_foreign_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["demo", "--config", str(EXAMPLE_CONFIG), "--workdir", str(tmp_path)]) == 2
    assert "is not a demo directory" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep me"
