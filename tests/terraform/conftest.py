"""Terraform tests: the real binary and the real Databricks provider, or a skip that says why."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import scim_api
from tests.fakes.server import FakeDatabricks
from tests.terraform import harness


@pytest.fixture(scope="session")
def provider_version(example_synth_dir: Path) -> str:
    stack = json.loads(next(example_synth_dir.glob("stacks/*/cdk.tf.json")).read_text())
    return harness.pinned_version(stack)


@pytest.fixture(scope="session")
def terraform_cli(tmp_path_factory: pytest.TempPathFactory, provider_version: str) -> Path:
    """The CLI config pointing Terraform at the mirrored provider; skips when either is missing."""
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not on the PATH")
    if harness.provider_binary(provider_version) is None:
        pytest.skip(f"the Databricks provider {provider_version} is not built in {harness.plugins_dir()} "
                    "(`make provider`)")
    return harness.cli_config(tmp_path_factory.mktemp("terraform-cli") / "cli.tfrc")


@pytest.fixture(scope="session")
def fake_api() -> Iterator[FakeDatabricks]:
    """One loopback fake for the session's plans: they only read (group lookups)."""
    server = FakeDatabricks().start()
    scim_api.install(server)
    try:
        yield server
    finally:
        server.stop()
