"""The one way lakestack talks to a workspace: the right host, one retry budget, one error mapping.

Bootstrap, the live audit, the deploy task, promote, rollback and monitoring all call the workspace
through a `Workspace` made here (`connect`, or `Workspace.wrap` for a client the runtime gives).

- Host: from the environment's config; a `DATABRICKS_HOST` naming another workspace, or a host that
  reports another workspace id, is refused. Credentials come from the SDK's own chain.
- Credentials are resolved before the first call with a one-second budget for the SDK's host probe,
  so missing credentials fail in about a second even when the host does not answer.
- Retries: one `RetryClock` is the SDK client's clock and lakestack's. The SDK retries 429, 503,
  dropped connections and timeouts; lakestack retries 500 and 504 of repeatable calls with the
  SDK's own `retried`. Both wait on that clock, and the clock refuses any wait past the call's one
  budget (`RETRY_BUDGET_SECONDS`), so a call never retries longer than that in total.
- A create is not repeatable: it runs with no SDK retry at all, and before it is sent again the
  caller's look-up runs first (`Workspace.create`), so an attempt that reached the server is found.
- Errors: 401 and 403 name the permission the call needs; any other failure after the retries is a
  `WorkspaceError`. All of them exit 2: the command could not reach a verdict (see docs/bootstrap.md).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Generic, TypeVar, cast
from urllib.parse import urlparse

import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import Clock, RealClock
from databricks.sdk.config import Config
from databricks.sdk.errors import DatabricksError, DeadlineExceeded, InternalError, PermissionDenied, Unauthenticated
from databricks.sdk.retries import retried

from infra.config.model import Environment
from lakestack.errors import InputError

T = TypeVar("T")

CREDENTIALS_HINT = (
    "set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or DATABRICKS_CONFIG_PROFILE "
    "naming a profile in ~/.databrickscfg, or run in GitHub Actions with OIDC federation (see docs/ci-cd.md)"
)
# Every workspace call gets this much retrying in total: throttling and short outages pass, an
# unreachable host or a broken service is reported within a minute.
RETRY_BUDGET_SECONDS = 60
# The SDK asks the host for its metadata before it resolves credentials, retrying within its retry
# budget; one second (the smallest budget it accepts) keeps missing credentials from waiting a minute.
PROBE_BUDGET_SECONDS = 1
PROBE_HTTP_TIMEOUT_SECONDS = 10


class WorkspaceError(InputError):
    """The workspace refused or failed a call (after the retries): no verdict was reached, exit code 2."""


class WaitRefused(Exception):
    """The retry clock refused a wait: the call's budget is spent, or the call may not be repeated.

    Raised from inside the SDK's retry loop, where the failed attempt's error is the one being handled.
    """

    def __init__(self, error: BaseException | None, reason: str) -> None:
        self.error = error
        self.reason = reason
        super().__init__(f"{reason}: {describe(error)}" if error is not None else reason)


Notify = Callable[[str], None]


def notify_stderr(line: str) -> None:
    """Say that a call is waiting and why, so a retrying command is never silent."""
    print(f"note: {line}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class _Scope:
    deadline: float
    reason: str  # why a wait past the deadline is refused
    action: str  # what is being retried, for the notes


class RetryClock(Clock):
    """The one clock of a workspace connection: the SDK's retries and lakestack's wait on it.

    Inside `budget()` a wait that would end past the budget's deadline is refused; inside
    `single_attempt()` every wait is refused, so the SDK cannot re-send the request. Every wait it
    allows is announced through `notify`.
    """

    def __init__(self, base: Clock | None = None, *, budget_seconds: float = RETRY_BUDGET_SECONDS,
                 notify: Notify | None = None) -> None:
        self.base = base or RealClock()
        self.budget_seconds = budget_seconds
        self.notify = notify
        self._local = threading.local()

    def time(self) -> float:
        return self.base.time()

    def sleep(self, seconds: float) -> None:
        scope = self._current()
        error = sys.exception()
        if scope is not None and self.time() + seconds >= scope.deadline:
            raise WaitRefused(error, scope.reason)
        if self.notify is not None and scope is not None:
            left = scope.deadline - self.time()
            self.notify(f"{scope.action}: {describe(error)}; retrying in {seconds:.0f} s "
                        f"({left:.0f} s of the {self.budget_seconds:g} s retry budget left)")
        self.base.sleep(seconds)

    def _scopes(self) -> list[_Scope]:
        if not hasattr(self._local, "scopes"):
            self._local.scopes = []
        return self._local.scopes

    def _current(self) -> _Scope | None:
        scopes = self._scopes()
        return scopes[-1] if scopes else None

    @contextmanager
    def _scope(self, scope: _Scope) -> Iterator[None]:
        self._scopes().append(scope)
        try:
            yield
        finally:
            self._scopes().pop()

    @contextmanager
    def budget(self, action: str) -> Iterator[float]:
        """One call's retry budget; nested calls share the outermost one. Yields the seconds left."""
        outer = self._current()
        if outer is not None:
            yield max(0.0, outer.deadline - self.time())
            return
        reason = f"gave up after the {self.budget_seconds:g} s retry budget"
        with self._scope(_Scope(self.time() + self.budget_seconds, reason, action)):
            yield self.budget_seconds

    @contextmanager
    def single_attempt(self) -> Iterator[None]:
        outer = self._current()
        with self._scope(_Scope(self.time(), "not re-sent blindly", outer.action if outer else "")):
            yield


