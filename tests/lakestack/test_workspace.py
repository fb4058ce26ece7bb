"""The retry clock and the shared call: what is retried, for how long, and what may never be re-sent."""

from __future__ import annotations

import re
from typing import Any, cast

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import BadRequest, InternalError, TemporarilyUnavailable

from lakestack.workspace import RETRY_BUDGET_SECONDS, RetryClock, WaitRefused, Workspace, WorkspaceError
from tests.bootstrap.conftest import FakeClock


def workspace(notes: list[str] | None = None) -> tuple[Workspace, FakeClock]:
    clock = FakeClock()
    retry_clock = RetryClock(clock, notify=notes.append if notes is not None else None)
    return Workspace(cast(WorkspaceClient, None), "https://dbc-1.cloud.databricks.com", retry_clock), clock


def failing(*errors: Exception, result: Any = "done") -> tuple[list[int], Any]:
    calls: list[int] = []

    def call() -> Any:
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return result

    return calls, call


def test_a_400_is_not_retried_and_exits_as_a_refusal() -> None:
    ws, clock = workspace()
    calls, call = failing(BadRequest("no such field"))
    with pytest.raises(WorkspaceError, match="refused listing jobs: BadRequest: no such field"):
        ws.call("listing jobs", "CAN_VIEW", call)
    assert (len(calls), clock.sleeps) == (1, [])


def test_500s_are_retried_on_the_one_clock_with_growing_waits_and_announced() -> None:
    notes: list[str] = []
    ws, clock = workspace(notes)
    calls, call = failing(InternalError("down"), InternalError("down"))
    assert ws.call("listing jobs", "CAN_VIEW", call) == "done"
    assert len(calls) == 3 and len(clock.sleeps) == 2 and clock.sleeps[1] > clock.sleeps[0]
    assert re.fullmatch(r"listing jobs: InternalError: down; retrying in [12] s \(\d+ s of the 60 s retry budget "
                        r"left\)", notes[0])


def test_a_repeatable_call_whose_answer_never_came_is_sent_again() -> None:
    """The SDK leaves a timed-out POST to its caller; a repeatable one (a reset) is simply repeated."""
    ws, clock = workspace()
    calls, call = failing(requests.ReadTimeout("read timed out"))
    assert ws.call("resetting job 7", "CAN_MANAGE", call) == "done"
    assert len(calls) == 2 and len(clock.sleeps) == 1


def test_the_budget_bounds_the_total_wait_of_one_call() -> None:
    ws, clock = workspace()
    calls, call = failing(*[InternalError("down")] * 1000)
    with pytest.raises(WorkspaceError, match="gave up after the 60 s retry budget: InternalError: down"):
        ws.call("listing jobs", "CAN_VIEW", call)
    assert sum(clock.sleeps) < RETRY_BUDGET_SECONDS and len(calls) > 3


def test_nested_calls_share_the_outermost_budget() -> None:
    ws, clock = workspace()
    with ws.clock.budget("outer") as outer:
        clock.now += 50
        with ws.clock.budget("inner") as inner:
            assert (outer, inner) == (RETRY_BUDGET_SECONDS, 10)
            with pytest.raises(WaitRefused):
                ws.clock.sleep(11)


def test_a_single_attempt_refuses_every_wait_so_the_sdk_cannot_re_send() -> None:
    ws, clock = workspace()
    with ws.clock.budget("creating job x"), ws.clock.single_attempt():
        try:
            raise TemporarilyUnavailable("busy")
        except TemporarilyUnavailable:
            with pytest.raises(WaitRefused) as refused:
                ws.clock.sleep(0.0)
    assert isinstance(refused.value.error, TemporarilyUnavailable)
    assert refused.value.reason == "not re-sent blindly" and clock.sleeps == []


def test_a_create_is_looked_for_before_it_is_sent_again() -> None:
    ws, _ = workspace()
    sent: list[int] = []
    looked: list[int] = []

    def send() -> int:
        sent.append(1)
        raise InternalError("created, answer lost")

    def find() -> int | None:
        looked.append(1)
        return 1004

    created = ws.create("creating job x", "permission to create jobs", send, find)
    assert (created.value, created.found_after_retry, len(sent), len(looked)) == (1004, True, 1, 1)


def test_a_403_names_the_call_and_the_permission() -> None:
    from databricks.sdk.errors import PermissionDenied

    ws, _ = workspace()
    with pytest.raises(WorkspaceError) as caught:
        ws.call("creating job x", "permission to create jobs", failing(PermissionDenied("not allowed"))[1])
    assert caught.value.render() == ("error: permission denied (403) at https://dbc-1.cloud.databricks.com while "
                                     "creating job x: not allowed\nhint: the calling identity needs permission to "
                                     "create jobs")
