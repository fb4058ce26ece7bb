"""Fixtures for bootstrap: a fake workspace with the jobs API, and a config that points at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bootstrap.seeder import Seeder
from infra.config import Environment, load_config
from lakestack.workspace import Workspace as WorkspaceConnection
from lakestack.workspace import open_workspace
from tests.configs import example_data, write_config
from tests.fakes.jobs_api import JobsState, install_jobs_api
from tests.fakes.server import FakeDatabricks

SP_APPLICATION_ID = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
WORKSPACE_IDS = {"dev": 1001, "staging": 2002, "prod": 3003}


class FakeClock:
    """The SDK's clock without real waiting: sleeping advances time and is recorded."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: list[Callable[[], None]] = []  # run after each sleep (another process acting meanwhile)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        for hook in self.on_sleep:
            hook()


@dataclass
class Workspace:
    server: FakeDatabricks
    state: JobsState
    config_path: Path
    clock: FakeClock

    def env(self, name: str = "staging") -> Environment:
        return load_config(self.config_path).env(name)

    def connection(self, clock: FakeClock | None = None, **options: Any) -> WorkspaceConnection:
        """lakestack's connection to the fake workspace, waiting on the fake clock."""
        return open_workspace(self.server.url, clock=clock or self.clock, notify=None, token="dapi-test",
                              auth_type="pat", **options)

    def seeder(self, name: str = "staging", **options: Any) -> Seeder:
        return Seeder(self.connection(**options), self.env(name))


def config_at(path: Path, url: str, data: dict[str, Any] | None = None) -> Path:
    """The shipped example (or `data`, a variant of it) with every environment's workspace at `url`."""
    data = example_data() if data is None else data
    for name, environment in data["environments"].items():
        environment["workspace"] = {"host": url, "workspace_id": WORKSPACE_IDS[name]}
    return write_config(path, data)


@pytest.fixture
def databricks_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only a token: no host, profile or other credentials from the machine running the tests."""
    for name in ("DATABRICKS_HOST", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET",
                 "DATABRICKS_AUTH_TYPE", "DATABRICKS_USERNAME", "DATABRICKS_PASSWORD", "ARM_CLIENT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "no-databrickscfg"))
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test-token")


@pytest.fixture(scope="session")
def fake_server() -> Iterator[FakeDatabricks]:
    """One server for the session (stopping one waits for its poll interval); each test gets fresh routes."""
    server = FakeDatabricks().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def workspace(fake_server: FakeDatabricks, tmp_path: Path, databricks_env: None) -> Workspace:
    """An empty workspace with the deployer service principals of every environment."""
    with fake_server.lock:
        fake_server.routes.clear()
        fake_server.requests.clear()
        fake_server.faults.clear()
    state = install_jobs_api(fake_server)
    for name in WORKSPACE_IDS:
        state.add_service_principal(f"retail-ml-{name}-deployer", SP_APPLICATION_ID)
    return Workspace(fake_server, state, config_at(tmp_path / "platform.yaml", fake_server.url), FakeClock())