def describe(error: BaseException | None) -> str:
    """A failed attempt in a few words: `503 TemporarilyUnavailable: ...`, `connection dropped`, ..."""
    if error is None:
        return "no error"
    if isinstance(error, WaitRefused):
        return describe(error.error)
    if isinstance(error, DatabricksError):
        code = f"{error.error_code} " if getattr(error, "error_code", None) else ""
        return f"{code}{type(error).__name__}: {_first_line(error)}"
    if isinstance(error, requests.Timeout):
        return "no answer within the HTTP timeout"
    if isinstance(error, requests.ConnectionError):
        return f"connection failed or dropped ({_connection_problem(error)})"
    if isinstance(error, TimeoutError) and error.__cause__ is not None:
        return describe(error.__cause__)
    return f"{type(error).__name__}: {_first_line(error)}"


# The roots of requests/urllib3 connection errors, most telling first.
CONNECTION_PROBLEMS = ("[Errno", "Remote end closed connection", "Name or service not known", "Connection aborted")


def _connection_problem(error: BaseException) -> str:
    """The root of a connection error (`[Errno 111] Connection refused`), not its long repr."""
    text = str(error)
    marker = next((m for m in CONNECTION_PROBLEMS if m in text), None)
    if marker is None:
        return _first_line(error)
    return text[text.index(marker):].split('"')[0].split("'")[0].rstrip(")")


def _first_line(exc: BaseException) -> str:
    return str(exc).split(". Config:")[0].splitlines()[0] if str(exc) else type(exc).__name__


def retry_reason(error: BaseException) -> str | None:
    """Why lakestack retries a repeatable call the SDK gave up on: a 500 or 504, or an answer that never came.

    The SDK re-sends a timed-out request itself except a POST, which newer releases leave to the caller since
    it may have been applied; lakestack's POSTs are a repeatable call's, or a create's, which looks first.
    """
    if isinstance(error, InternalError | DeadlineExceeded):
        return f"{type(error).__name__} is worth another attempt"
    if isinstance(error, requests.Timeout):
        return "no answer within the HTTP timeout"
    return None


def may_have_reached_the_server(error: BaseException) -> str | None:
    """A create that failed this way may exist on the server: look before sending it again."""
    if isinstance(error, WaitRefused) or retry_reason(error):
        return "the create may have reached the server"
    return None


@dataclass(frozen=True)
class Created(Generic[T]):
    """What a create returned, and whether an earlier attempt had already made it."""

    value: T
    found_after_retry: bool = False
    attempts: int = 1


