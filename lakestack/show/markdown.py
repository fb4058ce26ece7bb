"""`lakestack show --format markdown`: the access diagram, then tables per environment (GitHub renders both)."""

from __future__ import annotations

from typing import Any


def cell(value: Any) -> str:
    """A table cell: pipes escaped, newlines flattened."""
    return " ".join(str(value).split()).replace("|", "\\|")


def table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def render_markdown(facts: dict[str, Any], diagram: str) -> str:
    envs = facts["environments"]
    lines = [f"# {facts['project']}: the platform as declared", "",
             f"{len(envs)} environment(s), {len(facts['models'])} model(s), "
             f"{len(facts['feature_tables'])} feature table(s); GitHub `{facts['github_repository']}`.", "",
             "Who reaches which catalog from where: groups and deployers on the left (`read` thin, `write` and "
             "`owner` thick), catalogs in the middle, the workspaces each catalog is bound to on the right "
             "(dotted, READ_WRITE or READ_ONLY).", "",
             "```mermaid", diagram, "```"]
    for env in envs:
        lines += ["", *_environment(env)]
    return "\n".join(lines) + "\n"


def _environment(env: dict[str, Any]) -> list[str]:
    traits = [f"tier {env['tier']}"] + (["governed"] if env["governed"] else []) + (
        ["protected"] if env["protected"] else [])
    workspace, catalog, deployer = env["workspace"], env["catalog"], env["deployer"]
    where = (f"created by `{env['name']}-account` (AWS {workspace['region']})" if workspace["created"]
             else f"id {workspace['workspace_id']}")
    bindings = ", ".join(f"`{b['environment']}` {b['binding']}" for b in env["bindings"]) or "none (OPEN catalog)"
    lines = [f"## {env['name']} ({', '.join(traits)})", ""]
    lines += table(["what", "declared"], [
        ["stacks", ", ".join(f"`{s}`" for s in env["stacks"]) + f"; state backend `{env['backend']}`"],
        ["workspace", f"{workspace['host']} ({where})"],
        ["catalog", f"`{catalog['name']}` {catalog['isolation']}"
         + (", prevent_destroy" if catalog["prevent_destroy"] else "")
         + "; schemas " + ", ".join(f"`{s}`" for s in catalog["schemas"])],
        ["bindings", bindings],
        ["deployer", f"`{deployer['name']}`: owns catalog, schemas, models; CAN_MANAGE on endpoints; runs jobs; "
         f"workspace {deployer['workspace_permission']}; member of "
         + (", ".join(f"`{g}`" for g in deployer["member_of"]) or "no group")
         + f"; OIDC `{deployer['oidc_subject']}`"],
        ["workspace groups", ", ".join(f"`{g['group']}` {g['permission']}" for g in env["workspace_groups"])
         or "none"],
        ["notifications", ", ".join(env["notifications"]) or "nobody"],
    ])
    lines += ["", "**Access** (privileges per securable)", ""]
    lines += table(["group", "role", "catalog", "schemas", "registered models"], [
        [f"`{g['group']}` ({g['role']})", g["access"],
         *(" ".join(g["privileges"][s]) for s in ("catalog", "schema", "model"))]
        for g in env["access"]
    ]) if env["access"] else ["No human group has access."]
    if env["serving"]:
        lines += ["", "**Serving endpoints**", ""]
        lines += table(["model", "endpoint", "size", "callers (CAN_QUERY)", "rate limits"], [
            [e["model"], f"`{e['endpoint']}`", e["workload_size"] + (", scale to zero" if e["scale_to_zero"] else ""),
             ", ".join(e["callers"]) or "none", ", ".join(e["rate_limits"]) or "none"]
            for e in env["serving"]
        ])
    if env["monitors"]:
        lines += ["", "**Monitors and alerts**", ""]
        lines += table(["subject", "table", "granularities", "drift alert"], [
            [m["subject"], f"`{m['table']}`", ", ".join(m["granularities"]),
             f"{m['alert_when']}, retrain after {m['min_violating_windows']} window(s)"
             if m["kind"] == "inference" else f"feature table ({m['profile']})"]
            for m in env["monitors"]
        ])
    jobs = env["jobs"]
    lines += ["", f"**Jobs** (git {jobs['git_ref']}, data fraction {jobs['data_fraction']}, "
              f"{'paused' if jobs['paused'] else 'scheduled'}, run as `{jobs['run_as']}`; permissions: "
              + (", ".join(f"`{g}` {level}" for g, level in jobs["permissions"].items()) or "deployer only") + ")", ""]
    lines += table(["job", "model", "kind", f"schedule ({jobs['timezone']})"],
                   [[f"`{j['name']}`", j["model"], j["kind"], f"`{j['schedule']}`" if j["schedule"] else "on demand"]
                    for j in jobs["jobs"]])
    return lines
