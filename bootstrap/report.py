"""The bootstrap plan as a reviewer reads it (text) and as tools read it (JSON).

Text puts one line per resource with a Terraform-like marker (+ create, ~ update, - delete,
! conflict, ? orphaned, = unchanged), the field-level differences under each update as
`live -> declared`, and a one-line summary of what a new job will be. Orphaned jobs (seeded, no
longer declared, kept) end with how to remove them. No credentials ever reach this output.
"""

from __future__ import annotations

import json
from typing import Any

from databricks.sdk.service import jobs

from bootstrap.diff import ABSENT, FieldChange
from bootstrap.seeder import Change, Plan

MARKERS = {"create": "+", "update": "~", "restore": "~", "delete": "-", "conflict": "!", "orphaned": "?",
           "unchanged": "="}
VALUE_WIDTH = 160


def render_text(plan: Plan, *, applying: bool = False) -> str:
    """The plan; when `applying`, it ends by announcing the changes instead of inviting --apply."""
    lines = [
        f"Bootstrap plan for environment '{plan.env}' at {plan.host}",
        f"Jobs run as service principal '{plan.run_as_name}' (application id {plan.run_as_application_id})",
        *_shared_lines(plan),
        *([plan.lease.describe()] if plan.lease is not None else []),
        "",
    ]
    for change in _shown(plan):
        lines.append(f"  {MARKERS[change.action]} {change.action:<10} {_title(change)}")
        lines += [f"      {line}" for line in _details(change)]
    lines += ["", summary_line(plan), *_orphan_hint(plan), _next_step(plan, applying=applying)]
    return "\n".join(lines)


def _orphans(plan: Plan) -> list[Change]:
    return [c for c in plan.changes if c.action == "orphaned"]


def _orphan_hint(plan: Plan) -> list[str]:
    orphans = _orphans(plan)
    if not orphans:
        return []
    return [f"{len(orphans)} orphaned job(s) left in place: the config no longer declares them; "
            f"run `lakestack bootstrap --env {plan.env} --apply --prune` to delete them."]


def _next_step(plan: Plan, *, applying: bool) -> str:
    if not plan.pending:
        matching = "The declared jobs match" if _orphans(plan) else "The workspace matches"
        return f"{matching} the config; nothing to do."
    if applying:
        return f"Applying {len(plan.pending)} change(s):"
    flags = "--apply --prune" if plan.prune else "--apply"
    return f"Nothing was changed; run again with {flags} to make these changes."


def _shown(plan: Plan) -> list[Change]:
    """Unchanged permissions are folded into their job's line."""
    return [c for c in plan.changes if not (c.resource == "permissions" and c.action == "unchanged")]


def _shared_lines(plan: Plan) -> list[str]:
    """What every job of the environment has in common: code ref and permissions."""
    spec = next((c.spec for c in plan.changes if c.spec is not None), None)
    if spec is None or spec.settings.git_source is None:
        return []
    git = spec.settings.git_source
    ref = f"tag {git.git_tag}" if git.git_tag else f"branch {git.git_branch}"
    grants = ", ".join(f"{group} {level}" for group, level in sorted(spec.permissions.items()))
    return [f"Task code from {git.git_url} at {ref}; job permissions: {grants or 'owner only'}"]


def summary_line(plan: Plan) -> str:
    counts: dict[str, int] = {}
    for change in _shown(plan):
        counts[change.action] = counts.get(change.action, 0) + 1
    parts = [f"{counts.get('create', 0)} to create", f"{counts.get('update', 0) + counts.get('restore', 0)} to update",
             f"{counts.get('delete', 0)} to delete", f"{counts.get('unchanged', 0)} unchanged"]
    if counts.get("orphaned"):
        parts.append(f"{counts['orphaned']} orphaned (kept)")
    if counts.get("conflict"):
        parts.append(f"{counts['conflict']} in conflict (apply refuses until resolved)")
    return "Plan: " + ", ".join(parts) + "."


def progress_line(change: Change) -> str:
    return f"applied: {MARKERS[change.action]} {change.action} {_title(change)}"


def _title(change: Change) -> str:
    subject = "permissions of job" if change.resource == "permissions" else change.resource
    job = f" (job {change.job_id})" if change.job_id is not None else ""
    note = f": {change.note}" if change.note else ""
    return f"{subject} {change.name}{job}{note}"


def _details(change: Change) -> list[str]:
    if change.action == "create" and change.resource == "job" and change.spec is not None:
        return _new_job_summary(change)
    return [f"{d.path}: {_value(d.live)} -> {_value(d.declared)}" for d in change.diff]


def _new_job_summary(change: Change) -> list[str]:
    assert change.spec is not None
    settings = change.spec.settings
    line = "tasks: " + " -> ".join(task.task_key for task in settings.tasks or [])
    fraction = _option(settings, "--data-fraction")
    if fraction is not None and float(fraction) < 1:
        line += f" (trains on {float(fraction):.0%} of the data)"
    if settings.schedule is not None:
        paused = settings.schedule.pause_status == jobs.PauseStatus.PAUSED
        line += (f"; schedule: {settings.schedule.quartz_cron_expression} {settings.schedule.timezone_id}"
                 f"{' (paused)' if paused else ''}")
    return [line]


def _option(settings: jobs.JobSettings, option: str) -> str | None:
    """The value given to `option` by any Python task of the job."""
    for task in settings.tasks or []:
        python = task.spark_python_task
        parameters = (python.parameters or []) if python is not None else []
        if option in parameters[:-1]:
            return parameters[parameters.index(option) + 1]
    return None


def _value(value: Any) -> str:
    if value is ABSENT:
        return "(not set)"
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def render_json(plan: Plan, *, applied: list[Change] | None = None, error: str | None = None) -> str:
    document: dict[str, Any] = {
        "env": plan.env,
        "host": plan.host,
        "run_as": {"service_principal": plan.run_as_name, "application_id": plan.run_as_application_id},
        "changes": [_change_json(c) for c in plan.changes],
        "summary": plan.counts(),
        "prune": plan.prune,
        "applied": applied is not None,
        "lease": plan.lease.describe() if plan.lease is not None else None,
    }
    if applied is not None:
        document["applied_changes"] = len(applied)
    if error is not None:
        document["error"] = error
    return json.dumps(document, indent=2, sort_keys=True)


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "resource": change.resource,
        "name": change.name,
        "action": change.action,
        "job_id": change.job_id,
        "note": change.note or None,
        "diff": [_diff_json(d) for d in change.diff],
    }


def _diff_json(change: FieldChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "live": None if change.live is ABSENT else change.live,
        "declared": None if change.declared is ABSENT else change.declared,
    }
