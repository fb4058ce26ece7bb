"""Talking to one environment's workspace safely: the right host, clear auth errors, patient retries.

Shared by everything that calls a workspace: bootstrap, the live audit and the deploy task.

The host comes from the environment's config and the credentials from the SDK's own chain
(DATABRICKS_TOKEN, OAuth client id/secret, a profile in ~/.databrickscfg, GitHub OIDC, ...).
Retries: the SDK itself retries 429 and 503 (honouring Retry-After) and failed connections; this
module adds a bounded exponential backoff for 500 and 504, which the SDK does not retry.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TypeVar
from urllib.parse import urlparse

from databricks.sdk import WorkspaceClient
from databricks.sdk.clock import Clock
from databricks.sdk.config import Config
from databricks.sdk.errors import (
    DatabricksError,
    DeadlineExceeded,
    InternalError,
    PermissionDenied,
    Unauthenticated,
)

from infra.config.model import Environment
from lakestack.errors import InputError

T = TypeVar("T")

CREDENTIALS_HINT = (
    "set DATABRICKS_TOKEN, or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or DATABRICKS_CONFIG_PROFILE "
    "naming a profile in ~/.databrickscfg, or run in GitHub Actions with OIDC federation (see docs/ci-cd.md)"
)
# The SDK's own retry budget (429, 503, connection errors) is 300 s; a mistyped or unreachable host
# would keep a command silent for five minutes before saying anything. A minute is ample for
# throttling and short outages.
SDK_RETRY_SECONDS = 60
RETRY_ATTEMPTS = 5
RETRY_BASE_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0


class WorkspaceError(Exception):
    """The workspace failed a call the user cannot fix by changing input (after retries): exit code 1."""


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


def connect(env: Environment, *, clock: Clock | None = None,
            environ: Mapping[str, str] = os.environ) -> WorkspaceClient:
    """A WorkspaceClient for `env`'s host with the SDK's credential chain; bad input when none resolves."""
    host = check_host(env, environ)
    try:
        options = {"clock": clock} if clock is not None else {}
        config = Config(host=host, retry_timeout_seconds=SDK_RETRY_SECONDS, **options)
    except ValueError as exc:
        raise InputError(
            f"no Databricks credentials for {host} (environment '{env.name}'): {_first_line(exc)}",
            hint=CREDENTIALS_HINT,
        ) from None
    check_workspace_id(env, config.workspace_id)
    return WorkspaceClient(config=config)


def check_workspace_id(env: Environment, resolved: str | None) -> None:
    """A second guard: the id the host reports (its /.well-known metadata) must be the configured one."""
    declared = env.config.workspace.workspace_id
    if declared is not None and resolved and str(resolved) != str(declared):
        raise InputError(
            f"{normalise_host(env.host)} reports workspace id {resolved}, but environment '{env.name}' "
            f"declares workspace_id {declared}; refusing to touch a workspace other than the configured one",
            hint=f"correct environments.{env.name}.workspace (host or workspace_id) in the platform config",
        )


def _first_line(exc: BaseException) -> str:
    return str(exc).split(". Config:")[0].splitlines()[0] if str(exc) else type(exc).__name__


@contextmanager
def workspace_call(action: str, needs: str, host: str) -> Iterator[None]:
    """Turn 401/403 into bad input naming what failed and the permission it needs; other errors into exit 1."""
    try:
        yield
    except Unauthenticated as exc:
        raise InputError(
            f"authentication failed (401) at {host} while {action}: {exc}",
            hint=f"the credentials are not valid for this workspace; {CREDENTIALS_HINT}",
        ) from None
    except PermissionDenied as exc:
        raise InputError(
            f"permission denied (403) at {host} while {action}: {exc}",
            hint=f"the calling identity needs {needs}",
        ) from None
    except DatabricksError as exc:
        raise WorkspaceError(f"{host} refused {action}: {type(exc).__name__}: {exc}") from None
    except TimeoutError as exc:
        raise WorkspaceError(f"{host} kept failing while {action} (retries exhausted): {exc}") from None


def is_transient(exc: BaseException) -> bool:
    """500 and 504: worth another attempt. 429/503 never reach here, the SDK retries them itself."""
    return isinstance(exc, InternalError | DeadlineExceeded)


def with_retries(call: Callable[[], T], *, sleep: Callable[[float], None] = time.sleep,
                 attempts: int = RETRY_ATTEMPTS) -> T:
    """Run `call`, retrying transient server errors with exponential backoff and jitter.

    `call` must be safe to repeat: the seeder passes look-up-then-write steps, so a write that
    succeeded on the server before its response was lost is found instead of repeated.
    """
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except DatabricksError as exc:
            if attempt == attempts or not is_transient(exc):
                raise
            delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (attempt - 1))
            sleep(delay * (0.5 + random.random() / 2))
    raise AssertionError("unreachable")
