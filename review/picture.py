"""Who can read and write what, as a mermaid flowchart (GitHub renders mermaid in comments).

Environments with their workspace and catalog, the catalog's workspace bindings, and each group's
role on each catalog, from the head config.
"""

from __future__ import annotations

import re

from infra.config import PlatformConfig


def simple_access_diagram(config: PlatformConfig) -> str:
    lines = ["flowchart LR"]
    for env in config.envs():
        key = _id(env.name)
        lines += [f'  subgraph {key}["{env.name} ({env.tier})"]',
                  f'    {key}_ws["workspace {env.name}"]',
                  f'    {key}_cat[("catalog {env.catalog}")]', "  end"]
    roles = sorted({role for env in config.envs() for role in env.config.access})
    for role in roles:
        lines.append(f'  {_id("g_" + role)}(["{role}: {config.groups.get(role, role)}"])')
    for env in config.envs():
        key = _id(env.name)
        if env.governed:
            lines.append(f"  {key}_cat -- READ_WRITE --> {key}_ws")
            lines += [f"  {key}_cat -. READ_ONLY .-> {_id(other)}_ws" for other in env.config.read_only_from]
        for role, level in sorted(env.config.access.items()):
            arrow = "==>" if level == "writer" else "-->"
            lines.append(f"  {_id('g_' + role)} {arrow}|{level}| {key}_cat")
    return "\n".join(lines) + "\n"


def _id(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", name)
