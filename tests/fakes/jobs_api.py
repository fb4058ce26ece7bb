"""Jobs, job permissions, MLflow experiments, workspace folders and files, service principals, in memory.

Answers like the real REST API where bootstrap depends on it: `jobs/list` filters by exact
(case-insensitive) name and pages with `next_page_token`, and leaves out tasks; `jobs/get` returns
settings with the server's defaults filled in (`format`, `timeout_seconds`, `run_if`, ...) and tasks
sorted by key; permissions carry an owner and an inherited admins grant; experiments and files need
their parent folder; importing a file that exists without `overwrite` is RESOURCE_ALREADY_EXISTS.
Hand edits go through `edit_job`, which is not an API call and not a logged write.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeDatabricks, Request

CREATOR = "bootstrap-admin@example.com"
TASK_DEFAULTS = {"run_if": "ALL_SUCCESS", "timeout_seconds": 0, "email_notifications": {}}
JOB_DEFAULTS = {"format": "MULTI_TASK", "timeout_seconds": 0, "webhook_notifications": {}}

Response = tuple[int, Any]


def _not_found(what: str) -> Response:
    return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"{what} does not exist"}


@dataclass
class JobsState:
    jobs: dict[int, dict[str, Any]] = field(default_factory=dict)
    grants: dict[int, dict[str, str]] = field(default_factory=dict)  # job id -> "group:x" -> level
    owners: dict[int, str] = field(default_factory=dict)  # job id -> "user:x"
    experiments: dict[str, dict[str, str]] = field(default_factory=dict)
    folders: set[str] = field(default_factory=lambda: {"/", "/Shared"})
    files: dict[str, str] = field(default_factory=dict)  # workspace path -> base64 content
    service_principals: list[dict[str, str]] = field(default_factory=list)
    workspace_id: str | None = None
    page_size: int = 20
    # fault hooks: creates numbered above `fail_creates_after` answer `create_failure_status`;
    # the next `lost_create_responses` creates are stored but answer 500.
    fail_creates_after: int | None = None
    create_failure_status: int = 400
    lost_create_responses: int = 0
    create_calls: int = 0
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1001))

    def add_service_principal(self, display_name: str, application_id: str) -> None:
        self.service_principals.append({"id": str(len(self.service_principals) + 1),
                                        "displayName": display_name, "applicationId": application_id})

    def jobs_named(self, name: str) -> list[int]:
        return sorted(job_id for job_id, s in self.jobs.items() if s.get("name") == name)

    def edit_job(self, job_id: int, edit: Callable[[dict[str, Any]], None]) -> None:
        """A change made by hand in the workspace UI."""
        edit(self.jobs[job_id])

    def add_job(self, settings: dict[str, Any]) -> int:
        job_id = next(self._ids)
        self.jobs[job_id] = _with_defaults(settings)
        self.owners[job_id] = f"user:{CREATOR}"
        self.grants[job_id] = {}
        return job_id

    # ---- jobs ------------------------------------------------------------------------------------

    def create(self, request: Request) -> Response:
        self.create_calls += 1
        if self.fail_creates_after is not None and self.create_calls > self.fail_creates_after:
            return self.create_failure_status, {"error_code": "INVALID_STATE", "message": "injected create failure"}
        body = dict(request.body)
        acl = body.pop("access_control_list", [])
        job_id = self.add_job(body)
        self.grants[job_id] = _grants(acl)
        if self.lost_create_responses > 0:
            self.lost_create_responses -= 1
            return 500, {"error_code": "INTERNAL_ERROR", "message": "injected: created, response lost"}
        return 200, {"job_id": job_id}

    def reset(self, request: Request) -> Response:
        job_id = int(request.body["job_id"])
        if job_id not in self.jobs:
            return _not_found(f"job {job_id}")
        self.jobs[job_id] = _with_defaults(request.body["new_settings"])
        return 200, {}

    def delete(self, request: Request) -> Response:
        job_id = int(request.body["job_id"])
        if self.jobs.pop(job_id, None) is None:
            return _not_found(f"job {job_id}")
        return 200, {}

    def get(self, request: Request) -> Response:
        job_id = int(request.arg("job_id") or 0)
        if job_id not in self.jobs:
            return _not_found(f"job {job_id}")
        return 200, self._job(job_id, full=True)

    def list(self, request: Request) -> Response:
        name = (request.arg("name") or "").lower()
        limit = min(int(request.arg("limit") or self.page_size), self.page_size)
        start = int(request.arg("page_token") or 0)
        matching = [job_id for job_id in sorted(self.jobs)
                    if not name or self.jobs[job_id].get("name", "").lower() == name]
        page = matching[start:start + limit]
        body: dict[str, Any] = {"jobs": [self._job(job_id, full=False) for job_id in page]}
        if start + limit < len(matching):
            body["next_page_token"] = str(start + limit)
            body["has_more"] = True
        return 200, body

    def _job(self, job_id: int, *, full: bool) -> dict[str, Any]:
        settings = copy.deepcopy(self.jobs[job_id])
        if not full:
            settings.pop("tasks", None)
            settings.pop("environments", None)
        return {"job_id": job_id, "created_time": job_id, "creator_user_name": CREATOR, "settings": settings}

    # ---- permissions -----------------------------------------------------------------------------

    def get_permissions(self, request: Request) -> Response:
        job_id = int(request.match.group(1)) if request.match else 0
        if job_id not in self.jobs:
            return _not_found(f"job {job_id}")
        return 200, self._permissions(job_id)

    def set_permissions(self, request: Request) -> Response:
        job_id = int(request.match.group(1)) if request.match else 0
        if job_id not in self.jobs:
            return _not_found(f"job {job_id}")
        acl = request.body.get("access_control_list", [])
        owners = [_principal(e) for e in acl if e.get("permission_level") == "IS_OWNER"]
        if len(owners) != 1:  # as the Jobs API: replacing permissions must name the one owner
            return 400, {"error_code": "INVALID_PARAMETER_VALUE", "message": "a job must have exactly one owner"}
        self.owners[job_id] = owners[0]
        self.grants[job_id] = _grants(acl)
        return 200, self._permissions(job_id)

    def _permissions(self, job_id: int) -> dict[str, Any]:
        entries = [_entry(self.owners[job_id], "IS_OWNER")]
        entries += [_entry(principal, level) for principal, level in sorted(self.grants[job_id].items())]
        entries.append({"group_name": "admins", "all_permissions": [
            {"permission_level": "CAN_MANAGE", "inherited": True, "inherited_from_object": ["/jobs/"]}]})
        return {"object_id": f"/jobs/{job_id}", "object_type": "job", "access_control_list": entries}

    # ---- experiments, folders, service principals -----------------------------------------------

    def get_experiment(self, request: Request) -> Response:
        experiment = self.experiments.get(request.arg("experiment_name") or "")
        return (200, {"experiment": experiment}) if experiment else _not_found("experiment")

    def create_experiment(self, request: Request) -> Response:
        name = request.body["name"]
        parent = name.rsplit("/", 1)[0] or "/"
        if parent not in self.folders:
            return _not_found(f"parent folder {parent}")
        if name in self.experiments:
            return 400, {"error_code": "RESOURCE_ALREADY_EXISTS", "message": f"experiment {name} exists"}
        experiment_id = str(next(self._ids))
        self.experiments[name] = {"experiment_id": experiment_id, "name": name, "lifecycle_stage": "active"}
        return 200, {"experiment_id": experiment_id}

    def restore_experiment(self, request: Request) -> Response:
        for experiment in self.experiments.values():
            if experiment["experiment_id"] == request.body["experiment_id"]:
                experiment["lifecycle_stage"] = "active"
                return 200, {}
        return _not_found("experiment")

    def mkdirs(self, request: Request) -> Response:
        parts = request.body["path"].strip("/").split("/")
        self.folders.update("/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1))
        return 200, {}

    def import_file(self, request: Request) -> Response:
        path = request.body["path"]
        parent = path.rsplit("/", 1)[0] or "/"
        if parent not in self.folders:
            return _not_found(f"The parent folder ({parent})")
        if path in self.files and not request.body.get("overwrite"):
            return 400, {"error_code": "RESOURCE_ALREADY_EXISTS", "message": f"Path ({path}) already exists."}
        self.files[path] = request.body.get("content", "")
        return 200, {}

    def export_file(self, request: Request) -> Response:
        path = request.arg("path") or ""
        if path not in self.files:
            return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"Path ({path}) doesn't exist."}
        return 200, {"content": self.files[path], "file_type": path.rsplit(".", 1)[-1]}

    def delete_file(self, request: Request) -> Response:
        path = request.body["path"]
        if self.files.pop(path, None) is None:
            return 404, {"error_code": "RESOURCE_DOES_NOT_EXIST", "message": f"Path ({path}) doesn't exist."}
        return 200, {}

    def list_service_principals(self, request: Request) -> Response:
        wanted = re.match(r'^displayName eq "(.*)"$', request.arg("filter") or "")
        found = [sp for sp in self.service_principals if not wanted or sp["displayName"] == wanted.group(1)]
        start = int(request.arg("startIndex") or 1)
        return 200, {"Resources": found[start - 1:], "totalResults": len(found), "startIndex": start}

    def host_metadata(self, request: Request) -> Response:
        return 200, ({"workspace_id": self.workspace_id} if self.workspace_id else {})


def _with_defaults(settings: dict[str, Any]) -> dict[str, Any]:
    """What the Jobs API stores: the settings plus its own defaults, tasks sorted by key."""
    stored = {**JOB_DEFAULTS, **copy.deepcopy(settings)}
    if "email_notifications" in stored:
        stored["email_notifications"] = {"no_alert_for_skipped_runs": False, **stored["email_notifications"]}
    tasks = [{**TASK_DEFAULTS, **task} for task in stored.get("tasks", [])]
    stored["tasks"] = sorted(tasks, key=lambda task: task["task_key"])
    return stored


def _principal(entry: dict[str, Any]) -> str:
    for kind in ("group_name", "service_principal_name", "user_name"):
        if entry.get(kind):
            return f"{kind.removesuffix('_name')}:{entry[kind]}"
    raise ValueError(f"access control entry without a principal: {entry}")


def _grants(acl: list[dict[str, Any]]) -> dict[str, str]:
    return {_principal(e): e["permission_level"] for e in acl if e.get("permission_level") != "IS_OWNER"}


def _entry(principal: str, level: str) -> dict[str, Any]:
    kind, name = principal.split(":", 1)
    return {f"{kind}_name": name, "all_permissions": [{"permission_level": level, "inherited": False}]}


def install_jobs_api(server: FakeDatabricks) -> JobsState:
    """Add the routes bootstrap uses to `server`; returns the state the routes read and write."""
    state = JobsState()
    routes: list[tuple[str, str, Callable[[Request], Response]]] = [
        ("GET", r"/\.well-known/databricks-config", state.host_metadata),
        ("POST", r"/api/2\.2/jobs/create", state.create),
        ("POST", r"/api/2\.2/jobs/reset", state.reset),
        ("POST", r"/api/2\.2/jobs/delete", state.delete),
        ("GET", r"/api/2\.2/jobs/get", state.get),
        ("GET", r"/api/2\.2/jobs/list", state.list),
        ("GET", r"/api/2\.0/permissions/jobs/(\d+)", state.get_permissions),
        ("PUT", r"/api/2\.0/permissions/jobs/(\d+)", state.set_permissions),
        ("GET", r"/api/2\.0/mlflow/experiments/get-by-name", state.get_experiment),
        ("POST", r"/api/2\.0/mlflow/experiments/create", state.create_experiment),
        ("POST", r"/api/2\.0/mlflow/experiments/restore", state.restore_experiment),
        ("POST", r"/api/2\.0/workspace/mkdirs", state.mkdirs),
        ("POST", r"/api/2\.0/workspace/import", state.import_file),
        ("GET", r"/api/2\.0/workspace/export", state.export_file),
        ("POST", r"/api/2\.0/workspace/delete", state.delete_file),
        ("GET", r"/api/2\.0/preview/scim/v2/ServicePrincipals", state.list_service_principals),
    ]
    for method, pattern, handler in routes:
        server.route(method, pattern, handler)
    return state
