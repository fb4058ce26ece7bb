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
from review.masking import CHANGED_MASK, MASK
from review.posture import TIER_RANK, Postures

MISMATCH = "plan mismatch"
# Attributes that name a catalog (or a three-level name starting with one).
CATALOG_KEYS = ("catalog_name", "catalog", "securable_name", "full_name", "table_name", "model")


def matched_environments(changes: list[ResourceChange], envs: Iterable[Postures],
                         tier_of: TierOf) -> tuple[list[ResourceChange], list[Risk]]:
    """Changes with each stack's environment set to the strictest one it touches, and the mismatches."""
    catalogs, hosts = _indexes(envs)
    touched: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    vouched: dict[str, list[ResourceChange]] = {}  # changes whose values' strings come as one text per stack
    for change in changes:
        found = touched.setdefault(change.stack, set())
        labels.setdefault(change.stack, change.environment)
        if change.shown.strings is None:
            found.update(_touched(change, catalogs, hosts))
        else:
            vouched.setdefault(change.stack, []).append(change)
    for stack, group in vouched.items():
        texts = {id(c.shown.strings): c.shown.strings for c in group}  # a few texts, each a stack long
        if _may_touch_another(texts.values(), labels[stack], catalogs, hosts):
            for change in group:
                touched[stack].update(_touched(change, catalogs, hosts))
    risks, judged = [], {}
    for stack, found in sorted(touched.items()):
        label = labels[stack]
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


def _may_touch_another(texts: Iterable[str | None], label: str, catalogs: dict[str, str],
                        hosts: dict[str, str]) -> bool:
    """Whether strings held in `texts` can name a catalog or host of another environment than `label`.

    Each rule of `_strings_touched` needs the whole catalog name or host inside the string, so a text
    holding neither vouches for every string in it; a mask can stand in for any of them, so a catalog
    or host spelled like a mask is never ruled out.
    """
    names = [name for index in (catalogs, hosts) for name, env in index.items() if env != label]
    return (any(mask in names for mask in (MASK, CHANGED_MASK))
            or any(name in text for text in texts if text is not None for name in names))


def _touched(change: ResourceChange, catalogs: dict[str, str], hosts: dict[str, str]) -> set[str]:
    found: set[str] = set()
    # An unchanged resource carries one masked copy on both sides: its strings are read once.
    sides = (change.after,) if change.before is change.after else (change.before, change.after)
    for side in sides:
        _strings_touched(side or {}, "", change.type == "databricks_catalog", catalogs, hosts, found)
    return found


def _strings_touched(value: dict[str, Any] | list[Any], key: str, is_catalog: bool, catalogs: dict[str, str],
                     hosts: dict[str, str], found: set[str]) -> None:
    """Add the environment of every catalog or host the strings inside `value` name; a list item is read under
    its list's key. One call per object or list: every resource of both sides is read at 1,000 models."""
    for part, item in value.items() if isinstance(value, dict) else ((key, item) for item in value):
        if isinstance(item, str):
            if is_catalog and part == "name" and item in catalogs:
                found.add(catalogs[item])
            elif part in CATALOG_KEYS and item.split(".")[0] in catalogs:
                found.add(catalogs[item.split(".")[0]])
            elif item.rstrip("/") in hosts:
                found.add(hosts[item.rstrip("/")])
        elif isinstance(item, dict | list):
            _strings_touched(item, str(part), is_catalog, catalogs, hosts, found)
