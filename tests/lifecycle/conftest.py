"""One trained MLflow store for the whole lifecycle suite, copied per test so each test owns its aliases.

The base store holds three versions of `product_recommender` in `staging` (an environment that
serves it), trained once per session by the real train task:
v1 on 2% of the rows (weak), v2 on all rows (strong), v3 on drifted data (stale for today's data).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import PlatformConfig, load_config
from lifecycle.context import TaskContext
from lifecycle.training.train import train
from tests.conftest import EXAMPLE_CONFIG

ENV = "staging"
MODEL = "product_recommender"
WEAK, STRONG, STALE = "1", "2", "3"
DATABRICKS_VARIABLES = ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CONFIG_PROFILE",
                        "DATABRICKS_RUNTIME_VERSION")


@pytest.fixture(scope="session")
def base_store(tmp_path_factory: pytest.TempPathFactory, example_config: PlatformConfig) -> Path:
    database = tmp_path_factory.mktemp("mlflow-base") / "mlflow.db"
    uri = f"sqlite:///{database}"
    ctx = TaskContext.resolve(example_config, ENV, MODEL, tracking_uri=uri, registry_uri=uri)
    versions = [train(ctx, data_fraction=0.02).version, train(ctx).version, train(ctx, drift=1.0).version]
    assert versions == [WEAK, STRONG, STALE]
    return database


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
