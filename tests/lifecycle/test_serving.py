"""The deploy task's serving update, through the real databricks-sdk against a local HTTP server.

The fake endpoint applies config updates asynchronously like Model Serving, and the SDK's waiter
sleeps on a virtual clock, so waiting through `IN_PROGRESS` or up to a timeout costs no real time.
"""

from __future__ import annotations

import json
from pathlib import Path

import databricks.sdk.service.serving as sdk_serving
import pytest

from infra.config import PlatformConfig, load_config
from lakestack.cli import main
from lifecycle.context import TaskContext
from lifecycle.deployment import deploy as deploy_task
from lifecycle.deployment import registry
from lifecycle.deployment.serving import publish
from tests.fakes.server import FakeDatabricks
from tests.fakes.serving_api import ServingState, VirtualClock, install_serving_api
from tests.lifecycle.conftest import ENV, MODEL, STRONG, WEAK, model_entry, write_config

ENDPOINT = "retail-ml-staging-product-recommender"
FULL_NAME = "retail_staging.ml.product_recommender"
CONFIG_TIMEOUT_MINUTES = 2
FAILURE = "Served entity creation aborted: the model environment could not be built"


@pytest.fixture
def serving(fake_databricks: FakeDatabricks, store_uri: str, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> tuple[ServingState, list[str]]:
    """An endpoint on the fake workspace, a config whose staging host is that workspace, credentials set.

    The model's `serving.update_timeout_minutes` is set, so a test can tell it from the default.
    """
    state = install_serving_api(fake_databricks)
    state.add(ENDPOINT)
    monkeypatch.setattr(sdk_serving, "time", VirtualClock())

    def point_staging_at_fake(raw: dict) -> None:
        raw["environments"][ENV]["workspace"] = {"host": fake_databricks.url, "workspace_id": 2002}
        model_entry(raw)["serving"]["update_timeout_minutes"] = CONFIG_TIMEOUT_MINUTES

    config = write_config(tmp_path, point_staging_at_fake)
    monkeypatch.setenv("DATABRICKS_HOST", fake_databricks.url)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test-token")
    return state, ["--config", str(config), "--env", ENV, "--model", MODEL]


def aliases(args: list[str]) -> dict[str, str]:
    ctx = TaskContext.resolve(load_config(args[1]), ENV, MODEL)
    return registry.aliases(ctx.client, ctx.model_name)


def history(args: list[str]) -> list[str]:
    ctx = TaskContext.resolve(load_config(args[1]), ENV, MODEL)
    return registry.champion_history(ctx.client, ctx.model_name)


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
    assert f"serving endpoint {ENDPOINT}: unchanged" in capsys.readouterr().out
    assert aliases(args) == {"Champion": STRONG}


def test_champion_moves_only_after_the_endpoint_finished_updating(serving: tuple[ServingState, list[str]],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    state.in_progress_polls = 2
    assert main(["promote", *args, "--version", WEAK]) == 0
    # one read before the update, then the SDK's waiter polls until the update is no longer in progress
    assert state.polls == ["NOT_UPDATING", "IN_PROGRESS", "IN_PROGRESS", "NOT_UPDATING"]
    assert state.served_versions(ENDPOINT) == [WEAK]
    assert f"serving endpoint {ENDPOINT}: updated: now serves {FULL_NAME} version {WEAK}" in capsys.readouterr().out
    assert aliases(args) == {"Champion": WEAK}


@pytest.mark.parametrize(("outcome", "options", "expected"), [
    ("fails", [], f"could not load {FULL_NAME} version {STRONG}: the endpoint reports UPDATE_FAILED "
                  f"({MODEL}-{STRONG}: {FAILURE}); it still serves {FULL_NAME} version {WEAK}"),
    ("hangs", [], f"did not finish loading {FULL_NAME} version {STRONG} within {CONFIG_TIMEOUT_MINUTES} min: "
                  f"the endpoint still reports IN_PROGRESS"),
    ("hangs", ["--serving-timeout", "1"], f"did not finish loading {FULL_NAME} version {STRONG} within 1 min"),
])
def test_failed_or_unfinished_update_moves_no_alias(serving: tuple[ServingState, list[str]], outcome: str,
                                                    options: list[str], expected: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    assert main(["promote", *args, "--version", WEAK]) == 0
    state.in_progress_polls = 1
    state.failure, state.finishes = (FAILURE, True) if outcome == "fails" else (None, False)
    assert main(["promote", *args, "--version", STRONG, *options]) == 1
    out = capsys.readouterr().out
    assert f"serving_failed: {FULL_NAME} v{STRONG}" in out
    assert f"serving endpoint {ENDPOINT}: failed: {expected}" in out
    assert f"registry: not promoted: Champion stays v{WEAK}, v{STRONG} keeps Challenger" in out
    assert (aliases(args), history(args)) == ({"Champion": WEAK, "Challenger": STRONG}, [])
    assert state.served_versions(ENDPOINT) == [WEAK]


def test_deploy_task_fails_then_a_later_run_promotes_the_kept_challenger(serving: tuple[ServingState, list[str]],
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    assert main(["promote", *args, "--version", WEAK]) == 0
    state.failure = FAILURE
    assert main(["promote", *args, "--version", STRONG, "--format", "json"]) == 1
    out = capsys.readouterr().out
    decision = json.loads(out[out.index("{"):])
    assert (decision["decision"], decision["champion_after"]) == ("serving_failed", WEAK)
    assert decision["serving"]["status"] == "failed" and FAILURE in decision["serving"]["detail"]
    assert deploy_task.main(args) == 1  # the job's deploy task: still failing, still nothing moved
    assert aliases(args) == {"Champion": WEAK, "Challenger": STRONG}
    state.failure = None
    assert deploy_task.main(args) == 0
    assert f"Champion v{WEAK} -> v{STRONG}" in capsys.readouterr().out
    assert (aliases(args), history(args)) == ({"Champion": STRONG}, [WEAK])
    assert state.served_versions(ENDPOINT) == [STRONG]


def test_rollback_moves_champion_only_once_the_endpoint_serves_it(serving: tuple[ServingState, list[str]],
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    state, args = serving
    assert main(["promote", *args, "--version", WEAK]) == 0
    assert main(["promote", *args, "--version", STRONG]) == 0
    capsys.readouterr()
    state.in_progress_polls, state.failure = 1, FAILURE
    assert main(["rollback", *args]) == 1
    out = capsys.readouterr().out
    assert f"serving endpoint {ENDPOINT}: failed: could not load {FULL_NAME} version {WEAK}" in out
    assert f"not rolled back: Champion stays v{STRONG}, v{WEAK} stays in the history" in out
    assert (aliases(args), history(args)) == ({"Champion": STRONG}, [WEAK])
    assert state.served_versions(ENDPOINT) == [STRONG]
    state.failure = None
    state.polls.clear()
    assert main(["rollback", *args]) == 0
    assert state.polls == ["UPDATE_FAILED", "IN_PROGRESS", "NOT_UPDATING"]
    assert (aliases(args), history(args)) == ({"Champion": WEAK}, [])
    assert state.served_versions(ENDPOINT) == [WEAK]


@pytest.mark.parametrize("value", ["0", "ten"])
def test_serving_timeout_must_be_whole_minutes(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["rollback", "--env", ENV, "--model", MODEL, "--serving-timeout", value])
    assert exit_info.value.code == 2
    assert f"'{value}' is not a whole number of minutes" in capsys.readouterr().err


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


@pytest.mark.parametrize(("promoted", "command", "method", "path"), [
    ([WEAK], ["promote", "--version", STRONG], "PUT", f"/api/2.0/serving-endpoints/{ENDPOINT}/config"),
    ([WEAK, STRONG], ["rollback"], "GET", f"/api/2.0/serving-endpoints/{ENDPOINT}"),
])
def test_a_403_in_promote_or_rollback_is_one_line_naming_the_permission(
        serving: tuple[ServingState, list[str]], fake_databricks: FakeDatabricks, promoted: list[str],
        command: list[str], method: str, path: str, capsys: pytest.CaptureFixture[str]) -> None:
    for version in promoted:
        assert main(["promote", *serving[1], "--version", version]) == 0
    args = serving[1]
    before = aliases(args)
    capsys.readouterr()
    fake_databricks.fail(method, path, 403, "User does not have CAN_MANAGE on serving endpoint. [ReqId: 1a2b]",
                         error_code="PERMISSION_DENIED", times=100)
    assert main([command[0], *args, *command[1:]]) == 2
    error, hint = capsys.readouterr().err.strip().splitlines()
    assert error.startswith(f"error: permission denied (403) at {fake_databricks.url} while ")
    assert f"serving endpoint {ENDPOINT}: User does not have CAN_MANAGE" in error
    assert hint == f"hint: the calling identity needs CAN_MANAGE on serving endpoint {ENDPOINT} (the environment's " \
                   "stack grants it to the deployer)"
    assert aliases(args) == (before if command[0] == "rollback" else {**before, "Challenger": STRONG})
