"""One error mapping for every command that calls a workspace: the same failure, the same exit code and line."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from infra.config import load_config
from lakestack.cli import main
from lakestack.errors import EXIT_BAD_INPUT, InputError
from lakestack.workspace import connect
from tests.bootstrap.conftest import FakeClock, Workspace, config_at

SERVICE_PRINCIPALS = "/api/2.0/preview/scim/v2/ServicePrincipals"
COMMANDS = {
    "bootstrap": ["bootstrap", "--env", "staging"],
    "bootstrap --apply": ["bootstrap", "--env", "staging", "--apply"],
    "audit --live": ["audit", "--live", "--env", "staging"],
}


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands' retry clock waits on fake time, so a spent budget costs no real minute."""
    monkeypatch.setattr("lakestack.workspace.RealClock", FakeClock)


def run(ws: Workspace, command: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main([*COMMANDS[command], "--config", str(ws.config_path)])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_a_persistent_500_exits_2_with_one_line_in_every_command(
        workspace: Workspace, command: str, fake_time: None, capsys: pytest.CaptureFixture[str]) -> None:
    workspace.server.fail("GET", SERVICE_PRINCIPALS, 500, "Internal error happened", error_code="INTERNAL_ERROR",
                          times=10_000)
    code, err = run(workspace, command, capsys)
    assert code == EXIT_BAD_INPUT
    *notes, error, hint = err.strip().splitlines()
    assert notes and all(n.startswith("note: ") and "retrying in" in n and "retry budget left" in n for n in notes)
    assert error.startswith(f"error: {workspace.server.url} kept failing while ")
    assert error.endswith("gave up after the 60 s retry budget: INTERNAL_ERROR InternalError: Internal error happened")
    assert hint.startswith("hint: check that the host is reachable")
    assert workspace.server.writes() == []


@pytest.mark.parametrize("command", COMMANDS)
def test_a_403_names_the_call_and_the_permission(workspace: Workspace, command: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    workspace.server.fail("GET", SERVICE_PRINCIPALS, 403, "User does not have permission to list service "
                          "principals. [ReqId: 4f1c]", error_code="PERMISSION_DENIED")
    code, err = run(workspace, command, capsys)
    assert code == EXIT_BAD_INPUT
    first, hint = err.strip().splitlines()
    assert first.startswith(f"error: permission denied (403) at {workspace.server.url} while ")
    assert "User does not have permission to list service principals" in first
    assert hint.startswith("hint: the calling identity needs ")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_401_says_the_credentials_are_not_valid(workspace: Workspace, command: str,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    workspace.server.fail("GET", SERVICE_PRINCIPALS, 401, "Credential was not sent or was of an unsupported type "
                          "for this API. [ReqId: 9e2a]", error_code="UNAUTHENTICATED")
    code, err = run(workspace, command, capsys)
    assert code == EXIT_BAD_INPUT
    assert f"error: authentication failed (401) at {workspace.server.url} while " in err
    assert "hint: the credentials are not valid for this workspace; set DATABRICKS_TOKEN" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_missing_credentials_fail_before_any_call_with_the_ways_to_give_them(
        workspace: Workspace, command: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    code, err = run(workspace, command, capsys)
    assert code == EXIT_BAD_INPUT
    assert f"error: no Databricks credentials for {workspace.server.url}: default auth: cannot configure " in err
    assert "hint: set DATABRICKS_TOKEN" in err and "Traceback" not in err
    assert [r.path for r in workspace.server.requests] == ["/.well-known/databricks-config"]  # asked once


def test_missing_credentials_fail_at_once_when_no_server_answers(workspace: Workspace, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The SDK's host probe gets the smallest budget it takes, one second, not the call budget of a minute."""
    monkeypatch.delenv("DATABRICKS_TOKEN")
    closed, config = closed_port_config(tmp_path)
    env = load_config(config).env("staging")
    with pytest.raises(InputError, match=f"no Databricks credentials for {closed}"):
        connect(env, notify=None)


def closed_port_config(tmp_path: Path) -> tuple[str, Path]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    return closed, config_at(tmp_path / "closed.yaml", closed)


@pytest.mark.parametrize("command", ["bootstrap", "audit --live"])
def test_an_unreachable_host_fails_within_the_budget_saying_each_wait(
        workspace: Workspace, command: str, tmp_path: Path, fake_time: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    closed, config = closed_port_config(tmp_path)
    assert main([*COMMANDS[command], "--config", str(config)]) == EXIT_BAD_INPUT
    *notes, error, hint = capsys.readouterr().err.strip().splitlines()
    assert notes and all("connection failed or dropped ([Errno 111] Connection refused); retrying in" in n
                         for n in notes)
    assert error.startswith(f"error: {closed} kept failing while ")
    assert error.endswith("gave up after the 60 s retry budget: connection failed or dropped ([Errno 111] "
                          "Connection refused)")
    assert hint == "hint: check that the host is reachable and the workspace is up, then run the command again"
