"""Creates that reached the server before the answer was lost: found again, never sent twice."""

from __future__ import annotations

import pytest

from bootstrap.seeder import Plan
from lakestack.workspace import RETRY_BUDGET_SECONDS, WorkspaceError
from tests.bootstrap.conftest import Workspace
from tests.bootstrap.test_seeder import CREATE, assert_one_job_per_spec, write_paths

EXPERIMENT_CREATE = "/api/2.0/mlflow/experiments/create"


def applied(ws: Workspace, **options: object) -> Plan:
    seeder = ws.seeder(**options)
    plan = seeder.plan()
    seeder.apply(plan)
    return plan


def notes(plan: Plan) -> list[str]:
    return [change.note for change in plan.changes if change.note]


def test_a_dropped_connection_after_the_create_reached_the_server_makes_one_job(workspace: Workspace) -> None:
    workspace.server.drop("POST", CREATE, reached=True)
    plan = applied(workspace)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9  # the lost one was found, not re-sent
    (note,) = notes(plan)
    assert note.startswith("found job ") and note.endswith("created by an earlier attempt whose answer was lost; "
                                                           "not re-sent")


def test_a_503_after_the_create_reached_the_server_makes_one_job(workspace: Workspace) -> None:
    workspace.server.fail("POST", CREATE, 503, reached=True)
    applied(workspace)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9


def test_a_timeout_after_the_create_reached_the_server_makes_one_job(workspace: Workspace) -> None:
    workspace.server.fail("POST", CREATE, 200, reached=True, delay=1.0)
    applied(workspace, http_timeout_seconds=0.3)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9


def test_a_dropped_connection_before_the_create_reached_the_server_sends_it_again(workspace: Workspace) -> None:
    workspace.server.drop("POST", CREATE, reached=False, times=2)
    plan = applied(workspace)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 11
    assert notes(plan) == ["sent 3 times: the earlier attempts failed and left nothing behind"]


def test_an_experiment_create_whose_answer_was_lost_is_found(workspace: Workspace) -> None:
    workspace.server.drop("POST", EXPERIMENT_CREATE, reached=True)
    plan = applied(workspace)
    assert write_paths(workspace).count(EXPERIMENT_CREATE) == 3
    assert len(workspace.state.experiments) == 3
    assert any(note.startswith("found experiment ") for note in notes(plan))


def test_a_create_that_keeps_failing_stops_within_the_one_budget(workspace: Workspace) -> None:
    workspace.server.drop("POST", CREATE, reached=False, times=1000)
    seeder = workspace.seeder()
    plan = seeder.plan()
    with pytest.raises(WorkspaceError) as caught:
        seeder.apply(plan)
    assert f"gave up after the {RETRY_BUDGET_SECONDS} s retry budget: connection failed or dropped" in str(caught.value)
    assert workspace.state.jobs == {}
    assert 0 < sum(workspace.clock.sleeps) < RETRY_BUDGET_SECONDS


def test_throttling_waits_count_against_the_same_budget(workspace: Workspace) -> None:
    workspace.server.fail("GET", "/api/2.2/jobs/list", 429, error_code="REQUEST_LIMIT_EXCEEDED", times=10_000)
    with pytest.raises(WorkspaceError, match="gave up after the 60 s retry budget: REQUEST_LIMIT_EXCEEDED"):
        workspace.seeder().plan()
    assert sum(workspace.clock.sleeps) < RETRY_BUDGET_SECONDS  # the SDK's own waits, refused at the budget
