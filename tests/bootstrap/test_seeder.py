"""Plan and apply against the fake workspace with the real databricks-sdk: idempotence and faults."""

from __future__ import annotations

import pytest

from bootstrap.diff import ABSENT
from bootstrap.jobs import build_job_specs
from bootstrap.seeder import ApplyRefused, Plan
from lakestack.errors import InputError
from lakestack.workspace import RETRY_BUDGET_SECONDS, WorkspaceError
from tests.bootstrap.conftest import SP_APPLICATION_ID, Workspace

CREATE = "/api/2.2/jobs/create"


def declared_names(ws: Workspace, env: str = "staging") -> list[str]:
    return [spec.name for spec in build_job_specs(ws.env(env), SP_APPLICATION_ID)]


def assert_one_job_per_spec(ws: Workspace) -> None:
    names = declared_names(ws)
    assert {name: len(ws.state.jobs_named(name)) for name in names} == dict.fromkeys(names, 1)
    assert len(ws.state.jobs) == len(names)


def applied(ws: Workspace) -> Plan:
    seeder = ws.seeder()
    plan = seeder.plan()
    seeder.apply(plan)
    return plan


def write_paths(ws: Workspace, since: int = 0) -> list[str]:
    return [r.path for r in ws.server.writes()[since:]]


def test_first_apply_creates_every_job_and_experiment_fully_tagged(workspace: Workspace) -> None:
    plan = applied(workspace)
    assert plan.counts() == {"create": 12}  # 3 experiments + 9 jobs (3 models x 3 kinds)
    assert_one_job_per_spec(workspace)
    for job_id, settings in workspace.state.jobs.items():
        assert settings["tags"]["managed-by"] == "lakestack"
        assert settings["run_as"] == {"service_principal_name": SP_APPLICATION_ID}
        assert workspace.state.grants[job_id] == {"group:retail-ml-engineers": "CAN_MANAGE_RUN",
                                                  "group:retail-data-scientists": "CAN_VIEW"}
    env = workspace.env()
    assert sorted(workspace.state.experiments) == sorted(env.experiment_path(m) for m in env.platform.models)
    assert write_paths(workspace).count(CREATE) == 9


def test_second_apply_makes_no_write(workspace: Workspace) -> None:
    applied(workspace)
    before = len(workspace.server.writes())
    plan = applied(workspace)
    assert plan.pending == []
    assert {c.action for c in plan.changes} == {"unchanged"}
    assert write_paths(workspace, before) == []


def test_hand_edited_job_is_shown_as_drift_and_reset(workspace: Workspace) -> None:
    applied(workspace)
    job_id = workspace.state.jobs_named("retail-ml-staging-price_elasticity-training")[0]
    workspace.state.edit_job(job_id, lambda s: s["schedule"].update(pause_status="PAUSED"))
    workspace.state.edit_job(job_id, lambda s: s["tasks"].append({"task_key": "extra", "notebook_task": {}}))
    before = len(workspace.server.writes())

    plan = applied(workspace)

    (update,) = plan.pending
    assert (update.resource, update.action, update.job_id) == ("job", "update", job_id)
    schedule, extra = update.diff
    assert (schedule.path, schedule.live, schedule.declared) == ("schedule.pause_status", "PAUSED", "UNPAUSED")
    assert (extra.path, extra.declared) == ("tasks[extra]", ABSENT)
    assert write_paths(workspace, before) == ["/api/2.2/jobs/reset"]
    assert workspace.state.jobs[job_id]["schedule"]["pause_status"] == "UNPAUSED"
    assert "extra" not in [t["task_key"] for t in workspace.state.jobs[job_id]["tasks"]]
    assert workspace.seeder().plan().pending == []


def test_out_of_band_grant_is_removed_and_the_owner_kept(workspace: Workspace) -> None:
    applied(workspace)
    job_id = workspace.state.jobs_named("retail-ml-staging-inventory_demand-monitoring")[0]
    workspace.state.grants[job_id]["user:someone@acme.example"] = "CAN_MANAGE"
    workspace.state.grants[job_id]["group:retail-data-scientists"] = "CAN_MANAGE_RUN"

    plan = applied(workspace)

    (update,) = plan.pending
    assert update.resource == "permissions"
    assert {d.path: (d.live, d.declared) for d in update.diff} == {
        "group:retail-data-scientists": ("CAN_MANAGE_RUN", "CAN_VIEW"),
        "user:someone@acme.example": ("CAN_MANAGE", ABSENT),
    }
    assert workspace.state.grants[job_id] == {"group:retail-ml-engineers": "CAN_MANAGE_RUN",
                                              "group:retail-data-scientists": "CAN_VIEW"}
    assert workspace.state.owners[job_id] == "user:bootstrap-admin@example.com"


def test_503_then_success_is_retried_by_the_sdk(workspace: Workspace) -> None:
    workspace.server.fail("POST", CREATE, 503)
    applied(workspace)
    assert_one_job_per_spec(workspace)
    assert workspace.clock.sleeps, "the SDK should have waited before retrying"
    assert write_paths(workspace).count(CREATE) == 10  # the refused call + one per job


