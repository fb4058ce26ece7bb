"""One apply at a time: the bootstrap lease in the workspace, waited for, refused, replaced when stale."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from bootstrap.lease import LEASE_SECONDS, Lease, LeaseHolder, LeaseRefused, LeaseReport
from bootstrap.seeder import Seeder
from tests.bootstrap.conftest import FakeClock, Workspace
from tests.bootstrap.test_cli import bootstrap
from tests.bootstrap.test_seeder import CREATE, assert_one_job_per_spec, write_paths

LEASE = "/Shared/retail-ml/.lakestack/bootstrap.lease"
FAR_FUTURE = 4_000_000_000.0  # 2096: fresh on the fake clock and the real one


def lease_for(seeder: Seeder, *, wait_seconds: float = 0, progress: Callable[[str], None] = lambda line: None,
              owner: str = "ci") -> Lease:
    return Lease(seeder.workspace, seeder.env.platform.project, wait_seconds=wait_seconds, owner=owner,
                 progress=progress)


def held_by_another(ws: Workspace, *, expires: float) -> LeaseHolder:
    ws.state.folders.update({"/Shared/retail-ml", "/Shared/retail-ml/.lakestack"})
    holder = LeaseHolder("other-apply", "GitHub Actions run 7", "runner-2", 0.0, expires)
    ws.state.files[LEASE] = holder.encode()
    return holder


def apply_under_lease(seeder: Seeder, lease: Lease, before_change: Callable[[], None] = lambda: None) -> LeaseReport:
    """As `lakestack bootstrap --apply` does it: plan and apply under the lease, renewing it before each write."""
    def each_change() -> None:
        before_change()
        lease.renew_if_due()

    with lease.held() as report:
        seeder.apply(seeder.plan(), before_change=each_change)
    return report


def test_an_apply_holds_the_lease_and_releases_it(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert bootstrap(workspace, "--env", "staging", "--apply") == 0
    assert f"Lease {LEASE} held by this apply." in capsys.readouterr().out
    assert LEASE not in workspace.state.files
    assert [r.path for r in workspace.server.writes(bookkeeping=True)][:2] == [
        "/api/2.0/workspace/mkdirs", "/api/2.0/workspace/import"]


def test_the_lease_is_released_when_the_apply_fails(workspace: Workspace) -> None:
    workspace.state.fail_creates_after = 1
    assert bootstrap(workspace, "--env", "staging", "--apply") == 2
    assert LEASE not in workspace.state.files


def test_a_second_apply_refuses_while_another_holds_the_lease(workspace: Workspace,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    held_by_another(workspace, expires=FAR_FUTURE)
    assert bootstrap(workspace, "--env", "staging", "--apply", "--lease-wait", "0") == 1
    err = capsys.readouterr().err
    assert f"another apply holds the bootstrap lease {LEASE}: GitHub Actions run 7 on runner-2" in err
    assert "nothing was changed" in err and "Traceback" not in err
    assert workspace.server.writes() == [] and workspace.state.jobs == {}
    assert workspace.state.files[LEASE] == LeaseHolder("other-apply", "GitHub Actions run 7", "runner-2", 0.0,
                                                       FAR_FUTURE).encode()  # not ours to delete


def test_a_second_apply_waits_for_the_lease_then_applies(workspace: Workspace) -> None:
    held_by_another(workspace, expires=FAR_FUTURE)
    polls: list[str] = []
    workspace.clock.on_sleep.append(lambda: polls.append("poll") if len(polls) < 2 else
                                    workspace.state.files.pop(LEASE, None))
    lines: list[str] = []
    seeder = workspace.seeder()
    report = apply_under_lease(seeder, lease_for(seeder, wait_seconds=60, progress=lines.append))
    assert report.waited_for is not None and report.waited_seconds == 15
    assert report.describe() == (f"Lease {LEASE} held by this apply; waited 15 s for the apply of GitHub Actions "
                                 "run 7 on runner-2, since 1970-01-01 00:00:00 UTC.")
    assert lines == [f"waiting for the bootstrap lease {LEASE}, held by GitHub Actions run 7 on runner-2, since "
                     "1970-01-01 00:00:00 UTC (up to 60 s)"]
    assert_one_job_per_spec(workspace)


def test_an_expired_lease_is_replaced(workspace: Workspace) -> None:
    workspace.clock.now = 5_000.0
    stale = held_by_another(workspace, expires=4_000.0)
    seeder = workspace.seeder()
    report = apply_under_lease(seeder, lease_for(seeder))
    assert report.replaced == [stale]
    assert_one_job_per_spec(workspace)
    assert LEASE not in workspace.state.files


def test_a_lease_created_by_a_lost_attempt_is_recognised_as_ours(workspace: Workspace) -> None:
    workspace.server.drop("POST", "/api/2.0/workspace/import", reached=True)
    seeder = workspace.seeder()
    apply_under_lease(seeder, lease_for(seeder))
    assert_one_job_per_spec(workspace)
    assert LEASE not in workspace.state.files


def test_a_long_apply_renews_its_lease(workspace: Workspace) -> None:
    seeder = workspace.seeder()
    lease = lease_for(seeder)

    def time_passes() -> None:
        workspace.clock.now += LEASE_SECONDS / 4

    apply_under_lease(seeder, lease, before_change=time_passes)
    renewals = [r for r in workspace.server.writes(bookkeeping=True)
                if r.path == "/api/2.0/workspace/import" and r.body.get("overwrite")]
    assert len(renewals) >= 5


def concurrent_applies(ws: Workspace, second_wait: float) -> tuple[list[str], list[BaseException]]:
    """Two applies in threads: the first stops before its first write until the second has seen its lease."""
    first_may_go, first_done = threading.Event(), threading.Event()
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def first() -> None:
        seeder = ws.seeder()
        try:
            apply_under_lease(seeder, lease_for(seeder, owner="first"),
                              before_change=lambda: first_may_go.wait(timeout=30))
            outcomes.append("first applied")
        finally:
            first_may_go.set()
            first_done.set()

    def second() -> None:
        clock = FakeClock()
        clock.on_sleep.append(lambda: first_done.wait(timeout=30))
        seeder = ws.seeder(clock=clock)
        lease = lease_for(seeder, wait_seconds=second_wait, owner="second", progress=lambda line: first_may_go.set())
        try:
            report = apply_under_lease(seeder, lease)
            outcomes.append(f"second applied after waiting for {report.waited_for.owner if report.waited_for else '-'}")
        except LeaseRefused as exc:
            errors.append(exc)
        finally:
            first_may_go.set()

    one = threading.Thread(target=first)
    one.start()
    while LEASE not in ws.state.files and one.is_alive():
        threading.Event().wait(0.01)
    two = threading.Thread(target=second)
    two.start()
    one.join(timeout=60)
    two.join(timeout=60)
    return outcomes, errors


def test_two_applies_at_once_one_writes_the_other_refuses(workspace: Workspace) -> None:
    outcomes, errors = concurrent_applies(workspace, second_wait=0)
    assert outcomes == ["first applied"]
    (refused,) = errors
    assert "another apply holds the bootstrap lease" in str(refused) and "first on" in str(refused)
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9


def test_two_applies_at_once_the_second_waits_and_finds_nothing_to_do(workspace: Workspace) -> None:
    outcomes, errors = concurrent_applies(workspace, second_wait=300)
    assert errors == []
    assert outcomes == ["first applied", "second applied after waiting for first"]
    assert_one_job_per_spec(workspace)
    assert write_paths(workspace).count(CREATE) == 9


def test_an_apply_whose_lease_was_taken_stops_before_its_next_change(workspace: Workspace) -> None:
    seeder = workspace.seeder()
    lease = lease_for(seeder)

    def lease_expires_and_is_taken() -> None:
        workspace.clock.now += LEASE_SECONDS
        held_by_another(workspace, expires=FAR_FUTURE)

    with pytest.raises(LeaseRefused, match="expired during this apply and was taken by GitHub Actions run 7"):
        apply_under_lease(seeder, lease, before_change=lease_expires_and_is_taken)
    assert workspace.state.jobs == {} and LEASE in workspace.state.files  # the other apply's lease is kept


def test_the_json_plan_says_what_the_lease_did(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert bootstrap(workspace, "--env", "staging", "--apply", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["lease"] == f"Lease {LEASE} held by this apply."


def test_lease_wait_must_be_whole_seconds(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        bootstrap(workspace, "--env", "staging", "--apply", "--lease-wait", "soon")
    assert exited.value.code == 2
    assert "'soon' is not a whole number of seconds" in capsys.readouterr().err
