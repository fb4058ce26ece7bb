"""Attribute-level changes of one resource, already masked: the only values a renderer ever sees.

Which attributes changed is decided on the raw values, then each shown value goes through
`review.masking`, so a changed secret still shows as changed (`(sensitive)` on both sides) without
revealing either side.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from review.changes import Path, ResourceChange, format_path
from review.masking import masked

UNKNOWN = "(known after apply)"
ABSENT = None

# Attributes that name a destroyed resource well enough for a reviewer to recognise it.
IDENTITY_KEYS = ("name", "full_name", "display_name", "catalog_name", "schema_name", "table_name",
                 "securable_name", "catalog", "schema", "model", "workspace_id", "binding_type")


@dataclass(frozen=True)
class AttributeChange:
    path: str
    before: Any = ABSENT
    after: Any = ABSENT
    forces_replacement: bool = False


def leaves(value: Any, prefix: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Flatten objects and lists of objects; lists of scalars stay whole (they read better that way)."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from leaves(item, (*prefix, key))
    elif isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        for index, item in enumerate(value):
            yield from leaves(item, (*prefix, index))
    else:
        yield prefix, value


def attribute_changes(change: ResourceChange) -> list[AttributeChange]:
    """Changed attributes (all set ones for a create, identifying ones for a delete), masked."""
    before = dict(leaves(change.before)) if change.before is not None else {}
    after = dict(leaves(change.after)) if change.after is not None else {}
    unknown = change.after_unknown
    if change.after is None:
        paths = [p for p in before if p and p[0] in IDENTITY_KEYS and before[p] is not None]
    else:
        paths = sorted(set(before) | set(after) | {p for p in unknown if p}, key=format_path)
    rows = []
    for path in paths:
        is_unknown = _under(path, unknown)
        old, new = before.get(path, ABSENT), (UNKNOWN if is_unknown else after.get(path, ABSENT))
        if change.after is not None and (old == new or (old is ABSENT and new is None)):
            continue
        rows.append(AttributeChange(
            path=format_path(path),
            before=_shown(path, old, change),
            after=new if is_unknown else _shown(path, new, change),
            forces_replacement=_under(path, frozenset(change.replace_paths)),
        ))
    return rows


def _under(path: Path, marked: frozenset[Path]) -> bool:
    return any(path[:n] in marked for n in range(1, len(path) + 1))


def _shown(path: Path, value: Any, change: ResourceChange) -> Any:
    if value is ABSENT or value is None:
        return value
    return masked(value, change.sensitive_paths, path)
