"""Lines of resources in synthesized and plan files, and of keys in platform.yaml, for reports that point.

Computed only when a report needs them (SARIF), so the audit itself never scans files twice.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from infra.config.yaml_source import YamlSource, load_yaml
from lakestack.errors import InputError
from policies.rules.base import ConfigKey

OBJECT_KEY = re.compile(r'^(\s*)"((?:[^"\\]|\\.)*)": \{\s*$')
SECTIONS = {"resource": "", "data": "data."}


@cache
def synth_lines(path: str) -> dict[str, int]:
    """address -> line for every resource and data source of a pretty-printed cdk.tf.json."""
    out: dict[str, int] = {}
    stack: list[str] = []
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for number, line in enumerate(lines, start=1):
        match = OBJECT_KEY.match(line)
        if not match:
            continue
        depth = len(match.group(1)) // 2
        del stack[max(depth - 1, 0):]
        stack.append(json.loads(f'"{match.group(2)}"'))
        if len(stack) == 3 and stack[0] in SECTIONS:
            out.setdefault(f"{SECTIONS[stack[0]]}{stack[1]}.{stack[2]}", number)
    return out


@cache
def plan_lines(path: str) -> dict[str, int]:
    """address -> line of its first `"address": "..."` in a plan file (one line per entry when pretty-printed)."""
    out: dict[str, int] = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return out
    for number, line in enumerate(lines, start=1):
        for match in re.finditer(r'"address":\s*"((?:[^"\\]|\\.)*)"', line):
            out.setdefault(json.loads(f'"{match.group(1)}"'), number)
    return out


def resource_line(path: str, address: str) -> int | None:
    lines = synth_lines(path) if path.endswith(".tf.json") else plan_lines(path)
    return lines.get(address)


@cache
def _config_source(path: str) -> YamlSource | None:
    try:
        return load_yaml(Path(path))
    except InputError:
        return None


def config_line(config_path: str, key: ConfigKey) -> int | None:
    source = _config_source(config_path)
    return source.line_of(key) if source is not None else None
