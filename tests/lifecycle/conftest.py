"""Seeded Delta tables and one trained MLflow store for the whole lifecycle suite (the store is copied per
test so each test owns its aliases).

The example tables of `product_recommender` in `staging` (an environment that serves it) are seeded
once per session on the shared local Spark: version 0 of the training table holds four weeks of
calm data; version 1 appends two weeks after customer behaviour shifted. The base store holds three
versions trained by the real train task: v1 on 2% of version 0 (weak), v2 on all of version 0
(strong), v3 on version 1 (stale: trained mostly before the shift, judged on the weeks after it).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from infra.config import PlatformConfig, load_config
from lifecycle.context import TaskContext
from lifecycle.examples.generator import DAYS, START
from lifecycle.examples.seed import Seeded, seed_model_tables
from lifecycle.training.train import TrainResult, train
from tests.conftest import EXAMPLE_CONFIG

ENV = "staging"
MODEL = "product_recommender"
WEAK, STRONG, STALE = "1", "2", "3"
CALM, SHIFTED = 0, 1  # versions of the training table
SHIFTED_ROWS = 2000
DATABRICKS_VARIABLES = ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE",
                        "DATABRICKS_RUNTIME_VERSION")


@pytest.fixture(scope="session")
def seeded(spark: Any, example_config: PlatformConfig) -> list[Seeded]:
    """The example tables: calm data (training version 0), then shifted weeks appended (version 1)."""
    env, model = example_config.env(ENV), example_config.model(MODEL)
    assert model is not None
    calm = seed_model_tables(spark, env, model)
    shifted = seed_model_tables(spark, env, model, rows=SHIFTED_ROWS, drift=1.0, seed=1,
                                start=START + pd.Timedelta(days=DAYS + 1), append=True)
    assert (calm.versions[env.training_table(model)], shifted.versions[env.training_table(model)]) == (CALM, SHIFTED)
    return [calm, shifted]


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory, example_config: PlatformConfig,
            seeded: list[Seeded]) -> tuple[Path, list[TrainResult]]:
    database = tmp_path_factory.mktemp("mlflow-base") / "mlflow.db"
    uri = f"sqlite:///{database}"
    ctx = TaskContext.resolve(example_config, ENV, MODEL, tracking_uri=uri, registry_uri=uri)
    results = [train(ctx, data_fraction=0.02, training_version=CALM), train(ctx, training_version=CALM),
               train(ctx, training_version=SHIFTED)]
    assert [r.version for r in results] == [WEAK, STRONG, STALE]
    return database, results


@pytest.fixture(scope="session")
def base_store(trained: tuple[Path, list[TrainResult]]) -> Path:
    return trained[0]


@pytest.fixture
def store_uri(base_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the base store, named by the standard MLflow variables; Databricks unset."""
    copy = tmp_path / "mlflow.db"
    shutil.copy(base_store, copy)
    uri = f"sqlite:///{copy}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_REGISTRY_URI", uri)
    for name in DATABRICKS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return uri


@pytest.fixture
def ctx(example_config: PlatformConfig, store_uri: str) -> TaskContext:
    return TaskContext.resolve(example_config, ENV, MODEL)


def write_config(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    """The example config with one change, written next to the test's store."""
    raw = yaml.safe_load(EXAMPLE_CONFIG.read_text())
    change(raw)
    path = tmp_path / "platform.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    load_config(path)  # the variant itself must be valid
    return path


def model_entry(raw: dict[str, Any], name: str = MODEL) -> dict[str, Any]:
    return next(m for m in raw["models"] if m["name"] == name)
