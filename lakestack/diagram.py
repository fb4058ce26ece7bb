"""Who can read and write which catalog, as a mermaid flowchart (what `lakestack show` and the review draw).

One subgraph per environment holds its workspace, its catalog (with isolation) and its deployer; account
groups sit apart. Edges: a workspace binding (dotted, READ_WRITE or READ_ONLY, from the catalog to the
bound environment's workspace), a group's role on a catalog (`read` thin, `write` thick) and the
deployer's ownership. Left to right: who (groups, deployers) -> what (catalogs) -> where (workspaces).
Everything comes from the config's accessors, the same ones the stacks use.

Node ids are generated (`env_1`, `group_2`, ...), never taken from names, so no environment or group
name can break the syntax or collide with a mermaid keyword; labels escape quotes and markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.config.model import Environment, PlatformConfig

WRITE_COLOUR, READ_COLOUR, BINDING_COLOUR, PROTECTED_COLOUR = "#c0392b", "#2471a3", "#7f8c8d", "#c0392b"
BINDING_LABELS = {"BINDING_TYPE_READ_WRITE": "READ_WRITE", "BINDING_TYPE_READ_ONLY": "READ_ONLY"}
ROLE_EDGES = {"reader": ("-->", "read", READ_COLOUR), "writer": ("==>", "write", WRITE_COLOUR)}


def access_diagram(config: PlatformConfig, *, env: str | None = None) -> str:
    """The mermaid source (no code fence) of environments, catalogs, bindings, groups and deployers.

    With `env`, only that environment's catalog and who reaches it (plus the workspaces bound to it).
    """
    return _Diagram(config).render(env)


def fenced(diagram: str) -> str:
    """A mermaid code block, which GitHub renders as a diagram in comments and markdown files."""
    return f"```mermaid\n{diagram}\n```"


def label(text: str) -> str:
    """Text safe inside a quoted mermaid label: entity codes for the characters mermaid or HTML would read."""
    text = " ".join(str(text).split())
    for char, code in (("#", "#35;"), ("&", "#amp;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"),
                       ("|", "#124;"), ("`", "#96;")):
        text = text.replace(char, code)
    return text


@dataclass
class _Diagram:
    config: PlatformConfig
    lines: list[str] = field(default_factory=list)
    edge_colours: list[str] = field(default_factory=list)
    ids: dict[tuple[str, str], str] = field(default_factory=dict)

    def node(self, kind: str, name: str) -> str:
        """A stable, syntax-safe id per (kind, name), numbered in order of first use."""
        key = (kind, name)
        if key not in self.ids:
            self.ids[key] = f"{kind}_{sum(1 for k, _ in self.ids if k == kind) + 1}"
        return self.ids[key]

    def edge(self, source: str, arrow: str, text: str, target: str, colour: str) -> None:
        self.lines.append(f"  {source} {arrow}|{text}| {target}")
        self.edge_colours.append(colour)

    def render(self, only: str | None) -> str:
        envs = [e for e in self.config.envs() if only is None or e.name == only]
        self.lines = ["flowchart LR"]
        roles = sorted({role for e in envs for role in e.config.access})
        if roles:
            self.lines.append(f'  subgraph {self.node("box", "groups")}["account groups"]')
            self.lines.append("    direction TB")
            for role in roles:
                group = self.config.groups.get(role, "?")
                self.lines.append(f'    {self.node("group", role)}["{label(role)}<br/>{label(group)}"]')
            self.lines.append("  end")
        for e in envs:
            self._environment(e)
        self._outside_workspaces(envs)
        for e in envs:
            self._edges(e)
        self._styles(envs)
        return "\n".join(self.lines)

    def _environment(self, e: Environment) -> None:
        title = e.name if e.tier == e.name else f"{e.name} (tier {e.tier})"
        box = self.node("env", e.name)
        self.lines.append(f'  subgraph {box}["{label(title)}"]')
        self.lines.append("    direction TB")
        self.lines.append(f"    {self._workspace_node(e)}")
        state = e.isolation_mode + (", protected" if e.protected else "") + ("" if e.governed else ", any workspace")
        self.lines.append(f'    {self.node("catalog", e.name)}[("catalog {label(e.catalog)}<br/>{state}")]')
        self.lines.append(f'    {self.node("deployer", e.name)}{{{{"deployer<br/>{label(e.deployer_name)}"}}}}')
        self.lines.append("  end")

    def _workspace_node(self, e: Environment) -> str:
        workspace = e.config.workspace
        ident = "created" if workspace.create is not None else str(workspace.workspace_id)
        host = e.host.removeprefix("https://").removeprefix("http://")
        return f'{self.node("workspace", e.name)}["{label(e.name)} workspace {label(ident)}<br/>{label(host)}"]'

    def _outside_workspaces(self, envs: list[Environment]) -> None:
        """Workspaces bound to a shown catalog whose own environment is not shown (`--env prod`: dev's)."""
        shown = {e.name for e in envs}
        for other in sorted({o for e in envs for o, _ in e.workspace_bindings} - shown):
            if other in self.config.environments:
                self.lines.append(f"  {self._workspace_node(self.config.env(other))}")

    def _edges(self, e: Environment) -> None:
        catalog = self.node("catalog", e.name)
        for other, binding_type in e.workspace_bindings:
            if other in self.config.environments:
                self.edge(catalog, "-.->", BINDING_LABELS[binding_type], self.node("workspace", other), BINDING_COLOUR)
        for role, access in sorted(e.config.access.items()):
            arrow, text, colour = ROLE_EDGES[access]
            self.edge(self.node("group", role), arrow, text, catalog, colour)
        self.edge(self.node("deployer", e.name), "==>", "owner", catalog, WRITE_COLOUR)

    def _styles(self, envs: list[Environment]) -> None:
        by_colour: dict[str, list[str]] = {}
        for index, colour in enumerate(self.edge_colours):
            by_colour.setdefault(colour, []).append(str(index))
        for colour, indexes in by_colour.items():
            self.lines.append(f"  linkStyle {','.join(indexes)} stroke:{colour},stroke-width:2px")
        for e in envs:
            if e.protected:
                self.lines.append(f"  style {self.node('env', e.name)} stroke:{PROTECTED_COLOUR},stroke-width:2px")
