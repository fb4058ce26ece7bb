"""Plan and apply the declared MLOps jobs and experiments of one environment, idempotently.

Jobs are found by name and the `managed-by: lakestack` tag, never by an id kept on disk, so a run
interrupted halfway is finished by the next one: every job is created fully tagged and with its
permissions in one call, sent once: when an attempt may have reached the server (a dropped
connection, a timeout, a 503), the job is looked up again before any re-send (`Workspace.create`),
and the change's note says what happened. A second apply finds
everything as declared and writes nothing. A job edited by hand shows as drift and is reset.
A job with the declared name but without the managed tag belongs to someone else: it is a
conflict, and apply refuses to run until it is renamed, removed or tagged.

A job lakestack seeded for this project and environment (by its tags) whose name the config no
longer declares, for example after a model was removed, is orphaned: the plan lists it and leaves
it alone, unless pruning was asked for, in which case it is deleted.

Two applies never write at once: `lakestack bootstrap --apply` plans and applies under the
workspace lease of `bootstrap/lease.py`.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, TypeVar

from databricks.sdk.errors import NotFound
from databricks.sdk.service import jobs
from databricks.sdk.service.ml import Experiment

from bootstrap.diff import ABSENT, FieldChange, field_changes
from bootstrap.jobs import KIND_TAG, MODEL_TAG, JobSpec, build_job_specs, is_managed, is_seeded_for
from infra.config.model import Environment
from lakestack.errors import InputError
from lakestack.workspace import Created, Workspace

if TYPE_CHECKING:
    from bootstrap.lease import LeaseReport

T = TypeVar("T")

PENDING_ACTIONS = ("create", "update", "restore", "delete")
LIST_PAGE_SIZE = 100  # the Jobs API's largest page


@dataclass
class Change:
    """One planned step: a resource, what happens to it, and the field-level difference for updates."""

    resource: str  # experiment | job | permissions
    name: str
    action: str  # create | update | unchanged | restore | delete | conflict | orphaned
    job_id: int | None = None
    diff: list[FieldChange] = field(default_factory=list)
    note: str = ""
    spec: JobSpec | None = field(default=None, repr=False, compare=False)
    experiment_id: str | None = None
    undeclared: bool = False  # a seeded job the config no longer declares (orphaned, or deleted by prune)

    @property
    def pending(self) -> bool:
        return self.action in PENDING_ACTIONS


@dataclass
class Plan:
    env: str
    host: str
    run_as_name: str
    run_as_application_id: str
    changes: list[Change]
    prune: bool = False
    lease: LeaseReport | None = None  # set when the plan was made to be applied, under the lease

    @property
    def pending(self) -> list[Change]:
        return [c for c in self.changes if c.pending]

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == "conflict"]

    @property
    def undeclared(self) -> list[Change]:
        return [c for c in self.changes if c.undeclared]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.action] = out.get(change.action, 0) + 1
        return out


class ApplyRefused(Exception):
    """Apply wrote nothing because it may not: jobs in conflict, or another apply holds the lease (exit 1)."""


class Seeder:
    """Reads the workspace into a Plan, and applies a Plan one change at a time."""

    def __init__(self, workspace: Workspace, env: Environment) -> None:
        self.workspace = workspace
        self.w = workspace.client
        self.env = env
        self.host = workspace.host

    def _call(self, action: str, needs: str, call: Callable[[], T]) -> T:
        return self.workspace.call(action, needs, call)

    # ---- plan ------------------------------------------------------------------------------------

    def plan(self, *, prune: bool = False) -> Plan:
        """The declared experiments and jobs, then the undeclared seeded jobs: deleted if `prune`, else kept."""
        application_id = self.deployer_application_id()
        specs = build_job_specs(self.env, application_id)
        changes = [self._plan_experiment(self.env.experiment_path(model)) for model in self.env.platform.models]
        for spec in specs:
            changes += self._plan_job(spec)
        changes += self._plan_undeclared(specs, prune)
        return Plan(self.env.name, self.host, self.env.deployer_name, application_id, changes, prune)

    def deployer_application_id(self) -> str:
        """The deployer service principal's application id, looked up by its display name."""
        name = self.env.deployer_name
        found = self._call(
            f"looking up service principal '{name}'",
            "workspace access (any workspace user can list service principals)",
            lambda: list(self.w.service_principals.list(filter=f'displayName eq "{name}"',
                                                         attributes="id,displayName,applicationId")),
        )
        matches = [sp for sp in found if sp.display_name == name and sp.application_id]
        if len(matches) != 1:
            problem = "is not in" if not matches else f"matches {len(matches)} service principals in"
            raise InputError(
                f"deployer service principal '{name}' {problem} workspace {self.host} "
                f"(environment '{self.env.name}'); jobs run as it",
                hint=f"deploy the environment's stack first (`cdktf deploy {self.env.name}` creates and assigns it), "
                     f"or set environments.{self.env.name}.deployer.display_name to its exact name",
            )
        assert matches[0].application_id
        return matches[0].application_id

    def _find_experiment(self, path: str) -> Experiment | None:
        try:
            return self.w.experiments.get_by_name(path).experiment
        except NotFound:
            return None

    def _plan_experiment(self, path: str) -> Change:
        experiment = self._call(f"reading experiment {path}", f"CAN_READ on {path}",
                                lambda: self._find_experiment(path))
        if experiment is None:
            return Change("experiment", path, "create")
        if experiment.lifecycle_stage == "deleted":
            return Change("experiment", path, "restore", experiment_id=experiment.experiment_id,
                          note="the experiment was deleted; restoring keeps its runs")
        return Change("experiment", path, "unchanged", experiment_id=experiment.experiment_id)

    def managed_jobs(self, name: str) -> tuple[list[jobs.BaseJob], list[jobs.BaseJob]]:
        return self._call(f"listing jobs named {name}", "CAN_VIEW on the jobs (or workspace admin)",
                          lambda: self._find_jobs(name))

    def _find_jobs(self, name: str) -> tuple[list[jobs.BaseJob], list[jobs.BaseJob]]:
        """(managed, unmanaged) jobs with exactly this name, oldest first."""
        listed = self.w.jobs.list(name=name)
        same = sorted((j for j in listed if j.settings and j.settings.name == name), key=lambda j: j.job_id or 0)
        managed = [j for j in same if j.settings and is_managed(j.settings.tags)]
        return managed, [j for j in same if j not in managed]

    def _plan_job(self, spec: JobSpec) -> list[Change]:
        managed, unmanaged = self.managed_jobs(spec.name)
        if not managed:
            if unmanaged:
                return [Change("job", spec.name, "conflict", job_id=unmanaged[0].job_id, spec=spec,
                               note=f"job {unmanaged[0].job_id} has this name but no managed-by: lakestack tag; "
                                    "rename or delete it, or add the tag to let lakestack take it over")]
            return [Change("job", spec.name, "create", spec=spec)]
        keep, *duplicates = managed
        assert keep.job_id is not None
        job_id = keep.job_id  # the narrowed id, for the lambda
        live = self._call(f"reading job {spec.name}", f"CAN_VIEW on job {spec.name}",
                          lambda: self.w.jobs.get(job_id))
        live_settings = live.settings.as_dict() if live.settings else {}
        diff = field_changes(spec.settings.as_dict(), live_settings)
        changes = [Change("job", spec.name, "update" if diff else "unchanged", job_id=keep.job_id, diff=diff,
                          spec=spec)]
        changes += [Change("job", spec.name, "delete", job_id=dup.job_id, spec=spec,
                           note=f"duplicate of job {keep.job_id}") for dup in duplicates]
        changes.append(self._plan_permissions(spec, keep.job_id))
        return changes

    def _plan_undeclared(self, specs: list[JobSpec], prune: bool) -> list[Change]:
        """Jobs tagged as seeded for this project and environment whose name no spec declares.

        The Jobs API cannot filter by tag, so every job is listed and the tags are checked here.
        """
        listed = self._call("listing the workspace's jobs", "CAN_VIEW on the jobs (or workspace admin)",
                            lambda: list(self.w.jobs.list(limit=LIST_PAGE_SIZE)))
        declared = {spec.name for spec in specs}
        seeded = [job for job in listed if job.settings and job.settings.name
                  and job.settings.name not in declared and is_seeded_for(job.settings.tags, self.env)]
        seeded.sort(key=lambda job: (job.settings.name if job.settings else "", job.job_id or 0))
        return [self._undeclared_change(job, specs, prune) for job in seeded]

    def _undeclared_change(self, job: jobs.BaseJob, specs: list[JobSpec], prune: bool) -> Change:
        assert job.settings is not None and job.settings.name
        reason = self._undeclared_reason(job.settings.tags or {}, specs)
        if prune:
            return Change("job", job.settings.name, "delete", job_id=job.job_id, note=reason, undeclared=True)
        return Change("job", job.settings.name, "orphaned", job_id=job.job_id, undeclared=True,
                      note=f"{reason}; left in place, --apply --prune deletes it")

    def _undeclared_reason(self, tags: dict[str, str], specs: list[JobSpec]) -> str:
        model, kind = tags.get(MODEL_TAG), tags.get(KIND_TAG)
        if model and model not in {m.name for m in self.env.platform.models}:
            return f"model '{model}' is no longer in the config"
        if model and kind and (model, kind) not in {(spec.model, spec.kind) for spec in specs}:
            return f"the config no longer declares a {kind} job for model '{model}' in {self.env.name}"
        return "the config no longer declares a job with this name"

    def _plan_permissions(self, spec: JobSpec, job_id: int) -> Change:
        live = self._live_permissions(spec.name, job_id)
        declared = {f"group:{group}": level for group, level in spec.permissions.items()}
        diff = [FieldChange(principal, live.get(principal, ABSENT), declared.get(principal, ABSENT))
                for principal in sorted(set(live) | set(declared))
                if live.get(principal) != declared.get(principal)]
        return Change("permissions", spec.name, "update" if diff else "unchanged", job_id=job_id, diff=diff,
                      spec=spec)

    def _job_permissions(self, name: str, job_id: int) -> jobs.JobPermissions:
        return self._call(f"reading permissions of job {name}", f"CAN_MANAGE on job {name}",
                          lambda: self.w.jobs.get_permissions(str(job_id)))

    def _live_permissions(self, name: str, job_id: int) -> dict[str, str]:
        """principal -> level for direct grants; the owner and inherited (admin) grants are not ours."""
        out = {}
        for entry in self._job_permissions(name, job_id).access_control_list or []:
            for permission in entry.all_permissions or []:
                level = permission.permission_level
                if permission.inherited or level is None or level == jobs.JobPermissionLevel.IS_OWNER:
                    continue
                out[_principal(entry)] = level.value
        return out

    # ---- apply -----------------------------------------------------------------------------------

    def apply(self, plan: Plan, progress: Callable[[Change], None] = lambda change: None,
              before_change: Callable[[], None] = lambda: None) -> list[Change]:
        """Carry out the plan's pending changes in order; each one is safe to repeat on a re-run.

        `before_change` runs before every write (the CLI renews the lease there).
        """
        if plan.conflicts:
            names = ", ".join(c.name for c in plan.conflicts)
            raise ApplyRefused(f"not applying: jobs owned by someone else have the declared names: {names}")
        applied = []
        for change in plan.pending:
            before_change()
            self._apply_one(change)
            applied.append(change)
            progress(change)
        return applied

    def _apply_one(self, change: Change) -> None:
        if change.resource == "experiment":
            self._apply_experiment(change)
            return
        if change.action == "delete":
            assert change.job_id is not None
            self._delete_job(change.name, change.job_id)
            return
        spec = change.spec
        assert spec is not None
        if change.resource == "permissions":
            assert change.job_id is not None
            self._set_permissions(spec, change.job_id)
        elif change.action == "create":
            self._create_job(change, spec)
        else:
            assert change.job_id is not None
            self._reset_job(spec.name, change.job_id, spec.settings)

    def _apply_experiment(self, change: Change) -> None:
        path = change.name
        if change.action == "restore":
            assert change.experiment_id
            experiment_id = change.experiment_id
            self._call(f"restoring experiment {path}", f"CAN_MANAGE on experiment {path}",
                       lambda: self.w.experiments.restore_experiment(experiment_id))
            return
        parent = posixpath.dirname(path)
        needs = f"CAN_EDIT on the folder {parent}"
        self._call(f"creating folder {parent}", needs, lambda: self.w.workspace.mkdirs(parent))

        def find() -> str | None:
            found = self._find_experiment(path)
            return found.experiment_id if found is not None and found.experiment_id else None

        created = self.workspace.create(f"creating experiment {path}", needs,
                                        lambda: self.w.experiments.create_experiment(path).experiment_id or "", find)
        change.experiment_id = created.value
        change.note = _retry_note(created, f"experiment {created.value}")

    def _create_job(self, change: Change, spec: JobSpec) -> None:
        """Create the job once: an attempt that may have reached the server is looked for before a re-send."""
        def send() -> int:
            job = self.w.jobs.create(access_control_list=spec.access_control(), **_create_arguments(spec.settings))
            assert job.job_id is not None
            return job.job_id

        def find() -> int | None:
            managed, _ = self._find_jobs(spec.name)
            return managed[0].job_id if managed else None

        created = self.workspace.create(f"creating job {spec.name}", self._run_as_needs("permission to create jobs"),
                                        send, find)
        change.job_id = created.value
        change.note = _retry_note(created, f"job {created.value}")

    def _reset_job(self, name: str, job_id: int, settings: jobs.JobSettings) -> None:
        self._call(f"resetting job {name} to its declared settings",
                   self._run_as_needs(f"CAN_MANAGE on job {name}"),
                   lambda: self.w.jobs.reset(job_id, settings))

    def _delete_job(self, name: str, job_id: int) -> None:
        def delete() -> None:
            with suppress(NotFound):  # already gone: a repeated delete is done
                self.w.jobs.delete(job_id)

        self._call(f"deleting job {job_id} ({name})", f"CAN_MANAGE on job {job_id}", delete)

    def _set_permissions(self, spec: JobSpec, job_id: int) -> None:
        owner = [_owner_request(entry) for entry in self._job_permissions(spec.name, job_id).access_control_list or []
                 if _is_owner(entry)]
        self._call(f"setting permissions of job {spec.name}", f"CAN_MANAGE on job {spec.name}",
                   lambda: self.w.jobs.set_permissions(str(job_id),
                                                       access_control_list=owner + spec.access_control()))

    def _run_as_needs(self, what: str) -> str:
        return (f"{what}, and the 'Service principal: User' role on '{self.env.deployer_name}' "
                "to make the job run as it")


