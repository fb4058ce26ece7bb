"""`lakestack show` for a terminal: one block per environment, wrapped to 100 columns."""

from __future__ import annotations

import textwrap
from typing import Any

from lakestack.colour import Painter

WIDTH = 100
LABEL = 12  # width of the left column ("workspace", "catalog", ...)


def render_text(facts: dict[str, Any], paint: Painter | None = None) -> str:
    paint = paint or Painter(False)
    envs = facts["environments"]
    lines = [paint(f"{facts['project']}", "bold")
             + f": {len(envs)} environment(s), {len(facts['models'])} model(s), "
             f"{len(facts['feature_tables'])} feature table(s); GitHub {facts['github_repository']}"]
    for env in envs:
        lines += ["", *_environment(env, paint)]
    return "\n".join(lines) + "\n"


def _row(label: str, text: str, indent: int = 0, *, paint: Painter | None = None, styles: tuple[str, ...] = ()
         ) -> list[str]:
    """`label  text`, the text wrapped under itself; the label is styled after padding so columns line up."""
    pad = max(LABEL - indent, len(label) + 1)
    first = " " * indent + label.ljust(pad)
    lines = textwrap.wrap(text, width=WIDTH, initial_indent=first, subsequent_indent=" " * LABEL,
                          break_on_hyphens=False, break_long_words=False) or [first.rstrip()]
    if paint is not None and styles:
        lines[0] = " " * indent + paint(label, *styles) + lines[0][indent + len(label):]
    return lines


def _environment(env: dict[str, Any], paint: Painter) -> list[str]:
    traits = [f"tier {env['tier']}"] + (["governed"] if env["governed"] else []) + (
        ["protected"] if env["protected"] else [])
    title = f"== {env['name']} ({', '.join(traits)}) "
    lines = [paint(title.ljust(WIDTH, "="), "bold", "red" if env["protected"] else "cyan")]
    lines += _row("stacks", f"{', '.join(env['stacks'])}; state backend {env['backend']}")
    lines += _row("workspace", _workspace(env["workspace"]))
    catalog = env["catalog"]
    lines += _row("catalog", f"{catalog['name']}, {catalog['isolation']}"
                  + (", prevent_destroy" if catalog["prevent_destroy"] else "")
                  + f"; schemas {', '.join(catalog['schemas'])}; owner {catalog['owner']}")
    lines += _row("bindings", _bindings(env))
    lines += _access(env, paint)
    lines += _deployer(env["deployer"])
    for path in env["read_paths"]:
        lines += _row("read path", f"{path['deployer']} reads {path['model']} (deploy-model {path['step']}): "
                      "USE_CATALOG, USE_SCHEMA on ml, EXECUTE on the model")
    lines += _row("workspace", "groups assigned as USER: "
                  + (", ".join(g["group"] for g in env["workspace_groups"]) or "none"))
    lines += _serving(env, paint)
    lines += _monitors(env, paint)
    lines += _jobs(env["jobs"], paint)
    lines += _row("notify", ", ".join(env["notifications"]) or "nobody")
    return lines


def _workspace(workspace: dict[str, Any]) -> str:
    if workspace["created"]:
        return f"{workspace['host']} (created by the account stack, AWS {workspace['region']})"
    return f"{workspace['host']} (id {workspace['workspace_id']})"


def _bindings(env: dict[str, Any]) -> str:
    if not env["bindings"]:
        return "none: an OPEN catalog is reachable from every workspace of the metastore"
    return ", ".join(f"{b['environment']} workspace {b['binding']}" for b in env["bindings"])


def _access(env: dict[str, Any], paint: Painter) -> list[str]:
    if not env["access"]:
        return _row("access", "no human group has access")
    lines = _row("access", "who holds which role on the catalog, its schemas and registered models:")
    for grant in env["access"]:
        colour = "red" if grant["access"] == "writer" else "green"
        lines += _row(f"{grant['group']} ({grant['role']})", grant["access"], indent=2, paint=paint,
                      styles=(colour,))
        for securable, privileges in grant["privileges"].items():
            count = len(grant["on"][securable]) if isinstance(grant["on"][securable], list) else 0
            where = f" on {count} {securable}s" if count else ""
            lines += _row(securable, " ".join(privileges) + where, indent=4)
    return lines


def _deployer(deployer: dict[str, Any]) -> list[str]:
    member = ", ".join(deployer["member_of"]) or "no group"
    return _row("deployer", f"{deployer['name']}: owns the catalog, its schemas and registered models; "
                f"CAN_MANAGE on its endpoints; runs the jobs; workspace {deployer['workspace_permission']}; "
                f"member of {member}; GitHub OIDC subject {deployer['oidc_subject']}")


def _serving(env: dict[str, Any], paint: Painter) -> list[str]:
    if not env["serving"]:
        return _row("serving", "no endpoints")
    lines = _row("serving", f"{len(env['serving'])} endpoint(s), CAN_QUERY for the callers listed")
    for endpoint in env["serving"]:
        size = endpoint["workload_size"] + (", scale to zero" if endpoint["scale_to_zero"] else "")
        lines += _row(endpoint["model"], f"endpoint {endpoint['endpoint']} ({size})", indent=2, paint=paint,
                      styles=("bold",))
        lines += _row("callers", ", ".join(endpoint["callers"]) or "none", indent=4)
        if endpoint["rate_limits"]:
            lines += _row("limits", ", ".join(endpoint["rate_limits"]), indent=4)
        lines += _row("payload", endpoint["payload_table"], indent=4)
    return lines


def _monitors(env: dict[str, Any], paint: Painter) -> list[str]:
    if not env["monitors"]:
        return _row("monitors", "none")
    lines = _row("monitors", f"{len(env['monitors'])} monitor(s)")
    for monitor in env["monitors"]:
        every = ", ".join(monitor["granularities"])
        if monitor["kind"] == "inference":
            lines += _row(monitor["subject"], f"{monitor['table']} ({every})", indent=2, paint=paint, styles=("bold",))
            lines += _row("alert", f"'{monitor['alert']}' when {monitor['alert_when']}; "
                          f"retrain after {monitor['min_violating_windows']} "
                          f"window(s) over it; {monitor['schedule']} {monitor['timezone']}", indent=4)
        else:
            lines += _row(monitor["subject"], f"{monitor['table']} (feature table, {monitor['profile']}, {every})",
                          indent=2, paint=paint, styles=("bold",))
    return lines


def _jobs(jobs: dict[str, Any], paint: Painter) -> list[str]:
    state = "paused" if jobs["paused"] else "scheduled"
    lines = _row("jobs", f"{len(jobs['jobs'])} job(s), {state}, from git {jobs['git_ref']}, data fraction "
                 f"{jobs['data_fraction']}, run as {jobs['run_as']}, times in {jobs['timezone']}")
    width = max((len(job["name"]) for job in jobs["jobs"]), default=0)
    for job in jobs["jobs"]:
        lines.append(f"  {job['name'].ljust(width)}  {job['schedule'] or 'on demand'}")
    permissions = ", ".join(f"{group} {level}" for group, level in jobs["permissions"].items())
    lines += _row("permissions", permissions or "deployer only", indent=2)
    return lines
