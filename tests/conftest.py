"""Shared fixtures: a private lakestack cache, the shipped example config, a local fake Databricks server, one
local Spark session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from infra.config import PlatformConfig, load_config
from lakestack.cache import CACHE_ENV
from lakestack.environ import variable_set
from tests.fakes.server import FakeDatabricks

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "infra" / "platform.yaml"


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run's own lakestack cache (`lakestack.cache`), for this process and the commands it starts: tests
    never read or fill the user's."""
    with variable_set(CACHE_ENV, str(tmp_path_factory.mktemp("lakestack-cache"))):
        yield


@pytest.fixture(scope="session")
def example_config() -> PlatformConfig:
    return load_config(EXAMPLE_CONFIG)


@pytest.fixture(scope="session")
def example_synth_dir(tmp_path_factory: pytest.TempPathFactory, example_config: PlatformConfig) -> Path:
    """The shipped example synthesized once per test session (read-only: copy it before changing it)."""
    from infra.synth import synth

    out = tmp_path_factory.mktemp("example-synth") / "cdktf.out"
    synth(example_config, out)
    return out


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory, example_config: PlatformConfig) -> Iterator[SparkSession]:
    """One local Spark + Delta session for the whole test run (ANSI on, in-memory catalog, a tmp warehouse).

    Started only when a test asks for it; the example's environment catalogs are registered.
    """
    from lifecycle.spark import local_session

    session = local_session(example_config, tmp_path_factory.mktemp("warehouse"), persistent=False)
    yield session
    session.stop()


@pytest.fixture
def fake_databricks() -> Iterator[FakeDatabricks]:
    server = FakeDatabricks().start()
    try:
        yield server
    finally:
        server.stop()
