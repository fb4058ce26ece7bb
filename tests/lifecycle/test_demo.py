"""`lakestack demo`: the whole cycle on local Spark + Delta and a fresh local store, from the shipped config.

The demo runs in the test session's Spark; its environments get catalogs of their own (`demo_<catalog>`)
so its tables never meet the other tests' tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_config
from lakestack.cli import main
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from tests.conftest import EXAMPLE_CONFIG
from tests.lifecycle.conftest import DATABRICKS_VARIABLES, write_config

STEPS = (
    "seed the example tables",
    "train at the training table's latest Delta version",
    "validate and promote (no champion yet)",
    "batch score the scoring table with the Champion",
    "serve 3 days of requests like the training data; their labels arrive late; monitor",
    "customer behaviour shifts: 3 more days of requests, then their labels; monitor",
    "the training table is refreshed with the shifted weeks; retrain at its new version",
    "champion/challenger on the challenger's evaluation data, then promote",
    "lineage of the champion",
)
CATALOG = "demo_retail_staging"


def own_catalogs(raw: dict[str, Any]) -> None:
    for env in raw["environments"].values():
        env["catalog"] = f"demo_{env['catalog']}"


def test_demo_runs_the_lifecycle_and_prints_the_lineage(tmp_path: Path, spark: Any, monkeypatch: pytest.MonkeyPatch,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    for name in DATABRICKS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = write_config(tmp_path, own_catalogs)
    workdir = tmp_path / "demo"
    assert main(["demo", "--config", str(config), "--workdir", str(workdir)]) == 0
    out = capsys.readouterr().out
    positions = [out.index(f"] {title}") for title in STEPS]
    assert positions == sorted(positions)
    assert out.count("/9 +") == len(STEPS)  # every step line shows the elapsed time
    before_shift, after_shift = out.split(STEPS[5])
    assert "drift check: no retraining" in before_shift and "drift check: retrain" in after_shift
    assert "would start the training job retail-ml-staging-product_recommender-training" in after_shift
    assert out.count(f"promoted: {CATALOG}.ml.product_recommender") == 2
    assert "champion: v1 -> v2" in out
    assert f"model v2 <- {CATALOG}.ml.product_recommender_training@1" in out

    uri = f"sqlite:///{workdir / 'mlflow.db'}"
    ctx = TaskContext.resolve(load_config(config), "staging", "product_recommender", tracking_uri=uri,
                              registry_uri=uri)
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": "2"}
    assert registry.champion_history(ctx.client, ctx.model_name) == ["1"]
    run = ctx.client.get_run(ctx.client.get_model_version(ctx.model_name, "2").run_id)
    assert f"{CATALOG}.ml.product_recommender_training@v1" in {i.dataset.name for i in run.inputs.dataset_inputs}
    batch = spark.table(f"{CATALOG}.ml.product_recommender_batch_predictions").toPandas()
    assert set(batch["run_id"]) == {"demo-batch-1"} and set(batch["model_version"]) == {"1"}


def test_demo_refuses_to_wipe_a_foreign_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notes.txt").write_text("keep me")
    assert main(["demo", "--config", str(EXAMPLE_CONFIG), "--workdir", str(tmp_path)]) == 2
    assert "is not a demo directory" in capsys.readouterr().err
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def promotion_catalogs(raw: dict[str, Any]) -> None:
    for env in raw["environments"].values():
        env["catalog"] = f"promo_{env['catalog']}"


def test_the_deploy_model_demo_moves_one_version_from_dev_to_prod(tmp_path: Path, spark: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """inventory_demand is trained once in dev; staging and prod each receive and validate a copy."""
    from lifecycle.commands.demo_promotion import run_promotion_demo

    for name in DATABRICKS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = load_config(write_config(tmp_path, promotion_catalogs))
    lines: list[str] = []
    lineage = run_promotion_demo(config, None, tmp_path / "store", out=lines.append)
    assert lineage.startswith(
        "promo_retail_prod.ml.inventory_demand v1 <- promo_retail_staging.ml.inventory_demand/1 <- ")
    assert lineage.endswith("promo_retail_dev.ml.inventory_demand_training@0")
    text = "\n".join(lines)
    assert "promo_retail_dev.ml.inventory_demand v1 -> promo_retail_staging.ml.inventory_demand v1 (copied)" in text
    assert text.count("promoted: ") == 3  # dev's champion, then each receiving environment's own decision


def test_the_deploy_model_demo_refuses_a_deploy_code_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["demo", "--deploy-model", "--model", "product_recommender", "--config", str(EXAMPLE_CONFIG),
                 "--workdir", str(tmp_path / "demo")])
    err = capsys.readouterr().err
    assert code == 2 and "model 'product_recommender' uses strategy deploy-code" in err and "Traceback" not in err
