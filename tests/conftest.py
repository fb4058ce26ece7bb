"""Shared fixtures: the shipped example config and a local fake Databricks server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.config import PlatformConfig, load_config
from tests.fakes.server import FakeDatabricks

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_CONFIG = ROOT / "infra" / "platform.yaml"


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


@pytest.fixture
def fake_databricks() -> Iterator[FakeDatabricks]:
    server = FakeDatabricks().start()
    try:
        yield server
    finally:
        server.stop()
