"""Field-level comparison of declared and live settings, on the declared fields only.

The Jobs API fills in defaults (`timeout_seconds: 0`, `run_if: ALL_SUCCESS`, `format: MULTI_TASK`, ...)
that a spec never states; comparing the full documents would show those as drift on every run.
So the live side is read only where the declared side says something, and lists of named items
(tasks, environments, parameters) are matched by their key rather than by position.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class _Absent:
    """A field the live (or declared) side does not have."""

    def __repr__(self) -> str:
        return "(not set)"


ABSENT: Any = _Absent()
LIST_KEYS = ("task_key", "environment_key", "name")


@dataclass(frozen=True)
class FieldChange:
    path: str
    live: Any
    declared: Any


def field_changes(declared: Any, live: Any, path: str = "") -> list[FieldChange]:
    """Every declared field whose live value differs, plus live list items the declaration lacks."""
    if isinstance(declared, dict) and isinstance(live, dict):
        return [change for key, value in declared.items()
                for change in field_changes(value, live.get(key, ABSENT), _join(path, key))]
    key = _list_key(declared)
    if key is not None and isinstance(live, list):
        return _keyed_list_changes(declared, live, key, path)
    return [] if declared == live else [FieldChange(path, live, declared)]


def _keyed_list_changes(declared: list[dict], live: list[Any], key: str, path: str) -> list[FieldChange]:
    live_by_key = {item.get(key): item for item in live if isinstance(item, dict)}
    declared_keys = {item[key] for item in declared}
    changes = [change for item in declared
               for change in field_changes(item, live_by_key.get(item[key], ABSENT), f"{path}[{item[key]}]")]
    changes += [FieldChange(f"{path}[{name}]", item, ABSENT)
                for name, item in live_by_key.items() if name not in declared_keys]
    return changes


def _list_key(value: Any) -> str | None:
    """The key that names the items of a list of dicts (task_key, ...), if every item has it."""
    if not isinstance(value, list) or not value or not all(isinstance(item, dict) for item in value):
        return None
    return next((key for key in LIST_KEYS if all(key in item for item in value)), None)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key
