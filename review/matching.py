"""Which environment a stack's changes really touch: by catalog names and workspace hosts, not its label.

A plan uploaded as `dev.json` that destroys `retail_prod.ml.*` is a prod change. Each stack is judged
as the strictest environment it touches; a stack that touches another environment than its label
says is a finding of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from review.changes import ResourceChange
from review.highlights import HIGH, MEDIUM, Risk, TierOf
from review.posture import TIER_RANK, Postures

MISMATCH = "plan mismatch"
# Attributes that name a catalog (or a three-level name starting with one).
CATALOG_KEYS = ("catalog_name", "catalog", "securable_name", "full_name", "table_name", "model")


def matched_environments(changes: list[ResourceChange], envs: Iterable[Postures],
                         tier_of: TierOf) -> tuple[list[ResourceChange], list[Risk]]:
    """Changes with each stack's environment set to the strictest one it touches, and the mismatches."""
    catalogs, hosts = _indexes(envs)
    touched: dict[str, set[str]] = {}
    for change in changes:
        touched.setdefault(change.stack, set()).update(_touched(change, catalogs, hosts))
    risks, judged = [], {}
    for stack, found in sorted(touched.items()):
        label = next(c.environment for c in changes if c.stack == stack)
        others = found - {label}
        if not others:
            continue
        strictest = max(found | {label}, key=lambda env: TIER_RANK.get(tier_of(env), -1))
        judged[stack] = strictest
        level = HIGH if "prod" in {tier_of(env) for env in found | {label}} else MEDIUM
        risks.append(Risk(level, MISMATCH, strictest, f"stack {stack}",
                          f"stack {stack} is labelled {label} but touches {', '.join(sorted(others))} "
                          f"(catalogs or workspace hosts); it is judged as {strictest}"))
    relabelled = [dataclasses.replace(c, environment=judged[c.stack]) if c.stack in judged else c
                  for c in changes]
    return relabelled, risks


def _indexes(envs: Iterable[Postures]) -> tuple[dict[str, str], dict[str, str]]:
    catalogs: dict[str, str] = {}
    hosts: dict[str, str] = {}
    for postures in envs:
        for posture in postures.values():
            catalogs.setdefault(posture.catalog, posture.name)
            hosts.setdefault(posture.host, posture.name)
    return catalogs, hosts


def _touched(change: ResourceChange, catalogs: dict[str, str], hosts: dict[str, str]) -> set[str]:
    found: set[str] = set()
    # An unchanged resource carries one masked copy on both sides: its strings are read once.
    sides = (change.after,) if change.before is change.after else (change.before, change.after)
    for side in sides:
        for key, value in _strings(side or {}):
            if change.type == "databricks_catalog" and key == "name" and value in catalogs:
                found.add(catalogs[value])
            elif key in CATALOG_KEYS and value.split(".")[0] in catalogs:
                found.add(catalogs[value.split(".")[0]])
            elif value.rstrip("/") in hosts:
                found.add(hosts[value.rstrip("/")])
    return found


def _strings(value: Any) -> list[tuple[str, str]]:
    """(key, text) of every string inside `value`; a list item is under its list's key. One pass, no recursion:
    every resource of both sides is read at 1,000 models."""
    out: list[tuple[str, str]] = []
    todo: list[tuple[str, Any]] = [("", value)]
    while todo:
        key, item = todo.pop()
        if isinstance(item, dict):
            todo.extend((str(k), v) for k, v in reversed(item.items()))
        elif isinstance(item, list):
            todo.extend((key, v) for v in reversed(item))
        elif isinstance(item, str):
            out.append((key, item))
    return out