@dataclass
class Workspace:
    """A workspace client with its host and retry clock; every call goes through `call` or `create`."""

    client: WorkspaceClient
    host: str
    clock: RetryClock

    @classmethod
    def wrap(cls, client: WorkspaceClient | Workspace) -> Workspace:
        """A client made elsewhere (the job's runtime, a test): lakestack's retries wait on its clock."""
        if isinstance(client, Workspace):
            return client
        clock = client.config.clock
        retry_clock = clock if isinstance(clock, RetryClock) else RetryClock(clock)
        return cls(client, client.config.host or "", retry_clock)

    def call(self, action: str, needs: str, fn: Callable[[], T]) -> T:
        """A repeatable call (a read, a reset, a delete, a PUT): retried within the one budget."""
        with self.errors(action, needs), self.clock.budget(action) as left:
            return retried(is_retryable=retry_reason, timeout=timedelta(seconds=left), clock=self.clock)(fn)()

    def create(self, action: str, needs: str, send: Callable[[], T], find: Callable[[], T | None]) -> Created[T]:
        """A create the server does not deduplicate: sent once per attempt, with `find` before each re-send.

        An attempt that failed in a way that may have reached the server (a dropped connection, a
        timeout, a 429/503 the SDK wanted to re-send, a 500 or 504) is followed by `find`; only when it
        finds nothing is the create sent again, within the same budget.
        """
        attempts = 0

        def attempt() -> Created[T]:
            nonlocal attempts
            if attempts:
                found = find()
                if found is not None:
                    return Created(found, found_after_retry=True, attempts=attempts)
            attempts += 1
            with self.clock.single_attempt():
                return Created(send(), attempts=attempts)

        with self.errors(action, needs), self.clock.budget(action) as left:
            return retried(is_retryable=may_have_reached_the_server, timeout=timedelta(seconds=left),
                           clock=self.clock)(attempt)()

    @contextmanager
    def errors(self, action: str, needs: str) -> Iterator[None]:
        """The one mapping of workspace failures to messages; every one exits 2 (see WorkspaceError)."""
        try:
            yield
        except Unauthenticated as exc:
            raise WorkspaceError(
                f"authentication failed (401) at {self.host} while {action}: {_first_line(exc)}",
                hint=f"the credentials are not valid for this workspace; {CREDENTIALS_HINT}",
            ) from None
        except PermissionDenied as exc:
            raise WorkspaceError(
                f"permission denied (403) at {self.host} while {action}: {_first_line(exc)}",
                hint=f"the calling identity needs {needs}",
            ) from None
        except WaitRefused as exc:
            raise WorkspaceError(f"{self.host} kept failing while {action}; {exc.reason}: {describe(exc.error)}",
                                 hint=RETRY_HINT) from None
        except (TimeoutError, requests.RequestException) as exc:
            raise WorkspaceError(f"{self.host} kept failing while {action}: {describe(exc)}",
                                 hint=RETRY_HINT) from None
        except DatabricksError as exc:
            raise WorkspaceError(f"{self.host} refused {action}: {describe(exc)}") from None


@contextmanager
def registry_errors(host: str, action: str, needs: str) -> Iterator[None]:
    """The same 401/403 messages for MLflow registry calls (Unity Catalog models) as for SDK calls.

    MLflow raises its own exception type and retries 5xx itself; only refusals are mapped here.
    """
    from mlflow.exceptions import MlflowException

    try:
        yield
    except MlflowException as exc:
        code = getattr(exc, "error_code", "")
        message = str(exc).removeprefix(f"{code}: ")
        if code == "UNAUTHENTICATED":
            raise WorkspaceError(f"authentication failed (401) at {host} while {action}: {message}",
                                 hint=f"the credentials are not valid for this workspace; {CREDENTIALS_HINT}") from None
        if code == "PERMISSION_DENIED":
            raise WorkspaceError(f"permission denied (403) at {host} while {action}: {message}",
                                 hint=f"the calling identity needs {needs}") from None
        raise


RETRY_HINT = "check that the host is reachable and the workspace is up, then run the command again"
HTTP_TIMEOUT_SECONDS = 60  # the SDK's default, restored after the probe


