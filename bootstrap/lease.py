"""One bootstrap apply at a time per project and workspace: a lease kept as a workspace file.

The lease is `/Shared/<project>/.lakestack/bootstrap.lease`, created with `overwrite=False`: the
workspace refuses a second create of the same path, so of two applies exactly one gets it. It
holds who took it, from which machine, when, and until when. A second apply reads it, waits (up
to its wait limit, polling) and then takes the lease or refuses; a lease past its expiry was left
by an apply that died, and is replaced. The holder deletes it when it ends, error or not.

A stale lease is re-read just before it is deleted, so only one that still names the dead holder
goes. Two applies replacing the same stale lease in the same instant could both go on; even then
no job is created twice, because every create looks for the job before it is sent again.
"""

from __future__ import annotations

import base64
import getpass
import json
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from databricks.sdk.errors import NotFound, ResourceAlreadyExists
from databricks.sdk.service.workspace import ExportFormat, ImportFormat

from bootstrap.seeder import ApplyRefused
from lakestack.workspace import Workspace

LEASE_SECONDS = 30 * 60  # longer than any apply; an apply renews it when half is gone
POLL_SECONDS = 5.0

Progress = Callable[[str], None]


class LeaseRefused(ApplyRefused):
    """Another apply holds the lease and did not let go within the wait limit: nothing was written."""


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class LeaseHolder:
    """What the lease file says: which apply holds it, since and until when."""

    id: str
    owner: str
    machine: str
    started: float
    expires: float

    def describe(self) -> str:
        return f"{self.owner} on {self.machine}, since {_stamp(self.started)}"

    def encode(self) -> str:
        return base64.b64encode(json.dumps(asdict(self), sort_keys=True).encode()).decode()

    @classmethod
    def decode(cls, content: str | None) -> LeaseHolder:
        """The holder in a lease file; an unreadable file counts as a lease that has already expired."""
        try:
            data = json.loads(base64.b64decode(content or ""))
            return cls(str(data["id"]), str(data["owner"]), str(data["machine"]), float(data["started"]),
                       float(data["expires"]))
        except (ValueError, KeyError, TypeError):
            return cls(f"unreadable-{uuid.uuid5(uuid.NAMESPACE_URL, content or '')}", "an unreadable lease",
                       "unknown", 0.0, 0.0)


@dataclass
class LeaseReport:
    """What taking the lease involved, for the plan/apply output."""

    path: str
    waited_seconds: float = 0.0
    waited_for: LeaseHolder | None = None
    replaced: list[LeaseHolder] = field(default_factory=list)

    def describe(self) -> str:
        lines = [f"Lease {self.path} held by this apply"]
        if self.waited_for is not None:
            lines.append(f"waited {self.waited_seconds:.0f} s for the apply of {self.waited_for.describe()}")
        lines += [f"replaced the expired lease of {stale.describe()}" for stale in self.replaced]
        return "; ".join(lines) + "."


def default_owner() -> str:
    """Who is applying: the GitHub Actions run, or the local user."""
    run = os.environ.get("GITHUB_RUN_ID")
    if run:
        return f"GitHub Actions run {run} of {os.environ.get('GITHUB_REPOSITORY', 'the repository')}"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "an unknown user"


