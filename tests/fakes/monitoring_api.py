"""Routes the monitoring task adds to the jobs fake: monitor refreshes and starting a job run.

POST `/api/2.1/unity-catalog/tables/{table}/monitor/refreshes` and POST `/api/2.2/jobs/run-now`
(runs only jobs that exist in the `JobsState` of `tests/fakes/jobs_api.py`, which also answers
`jobs/list`). Refreshed tables and started runs are recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tests.fakes.jobs_api import JobsState
from tests.fakes.server import FakeDatabricks, Request


@dataclass
class MonitoringState:
    refreshed: list[str] = field(default_factory=list)
    runs: list[int] = field(default_factory=list)


def install_monitoring_api(server: FakeDatabricks, jobs: JobsState) -> MonitoringState:
    state = MonitoringState()

    def refresh(request: Request) -> tuple[int, Any]:
        assert request.match is not None
        state.refreshed.append(request.match["table"])
        return 200, {"refresh_id": len(state.refreshed), "state": "PENDING"}

    def run_now(request: Request) -> tuple[int, Any]:
        job_id = int(request.body["job_id"])
        if job_id not in jobs.jobs:
            return 400, {"error_code": "INVALID_PARAMETER_VALUE", "message": f"Job {job_id} does not exist."}
        state.runs.append(job_id)
        return 200, {"run_id": 1000 + len(state.runs), "number_in_job": len(state.runs)}

    server.route("POST", r"/api/2\.1/unity-catalog/tables/(?P<table>[^/]+)/monitor/refreshes", refresh)
    server.route("POST", r"/api/2\.2/jobs/run-now", run_now)
    return state