def _retry_note(created: Created[Any], what: str) -> str:
    """What the plan/apply output says about a create that needed more than one attempt."""
    if created.found_after_retry:
        return f"found {what} created by an earlier attempt whose answer was lost; not re-sent"
    if created.attempts > 1:
        return f"sent {created.attempts} times: the earlier attempts failed and left nothing behind"
    return ""


def _create_arguments(settings: jobs.JobSettings) -> dict[str, Any]:
    """JobSettings as keyword arguments of `jobs.create` (which takes the same fields one by one)."""
    return {f.name: getattr(settings, f.name) for f in fields(settings) if getattr(settings, f.name) is not None}


def _principal(entry: jobs.JobAccessControlResponse) -> str:
    if entry.group_name:
        return f"group:{entry.group_name}"
    if entry.service_principal_name:
        return f"service_principal:{entry.service_principal_name}"
    return f"user:{entry.user_name}"


def _is_owner(entry: jobs.JobAccessControlResponse) -> bool:
    return any(p.permission_level == jobs.JobPermissionLevel.IS_OWNER and not p.inherited
               for p in entry.all_permissions or [])


def _owner_request(entry: jobs.JobAccessControlResponse) -> jobs.JobAccessControlRequest:
    """Keep the job's owner: a job must have exactly one, and it is not ours to change."""
    return jobs.JobAccessControlRequest(
        user_name=entry.user_name, group_name=entry.group_name,
        service_principal_name=entry.service_principal_name,
        permission_level=jobs.JobPermissionLevel.IS_OWNER,
    )
