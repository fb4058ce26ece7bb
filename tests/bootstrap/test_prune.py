"""Jobs seeded for models or job kinds the config no longer declares: listed as orphaned, deleted by prune."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bootstrap.seeder import Plan
from lakestack.cli import main
from tests.bootstrap.conftest import Workspace, config_at
from tests.configs import example_data

DELETE = "/api/2.2/jobs/delete"
REMOVED = "product_recommender"
ORPHANS = [f"retail-ml-staging-{REMOVED}-{kind}" for kind in ("batch-inference", "monitoring", "training")]
SEEDED_TAGS = {"managed-by": "lakestack", "lakestack-project": "retail-ml", "lakestack-env": "staging",
               "lakestack-model": REMOVED, "lakestack-job": "training"}
# Jobs with names like the orphans' that prune must never touch: each lacks one of the three tags that
# mark a job as seeded for this project and environment, or carries another project's or environment's.
BYSTANDERS = {
    "retail-ml-staging-product_recommender-adhoc": {},
    "retail-ml-staging-product_recommender-copy": {k: v for k, v in SEEDED_TAGS.items() if k != "managed-by"},
    "retail-ml-staging-product_recommender-old": {k: v for k, v in SEEDED_TAGS.items() if k != "lakestack-env"},
    "retail-ml-staging-product_recommender-legacy": {"managed-by": "lakestack"},
    "retail-ml-staging-product_recommender-manual": {**SEEDED_TAGS, "managed-by": "terraform"},
    "retail-ml-eu-staging-product_recommender-training": {**SEEDED_TAGS, "lakestack-project": "retail-ml-eu"},
}


def declare(ws: Workspace, edit: Callable[[dict[str, Any]], None]) -> None:
    """Change the config the next plan reads, as a user editing infra/platform.yaml would."""
    data = example_data()
    edit(data)
    config_at(ws.config_path, ws.server.url, data)


def remove_model(data: dict[str, Any]) -> None:
    data["models"] = [m for m in data["models"] if m["name"] != REMOVED]


def apply(ws: Workspace, env: str = "staging", *, prune: bool = False) -> Plan:
    seeder = ws.seeder(env)
    plan = seeder.plan(prune=prune)
    seeder.apply(plan)
    return plan


def ids_of(ws: Workspace, names: list[str]) -> set[int]:
    return {job_id for name in names for job_id in ws.state.jobs_named(name)}


@pytest.fixture
def seeded(workspace: Workspace) -> Workspace:
    """Staging and dev seeded from the full example, bystander jobs added, then REMOVED dropped from the config."""
    apply(workspace, "staging")
    apply(workspace, "dev")  # dev's jobs for REMOVED: another environment's, with similar names
    for name, tags in BYSTANDERS.items():
        workspace.state.add_job({"name": name, "tags": tags})
    declare(workspace, remove_model)
    workspace.server.requests.clear()
    return workspace


def test_jobs_of_a_removed_model_are_listed_as_orphaned(seeded: Workspace) -> None:
    plan = seeded.seeder().plan()
    orphaned = [c for c in plan.changes if c.action == "orphaned"]
    assert [(c.name, c.job_id) for c in orphaned] == [(name, *seeded.state.jobs_named(name)) for name in ORPHANS]
    assert {c.note for c in orphaned} == {
        f"model '{REMOVED}' is no longer in the config; left in place, --apply --prune deletes it"}
    assert plan.pending == []


def test_apply_without_prune_leaves_orphans_alone(seeded: Workspace) -> None:
    jobs_before = set(seeded.state.jobs)
    apply(seeded)
    assert set(seeded.state.jobs) == jobs_before
    assert seeded.server.writes() == []


def test_apply_with_prune_deletes_the_orphans_and_nothing_else(seeded: Workspace) -> None:
    jobs_before = set(seeded.state.jobs)
    orphan_ids = ids_of(seeded, ORPHANS)

    plan = apply(seeded, prune=True)

    assert [(c.action, c.name) for c in plan.pending] == [("delete", name) for name in ORPHANS]
    assert all(c.undeclared for c in plan.pending)
    assert set(seeded.state.jobs) == jobs_before - orphan_ids
    assert ids_of(seeded, list(BYSTANDERS)) <= set(seeded.state.jobs)
    assert seeded.state.jobs_named(f"retail-ml-dev-{REMOVED}-training")
    deleted = [r.body["job_id"] for r in seeded.server.writes()]
    assert [r.path for r in seeded.server.writes()] == [DELETE] * 3
    assert sorted(deleted) == sorted(orphan_ids)  # one call per job


def test_a_second_apply_with_prune_writes_nothing(seeded: Workspace) -> None:
    apply(seeded, prune=True)
    before = len(seeded.server.writes())
    plan = apply(seeded, prune=True)
    assert plan.pending == [] and plan.undeclared == []
    assert len(seeded.server.writes()) == before


def test_an_orphan_already_gone_at_apply_time_is_fine(seeded: Workspace) -> None:
    seeder = seeded.seeder()
    plan = seeder.plan(prune=True)
    del seeded.state.jobs[plan.pending[0].job_id]  # deleted by someone else between plan and apply
    assert len(seeder.apply(plan)) == 3
    assert ids_of(seeded, ORPHANS) == set()


def test_orphans_spread_over_list_pages_are_all_found(seeded: Workspace) -> None:
    seeded.state.page_size = 2
    apply(seeded, prune=True)
    assert ids_of(seeded, ORPHANS) == set()
    full_listings = [r for r in seeded.server.requests if r.path == "/api/2.2/jobs/list" and not r.arg("name")]
    assert len(full_listings) > len(seeded.state.jobs) // 2  # every page was read
    assert len(seeded.server.writes()) == 3


def test_a_job_kind_no_longer_declared_is_orphaned(workspace: Workspace) -> None:
    apply(workspace)
    declare(workspace, lambda data: data["models"][1].pop("monitor"))  # price_elasticity no longer monitored
    (orphan,) = workspace.seeder().plan().undeclared
    assert (orphan.name, orphan.action) == ("retail-ml-staging-price_elasticity-monitoring", "orphaned")
    assert orphan.note.startswith("the config no longer declares a monitoring job for model 'price_elasticity'")


def test_a_seeded_job_renamed_by_hand_is_orphaned_and_its_name_recreated(workspace: Workspace) -> None:
    apply(workspace)
    name = "retail-ml-staging-price_elasticity-training"
    (job_id,) = workspace.state.jobs_named(name)
    workspace.state.edit_job(job_id, lambda settings: settings.update(name=f"{name} (old)"))
    plan = workspace.seeder().plan(prune=True)
    assert [(c.action, c.name) for c in plan.pending if c.resource == "job"] == [
        ("create", name), ("delete", f"{name} (old)")]
    assert plan.undeclared[0].note == "the config no longer declares a job with this name"


# ---- the command line ------------------------------------------------------------------------------


def bootstrap(ws: Workspace, *args: str) -> int:
    return main(["bootstrap", "--config", str(ws.config_path), "--env", "staging", *args])


def test_plan_text_shows_orphans_and_how_to_remove_them(seeded: Workspace,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(seeded) == 0
    out = capsys.readouterr().out
    job_id = seeded.state.jobs_named(ORPHANS[2])[0]
    assert (f"? orphaned   job {ORPHANS[2]} (job {job_id}): model '{REMOVED}' is no longer in the config; "
            "left in place, --apply --prune deletes it") in out
    assert "Plan: 0 to create, 0 to update, 0 to delete, 8 unchanged, 3 orphaned (kept)." in out
    assert ("3 orphaned job(s) left in place: the config no longer declares them; "
            "run `lakestack bootstrap --env staging --apply --prune` to delete them.") in out
    assert "The declared jobs match the config; nothing to do." in out
    assert "-adhoc" not in out and "retail-ml-eu" not in out


def test_plan_json_lists_orphans(seeded: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(seeded, "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["summary"] == {"unchanged": 14, "orphaned": 3}  # 2 experiments, 6 jobs, 6 permission sets
    assert document["prune"] is False
    orphaned = [c for c in document["changes"] if c["action"] == "orphaned"]
    assert [c["name"] for c in orphaned] == ORPHANS
    assert all("--apply --prune deletes it" in c["note"] for c in orphaned)


def test_prune_without_apply_shows_deletes_and_writes_nothing(seeded: Workspace,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(seeded, "--prune") == 0
    out = capsys.readouterr().out
    assert f"- delete     job {ORPHANS[0]} (job " in out
    assert "Plan: 0 to create, 0 to update, 3 to delete, 8 unchanged." in out
    assert "Nothing was changed; run again with --apply --prune to make these changes." in out
    assert "orphaned" not in out
    assert seeded.server.writes() == []


def test_apply_prune_deletes_then_finds_nothing_to_do(seeded: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(seeded, "--apply") == 0
    assert seeded.server.writes() == [] and ids_of(seeded, ORPHANS)
    assert bootstrap(seeded, "--apply", "--prune") == 0
    assert capsys.readouterr().out.rstrip().endswith("Applied 3 change(s).")
    assert ids_of(seeded, ORPHANS) == set()
    writes = len(seeded.server.writes())
    assert bootstrap(seeded, "--apply", "--prune") == 0
    assert "The workspace matches the config; nothing to do." in capsys.readouterr().out
    assert len(seeded.server.writes()) == writes


def test_a_refused_delete_exits_2_and_says_to_rerun_with_prune(seeded: Workspace,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    seeded.server.fail("POST", DELETE, 403, message="no manage", error_code="PERMISSION_DENIED")
    assert bootstrap(seeded, "--apply", "--prune") == 2
    err = capsys.readouterr().err
    job_id = seeded.state.jobs_named(ORPHANS[0])[0]
    assert f"deleting job {job_id} ({ORPHANS[0]})" in err and f"CAN_MANAGE on job {job_id}" in err
    assert "0 of 3 change(s) applied before the error" in err and "--apply --prune` again to finish" in err


def test_a_conflict_still_stops_apply_with_prune(seeded: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    seeded.state.edit_job(seeded.state.jobs_named("retail-ml-staging-price_elasticity-training")[0],
                          lambda settings: settings.update(tags={}))
    assert bootstrap(seeded, "--apply", "--prune") == 1
    assert "! conflict   job retail-ml-staging-price_elasticity-training" in capsys.readouterr().out
    assert seeded.server.writes() == []
