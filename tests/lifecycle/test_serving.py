"""The deploy task's serving update, through the real databricks-sdk against a local HTTP server."""

from __future__ import annotations

from pathlib import Path

import pytest

from bootstrap.tasks import registry
from bootstrap.tasks.context import TaskContext
from bootstrap.tasks.serving import publish
from infra.config import PlatformConfig, load_config
from lakestack.cli import main
from tests.fakes.server import FakeDatabricks
from tests.fakes.serving_api import ServingState, install_serving_api
from tests.lifecycle.conftest import ENV, MODEL, STRONG, WEAK, write_config

ENDPOINT = "retail-ml-staging-product-recommender"
FULL_NAME = "retail_staging.ml.product_recommender"


@pytest.fixture
def serving(fake_databricks: FakeDatabricks, store_uri: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[ServingState, list[str]]:
    """An endpoint on the fake workspace, a config whose staging host is that workspace, credentials set."""
    state = install_serving_api(fake_databricks)
    state.add(ENDPOINT)

    def point_staging_at_fake(raw: dict) -> None:
        raw["environments"][ENV]["workspace"] = {"host": fake_databricks.url, "workspace_id": 2002}

    config = write_config(tmp_path, point_staging_at_fake)
    monkeypatch.setenv("DATABRICKS_HOST", fake_databricks.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test-token")
    return state, ["--config", str(config), "--env", ENV, "--model", MODEL]


def aliases(args: list[str]) -> dict[str, str]:
    ctx = TaskContext.resolve(load_config(args[1]), ENV, MODEL)
    return registry.aliases(ctx.client, ctx.model_name)


def test_promotion_and_rollback_send_the_champion_version(serving: tuple[ServingState, list[str]]) -> None:
    state, args = serving
    assert main(["promote", *args, "--version", WEAK]) == 0
    assert main(["promote", *args, "--version", STRONG]) == 0
    assert main(["rollback", *args]) == 0
    sent = [body["served_entities"][0]["entity_version"] for _, body in state.updates]
    assert sent == [WEAK, STRONG, WEAK]
    name, body = state.updates[1]
    assert name == ENDPOINT
    assert body["served_entities"] == [{
        "name": f"{MODEL}-{STRONG}", "entity_name": FULL_NAME, "entity_version": STRONG,
        "workload_size": "Small", "scale_to_zero_enabled": True,
    }]
    assert body["traffic_config"] == {"routes": [{"served_entity_name": f"{MODEL}-{STRONG}",
                                                  "traffic_percentage": 100}]}
    assert aliases(args) == {"Champion": WEAK}


def test_endpoint_already_serving_the_version_is_left_alone(serving: tuple[ServingState, list[str]],
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    state.add(ENDPOINT, served=[(FULL_NAME, STRONG)])
    assert main(["promote", *args, "--version", STRONG]) == 0
    assert state.updates == []
    assert "serving: unchanged" in capsys.readouterr().out
    assert aliases(args) == {"Champion": STRONG}


@pytest.mark.parametrize(("setup", "message"), [
    (lambda state: state.endpoints.clear(), "does not exist"),
    (lambda state: state.add(ENDPOINT, served=[(FULL_NAME, WEAK)], updating=True), "already updating"),
])
def test_endpoint_problems_stop_before_any_alias_moves(serving: tuple[ServingState, list[str]], setup, message: str,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    setup(state)
    assert main(["promote", *args, "--version", STRONG]) == 2
    assert message in capsys.readouterr().err
    assert state.updates == []
    assert aliases(args) == {"Challenger": STRONG}  # validated, but never promoted


def test_host_mismatch_is_refused(serving: tuple[ServingState, list[str]], fake_databricks: FakeDatabricks,
                                  monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    _, args = serving
    monkeypatch.setenv("DATABRICKS_HOST", "https://other.cloud.databricks.com")
    assert main(["promote", *args, "--version", STRONG]) == 2
    assert "DATABRICKS_HOST is https://other.cloud.databricks.com" in capsys.readouterr().err
    assert fake_databricks.writes() == []
    assert "Champion" not in aliases(args)


def test_serving_off_or_offline_is_skipped_with_the_reason(example_config: PlatformConfig,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    model = example_config.model(MODEL)

    def never(_env: object) -> None:
        raise AssertionError("no workspace call expected")

    dev = publish(example_config.env("dev"), model, "1", never)
    assert (dev.status, dev.detail) == ("skipped", "serving is off in environment 'dev'")
    only_other = example_config.model_copy(update={"environments": {
        **example_config.environments,
        ENV: example_config.environments[ENV].model_copy(update={"serving": ["price_elasticity"]}),
    }})
    listed = publish(only_other.env(ENV), model, "1", never)
    assert (listed.status, listed.detail) == ("skipped", f"environment '{ENV}' serves only price_elasticity")
    for name in ("DATABRICKS_HOST", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_RUNTIME_VERSION"):
        monkeypatch.delenv(name, raising=False)
    offline = publish(example_config.env(ENV), model, "1")
    assert offline.status == "skipped" and "no Databricks host configured" in offline.detail