@contextmanager
def _quiet_probe() -> Iterator[None]:
    """The SDK warns when the host's metadata probe fails; the call that follows says what is wrong, once."""
    def not_the_probe(record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Failed to automatically resolve config from host metadata")

    logger = logging.getLogger("databricks.sdk")
    logger.addFilter(not_the_probe)
    try:
        yield
    finally:
        logger.removeFilter(not_the_probe)


def open_workspace(host: str | None, *, clock: Clock | None = None, notify: Notify | None = notify_stderr,
                   http_timeout_seconds: float = HTTP_TIMEOUT_SECONDS, **credentials: str) -> Workspace:
    """A client for `host` with the SDK's credential chain (or the given credentials), or bad input at once."""
    retry_clock = RetryClock(clock, notify=notify)
    try:
        with _quiet_probe():
            config = Config(host=host, retry_timeout_seconds=PROBE_BUDGET_SECONDS,
                            http_timeout_seconds=PROBE_HTTP_TIMEOUT_SECONDS, clock=retry_clock,
                            **cast("dict[str, Any]", credentials))  # SDK Config keywords, checked by Config
    except ValueError as exc:
        raise InputError(f"no Databricks credentials for {host or 'the workspace'}: {_first_line(exc)}",
                         hint=CREDENTIALS_HINT) from None
    config.retry_timeout_seconds = RETRY_BUDGET_SECONDS
    config.http_timeout_seconds = http_timeout_seconds
    return Workspace(WorkspaceClient(config=config), config.host or host or "", retry_clock)


def connect(env: Environment, *, clock: Clock | None = None, notify: Notify | None = notify_stderr,
            environ: Mapping[str, str] = os.environ) -> Workspace:
    """The environment's workspace: the configured host, the SDK's credentials, the configured workspace id."""
    host = check_host(env, environ)
    workspace = open_workspace(host, clock=clock, notify=notify)
    check_workspace_id(env, workspace.client.config.workspace_id)
    workspace.host = host
    return workspace


def normalise_host(host: str) -> str:
    """Scheme + host + port, lower case, no trailing slash: 'dbc-1.cloud.databricks.com/' == 'https://DBC-1...'."""
    value = host.strip()
    if "://" not in value:
        value = f"https://{value}"
    parsed = urlparse(value)
    return f"{parsed.scheme}://{parsed.netloc}".lower()


def workspace_host(env: Environment) -> str:
    """The environment's workspace URL, or bad input when the config gives none."""
    try:
        host = env.host
    except (AssertionError, AttributeError, TypeError):
        host = ""
    if not host or not urlparse(normalise_host(host)).hostname:
        raise InputError(
            f"environment '{env.name}' has no workspace host",
            hint=f"set environments.{env.name}.workspace.host (or workspace.create) in the platform config",
        )
    return host


def check_host(env: Environment, environ: Mapping[str, str] = os.environ) -> str:
    """The configured host; refuse when DATABRICKS_HOST points somewhere else."""
    host = workspace_host(env)
    override = environ.get("DATABRICKS_HOST", "").strip()
    if override and normalise_host(override) != normalise_host(host):
        raise InputError(
            f"DATABRICKS_HOST is {normalise_host(override)} but environment '{env.name}' is in "
            f"{normalise_host(host)}; refusing to touch a workspace other than the configured one",
            hint="unset DATABRICKS_HOST, or pick the --env whose workspace it names",
        )
    return host


def check_workspace_id(env: Environment, resolved: str | None) -> None:
    """A second guard: the id the host reports (its /.well-known metadata) must be the configured one."""
    declared = env.config.workspace.workspace_id
    if declared is not None and resolved and str(resolved) != str(declared):
        raise InputError(
            f"{normalise_host(env.host)} reports workspace id {resolved}, but environment '{env.name}' "
            f"declares workspace_id {declared}; refusing to touch a workspace other than the configured one",
            hint=f"correct environments.{env.name}.workspace (host or workspace_id) in the platform config",
        )
