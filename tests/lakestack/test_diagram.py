"""The access diagram: valid mermaid whatever the names, and the same edges the config declares."""

from __future__ import annotations

import re

from infra.config.model import PlatformConfig
from lakestack.diagram import access_diagram, fenced, label
from tests.configs import example_data

NODE_ID = re.compile(r"^[a-z]+_\d+$")
NODE = re.compile(r"^\s+(\w+)(\[\(|\[|\{\{)\"(.*)\"(\)\]|\]|\}\})$")
SUBGRAPH = re.compile(r'^\s+subgraph (\w+)\["(.*)"\]$')
EDGE = re.compile(r"^\s+(\w+) (-->|==>|-\.->)\|([A-Za-z_ ]+)\| (\w+)$")


def parse(diagram: str) -> tuple[dict[str, str], list[tuple[str, str, str, str]], list[str]]:
    """(node id -> label, edges (source, arrow, text, target), other lines) of the generated subset."""
    nodes, edges, other = {}, [], []
    lines = diagram.splitlines()
    assert lines[0] == "flowchart LR"
    for line in lines[1:]:
        if m := NODE.match(line):
            nodes[m.group(1)] = m.group(3)
        elif m := SUBGRAPH.match(line):
            nodes[m.group(1)] = m.group(2)
        elif m := EDGE.match(line):
            edges.append(m.groups())
        else:
            other.append(line.strip())
    return nodes, edges, other


def labelled_edges(diagram: str) -> set[tuple[str, str, str]]:
    """(source label's first line, edge text, target label's first line)."""
    nodes, edges, _ = parse(diagram)
    first = {k: v.split("<br/>")[0] for k, v in nodes.items()}
    return {(first[s], text, first[t]) for s, _, text, t in edges}


def test_example_diagram_has_every_binding_grant_and_owner(example_config):
    edges = labelled_edges(access_diagram(example_config))
    assert ("catalog retail_prod", "READ_WRITE", "prod workspace 3003") in edges
    assert ("catalog retail_prod", "READ_ONLY", "dev workspace 1001") in edges
    assert ("catalog retail_staging", "READ_WRITE", "staging workspace created") in edges
    assert ("data_scientists", "read", "catalog retail_prod") in edges
    assert ("data_scientists", "write", "catalog retail_dev") in edges
    assert ("deployer", "owner", "catalog retail_prod") in edges
    assert not any(s == "catalog retail_dev" for s, _, _ in edges), "an OPEN catalog has no bindings"
    assert not any(text == "write" and t in ("catalog retail_prod", "catalog retail_staging") for _, text, t in edges)
    bindings = sum(len(e.workspace_bindings) for e in example_config.envs())
    grants = sum(len(e.config.access) for e in example_config.envs())
    assert len(edges) == bindings + grants + len(example_config.environments)


def test_every_line_is_a_known_statement_and_every_edge_joins_declared_nodes(example_config):
    nodes, edges, other = parse(access_diagram(example_config))
    assert all(NODE_ID.match(node) for node in nodes)
    for source, _, _, target in edges:
        assert source in nodes and target in nodes
    for line in other:
        assert line in ("direction TB", "end") or line.startswith(("linkStyle ", "style ")), line
    styled = [int(i) for line in other if line.startswith("linkStyle ") for i in line.split()[1].split(",")]
    assert sorted(styled) == list(range(len(edges))), "every edge coloured once"


def test_protected_environment_is_marked(example_config):
    nodes, _, other = parse(access_diagram(example_config))
    prod = next(k for k, v in nodes.items() if v == "prod")
    assert f"style {prod} stroke:#c0392b,stroke-width:2px" in other
    assert any("ISOLATED, protected" in v for v in nodes.values())
    assert any("OPEN, any workspace" in v for v in nodes.values())


def test_one_environment_keeps_the_workspaces_bound_to_it(example_config):
    diagram = access_diagram(example_config, env="prod")
    edges = labelled_edges(diagram)
    assert ("catalog retail_dev", "READ_ONLY", "dev workspace 1001") not in edges
    assert ("catalog retail_prod", "READ_ONLY", "dev workspace 1001") in edges
    assert "retail_dev" not in diagram and "retail_staging" not in diagram


def test_hostile_names_cannot_break_the_syntax():
    """Account group names are free text (roles and environments are identifiers, checked at load)."""
    data = example_data()
    data["groups"]["data_scientists"] = 'end"] --> x[<script>|#&`'
    diagram = access_diagram(PlatformConfig.model_validate(data))
    nodes, edges, other = parse(diagram)
    assert all(NODE_ID.match(node) for node in nodes)
    assert all(source in nodes and target in nodes for source, _, _, target in edges)
    assert all(line in ("direction TB", "end") or line.startswith(("linkStyle ", "style ")) for line in other)
    for text in nodes.values():
        assert not set('"<>|`') & set(text.replace("<br/>", "")), text
    assert "end#quot;] --#gt; x[#lt;script#gt;#124;#35;#amp;#96;" in diagram


def test_label_escapes_entities_once():
    assert label('a "b" #1') == "a #quot;b#quot; #35;1"
    assert label("two\nlines") == "two lines"


def test_fenced_for_github():
    assert fenced("flowchart LR") == "```mermaid\nflowchart LR\n```"
