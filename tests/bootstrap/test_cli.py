"""`lakestack bootstrap` end to end: plan, apply, JSON, and every bad-input exit."""

from __future__ import annotations

import json

import pytest

from lakestack.cli import main
from tests.bootstrap.conftest import Workspace

TOKEN = "dapi-test-token"


def bootstrap(ws: Workspace, *args: str) -> int:
    return main(["bootstrap", "--config", str(ws.config_path), *args])


def test_plan_is_readable_and_changes_nothing(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(workspace, "--env", "staging") == 0
    out = capsys.readouterr().out
    assert f"Bootstrap plan for environment 'staging' at {workspace.server.url}" in out
    assert "Jobs run as service principal 'retail-ml-staging-deployer'" in out
    assert "+ create     job retail-ml-staging-product_recommender-training" in out
    assert "tasks: train -> validate -> deploy (trains on 10% of the data); schedule: 0 0 3 ? * MON UTC" in out
    assert "+ create     experiment /Shared/retail-ml/staging/price_elasticity" in out
    assert "Plan: 12 to create, 0 to update, 0 to delete, 0 unchanged." in out
    assert "run again with --apply" in out
    assert workspace.server.writes() == []
    assert TOKEN not in out


def test_apply_creates_the_staging_jobs_and_a_second_apply_writes_nothing(
        workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(workspace, "--env", "staging", "--apply") == 0
    out = capsys.readouterr().out
    assert "applied: + create job retail-ml-staging-inventory_demand-monitoring (job " in out
    assert out.count("/12] applied: ") == 12 and "\n[1/12] applied: " in out and "\n[12/12] applied: " in out
    assert out.rstrip().endswith("Applied 12 change(s).")
    assert len(workspace.state.jobs) == 9
    writes = len(workspace.server.writes())

    assert bootstrap(workspace, "--env", "staging", "--apply") == 0
    out = capsys.readouterr().out
    assert "Plan: 0 to create, 0 to update, 0 to delete, 12 unchanged." in out
    assert "The workspace matches the config; nothing to do." in out
    assert len(workspace.server.writes()) == writes


def test_drift_is_shown_field_by_field(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    bootstrap(workspace, "--env", "staging", "--apply")
    job_id = workspace.state.jobs_named("retail-ml-staging-price_elasticity-batch-inference")[0]
    workspace.state.edit_job(job_id, lambda s: s["schedule"].update(quartz_cron_expression="0 30 5 * * ?"))
    capsys.readouterr()
    assert bootstrap(workspace, "--env", "staging") == 0
    out = capsys.readouterr().out
    assert f"~ update     job retail-ml-staging-price_elasticity-batch-inference (job {job_id})" in out
    assert 'schedule.quartz_cron_expression: "0 30 5 * * ?" -> "0 0 5 * * ?"' in out


def test_json_plan(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(workspace, "--env", "prod", "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["env"] == "prod" and document["applied"] is False
    assert document["summary"] == {"create": 12}
    assert document["run_as"]["service_principal"] == "retail-ml-prod-deployer"
    assert {c["name"] for c in document["changes"] if c["resource"] == "job"} >= {
        "retail-ml-prod-product_recommender-training", "retail-ml-prod-inventory_demand-monitoring"}


def test_unknown_environment_exits_2(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(workspace, "--env", "qa") == 2
    assert "unknown environment 'qa'; the config declares: dev, staging, prod" in capsys.readouterr().err
    assert workspace.server.requests == []


def test_databricks_host_for_another_workspace_exits_2_before_any_call(
        workspace: Workspace, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://dbc-retail-prod.cloud.databricks.com")
    assert bootstrap(workspace, "--env", "staging", "--apply") == 2
    err = capsys.readouterr().err
    assert "DATABRICKS_HOST is https://dbc-retail-prod.cloud.databricks.com but environment 'staging'" in err
    assert workspace.server.requests == []


def test_missing_credentials_exit_2(workspace: Workspace, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    assert bootstrap(workspace, "--env", "staging") == 2
    err = capsys.readouterr().err
    assert "error: no Databricks credentials for" in err and "hint: set DATABRICKS_TOKEN" in err
    assert "Traceback" not in err


def test_permission_denied_during_apply_exits_2_and_says_how_far_it_got(
        workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    workspace.server.fail("POST", "/api/2.0/mlflow/experiments/create", 403, message="no write on /Shared",
                          error_code="PERMISSION_DENIED")
    assert bootstrap(workspace, "--env", "staging", "--apply") == 2
    err = capsys.readouterr().err
    assert "permission denied (403)" in err and "CAN_EDIT on the folder /Shared/retail-ml/staging" in err
    assert "0 of 12 change(s) applied before the error" in err
    assert TOKEN not in err


def test_a_failure_halfway_exits_2_and_the_next_apply_finishes(
        workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    workspace.state.fail_creates_after = 2
    assert bootstrap(workspace, "--env", "staging", "--apply") == 2  # the workspace failed a call: no verdict
    err = capsys.readouterr().err
    assert "InvalidState: injected create failure" in err
    assert "5 of 12 change(s) applied before the error" in err and "--apply` again to finish" in err

    workspace.state.fail_creates_after = None
    assert bootstrap(workspace, "--env", "staging", "--apply") == 0
    assert "Plan: 7 to create, 0 to update, 0 to delete, 5 unchanged." in capsys.readouterr().out
    assert len(workspace.state.jobs) == 9


def test_a_foreign_job_with_a_declared_name_exits_1_without_writing(
        workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    workspace.state.add_job({"name": "retail-ml-staging-price_elasticity-training"})
    assert bootstrap(workspace, "--env", "staging", "--apply") == 1
    out = capsys.readouterr().out
    assert "! conflict   job retail-ml-staging-price_elasticity-training" in out
    assert "1 in conflict (apply refuses until resolved)" in out
    assert workspace.server.writes() == []