def test_429_is_retried(workspace: Workspace) -> None:
    workspace.server.fail("GET", "/api/2.2/jobs/list", 429, error_code="REQUEST_LIMIT_EXCEEDED", times=3)
    applied(workspace)
    assert_one_job_per_spec(workspace)
    assert len(workspace.clock.sleeps) >= 3


def test_500_is_retried_with_backoff(workspace: Workspace) -> None:
    applied(workspace)
    job_id = workspace.state.jobs_named("retail-ml-staging-product_recommender-training")[0]
    workspace.state.edit_job(job_id, lambda s: s.update(max_concurrent_runs=5))
    workspace.server.fail("POST", "/api/2.2/jobs/reset", 500, error_code="INTERNAL_ERROR", times=2)
    applied(workspace)
    assert workspace.state.jobs[job_id]["max_concurrent_runs"] == 1
    assert len(workspace.clock.sleeps) == 2 and workspace.clock.sleeps[1] > workspace.clock.sleeps[0]


def test_persistent_500_stops_with_a_workspace_error(workspace: Workspace) -> None:
    workspace.server.fail("GET", "/api/2.2/jobs/list", 500, error_code="INTERNAL_ERROR", times=100)
    with pytest.raises(WorkspaceError, match=r"kept failing while listing jobs named .*gave up after the 60 s retry "
                                             r"budget: INTERNAL_ERROR InternalError"):
        workspace.seeder().plan()
    assert 0 < sum(workspace.clock.sleeps) < RETRY_BUDGET_SECONDS  # one budget, on the one clock


def test_a_create_whose_response_was_lost_is_found_not_repeated(workspace: Workspace) -> None:
    workspace.state.lost_create_responses = 1
    applied(workspace)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9


def test_an_interrupted_apply_is_finished_by_the_next_without_duplicates(workspace: Workspace) -> None:
    workspace.state.fail_creates_after = 4
    seeder = workspace.seeder()
    with pytest.raises(WorkspaceError, match="creating job"):
        seeder.apply(seeder.plan())
    assert len(workspace.state.jobs) == 4

    workspace.state.fail_creates_after = None
    plan = applied(workspace)

    assert plan.counts() == {"create": 5, "unchanged": 3 + 4 + 4}  # experiments, 4 jobs, their permissions
    assert_one_job_per_spec(workspace)
    assert workspace.seeder().plan().pending == []


def test_duplicate_managed_jobs_found_across_pages_are_deleted(workspace: Workspace) -> None:
    applied(workspace)
    name = "retail-ml-staging-product_recommender-batch-inference"
    keep = workspace.state.jobs_named(name)[0]
    for _ in range(2):
        workspace.state.add_job(workspace.state.jobs[keep])
    workspace.state.page_size = 1

    plan = applied(workspace)

    deletes = [c for c in plan.pending if c.action == "delete"]
    assert [c.note for c in deletes] == [f"duplicate of job {keep}"] * 2
    assert workspace.state.jobs_named(name) == [keep]
    assert_one_job_per_spec(workspace)


def test_a_job_with_a_declared_name_but_no_managed_tag_is_a_conflict(workspace: Workspace) -> None:
    name = "retail-ml-staging-price_elasticity-training"
    foreign = workspace.state.add_job({"name": name, "tags": {"team": "someone-else"}})
    seeder = workspace.seeder()
    plan = seeder.plan()
    (conflict,) = plan.conflicts
    assert (conflict.name, conflict.job_id) == (name, foreign)
    with pytest.raises(ApplyRefused, match=name):
        seeder.apply(plan)
    assert workspace.server.writes() == []


def test_a_deleted_experiment_is_restored(workspace: Workspace) -> None:
    applied(workspace)
    path = workspace.env().experiment_path(workspace.env().platform.models[0])
    workspace.state.experiments[path]["lifecycle_stage"] = "deleted"
    plan = applied(workspace)
    assert [(c.resource, c.action) for c in plan.pending] == [("experiment", "restore")]
    assert workspace.state.experiments[path]["lifecycle_stage"] == "active"


def test_403_names_the_missing_permission(workspace: Workspace) -> None:
    workspace.server.fail("POST", CREATE, 403, message="User is not authorized", error_code="PERMISSION_DENIED")
    seeder = workspace.seeder()
    with pytest.raises(InputError) as caught:
        seeder.apply(seeder.plan())
    message = caught.value.render()
    assert "permission denied (403)" in message and "creating job retail-ml-staging-product_recommender" in message
    assert "'Service principal: User' role on 'retail-ml-staging-deployer'" in message


def test_401_says_the_credentials_are_not_valid(workspace: Workspace) -> None:
    workspace.server.fail("GET", "/api/2.0/preview/scim/v2/ServicePrincipals", 401,
                          message="Invalid access token", error_code="UNAUTHENTICATED")
    with pytest.raises(InputError, match=r"authentication failed \(401\)"):
        workspace.seeder().plan()


def test_a_missing_deployer_service_principal_is_bad_input(workspace: Workspace) -> None:
    workspace.state.service_principals.clear()
    with pytest.raises(InputError, match="'retail-ml-staging-deployer' is not in workspace") as caught:
        workspace.seeder().plan()
    assert "cdktf deploy staging" in caught.value.render()