class Lease:
    """The bootstrap lease of one project in one workspace."""

    def __init__(self, workspace: Workspace, project: str, *, wait_seconds: float,
                 poll_seconds: float = POLL_SECONDS, lease_seconds: float = LEASE_SECONDS,
                 owner: str | None = None, progress: Progress = lambda line: None) -> None:
        self.workspace = workspace
        self.folder = f"/Shared/{project}/.lakestack"
        self.path = f"{self.folder}/bootstrap.lease"
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds
        self.lease_seconds = lease_seconds
        self.owner = owner or default_owner()
        self.progress = progress
        self.needs = f"CAN_EDIT on the workspace folder {self.folder} (any user can write under /Shared by default)"
        self.holder: LeaseHolder | None = None

    @contextmanager
    def held(self) -> Iterator[LeaseReport]:
        """Hold the lease for the block; it is released however the block ends."""
        report = self.acquire()
        try:
            yield report
        finally:
            self.release()

    # ---- taking and giving back --------------------------------------------------------------------

    def acquire(self) -> LeaseReport:
        clock = self.workspace.clock
        start = clock.time()
        report = LeaseReport(self.path)
        self.workspace.call(f"creating the folder {self.folder}", self.needs,
                            lambda: self.workspace.client.workspace.mkdirs(self.folder))
        while True:
            mine = self._new_holder()
            if self._create(mine):
                self.holder = mine
                report.waited_seconds = clock.time() - start
                return report
            current = self._read()
            if current is None:  # released between our create and our read
                continue
            if current.expires <= clock.time():
                self._replace_stale(current, report)
                continue
            waited = clock.time() - start
            if waited + self.poll_seconds > self.wait_seconds:
                raise LeaseRefused(
                    f"another apply holds the bootstrap lease {self.path}: {current.describe()}, until "
                    f"{_stamp(current.expires)}; waited {waited:.0f} s, nothing was changed")
            if report.waited_for is None:
                self.progress(f"waiting for the bootstrap lease {self.path}, held by {current.describe()} "
                              f"(up to {self.wait_seconds:.0f} s)")
            report.waited_for = current
            clock.base.sleep(self.poll_seconds)

    def renew_if_due(self) -> None:
        """Push the expiry out when half the lease is gone, so a long apply keeps it."""
        holder = self.holder
        if holder is None or holder.expires - self.workspace.clock.time() > self.lease_seconds / 2:
            return
        current = self._read()
        if current is None or current.id != holder.id:
            raise LeaseRefused(f"the bootstrap lease {self.path} expired during this apply and was taken by "
                               f"{current.describe() if current else 'nobody'}; stopping before the next change")
        renewed = LeaseHolder(holder.id, holder.owner, holder.machine, holder.started,
                              self.workspace.clock.time() + self.lease_seconds)
        self.workspace.call(f"renewing the bootstrap lease {self.path}", self.needs,
                            lambda: self._import(renewed, overwrite=True))
        self.holder = renewed

    def release(self) -> None:
        """Delete the lease if it is still ours; a lease that expired and was taken over is not ours to delete."""
        holder, self.holder = self.holder, None
        if holder is None:
            return
        current = self._read()
        if current is not None and current.id == holder.id:
            self._delete()

    # ---- the lease file ------------------------------------------------------------------------------

    def _new_holder(self) -> LeaseHolder:
        now = self.workspace.clock.time()
        return LeaseHolder(uuid.uuid4().hex, self.owner, socket.gethostname(), now, now + self.lease_seconds)

    def _import(self, holder: LeaseHolder, *, overwrite: bool) -> None:
        self.workspace.client.workspace.import_(self.path, content=holder.encode(), format=ImportFormat.AUTO,
                                                overwrite=overwrite)

    def _create(self, holder: LeaseHolder) -> bool:
        """Whether this create made the lease ours; a lease already there (someone else's) is False."""
        def send() -> bool:
            try:
                self._import(holder, overwrite=False)
            except ResourceAlreadyExists:
                return False
            return True

        def find() -> bool | None:  # an earlier attempt whose answer was lost may have made it ours
            current = self._read()
            return True if current is not None and current.id == holder.id else None

        return self.workspace.create(f"taking the bootstrap lease {self.path}", self.needs, send, find).value

    def _read(self) -> LeaseHolder | None:
        def export() -> str | None:
            try:
                return self.workspace.client.workspace.export(self.path, format=ExportFormat.SOURCE).content or ""
            except NotFound:
                return None

        content = self.workspace.call(f"reading the bootstrap lease {self.path}", self.needs, export)
        return None if content is None else LeaseHolder.decode(content)

    def _replace_stale(self, stale: LeaseHolder, report: LeaseReport) -> None:
        current = self._read()
        if current is not None and current.id == stale.id:
            self._delete()
            report.replaced.append(stale)
            self.progress(f"replaced the expired bootstrap lease of {stale.describe()}")

    def _delete(self) -> None:
        def delete() -> None:
            with suppress(NotFound):
                self.workspace.client.workspace.delete(self.path)

        self.workspace.call(f"releasing the bootstrap lease {self.path}", self.needs, delete)
