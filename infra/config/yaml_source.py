"""YAML loading that remembers where every key came from.

PyYAML's safe loader forgets line numbers and silently keeps the last of two duplicate keys;
config errors must name the line, so we compose the node tree ourselves and record the line
of each mapping key and sequence item by its path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lakestack.errors import InputError

PathKey = tuple[str | int, ...]

# libyaml's parser when PyYAML was built with it (about 3x faster on large platforms), same node marks.
SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class YamlSource:
    """Plain Python data from a YAML file, plus the line of each path in it."""

    path: Path
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, loc: PathKey) -> int | None:
        """Line of the longest prefix of `loc` that exists in the file (a missing key points at its parent)."""
        for end in range(len(loc), -1, -1):
            line = self.lines.get(tuple(loc[:end]))
            if line is not None:
                return line
        return None

    def where(self, loc: PathKey) -> str:
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)


def load_yaml(path: Path) -> YamlSource:
    """Read `path` into a YamlSource; syntax errors and duplicate keys become InputError."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found", hint="pass --config PATH to a platform YAML file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read file ({exc})") from None
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise InputError(f"{path}{line}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: invalid YAML: {exc}") from None
    builder = _Builder(YamlSource(path=path, data=None))
    try:
        builder.source.data = builder.build(node, ()) if node is not None else None
    finally:
        builder.loader.dispose()
    if builder.problems:
        raise InputError(builder.problems)
    return builder.source


class _Builder:
    """Turns a composed node tree into dicts, lists and scalars, recording lines as it goes."""

    def __init__(self, source: YamlSource) -> None:
        self.source = source
        self.problems: list[str] = []
        # The safe loader's own constructor resolves scalars (ints, bools, floats, nulls, dates).
        self.loader = SafeLoader("")

    def build(self, node: yaml.Node, loc: PathKey) -> Any:
        self.source.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def _mapping(self, node: yaml.MappingNode, loc: PathKey) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = str(self.loader.construct_object(key_node, deep=True))
            child = (*loc, key)
            line = key_node.start_mark.line + 1
            if key in out:
                self.problems.append(
                    f"{self.source.path}:{line}: duplicate key '{key}' "
                    f"(first at line {self.source.lines[child]}); remove one of them"
                )
                continue
            self.source.lines[child] = line
            out[key] = self.build(value_node, child)
        return out
