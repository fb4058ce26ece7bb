"""What must never reach a pull-request comment or a CI artifact: sensitive attributes and credential-looking values.

Two independent mechanisms, because either alone misses cases: the plan's own sensitivity marks
(`before_sensitive`/`after_sensitive`, only in real plans) and a pass on attribute names and values
(synth JSON carries no marks, and a provider can forget to mark a field). Both are applied by one
walk, `masked`, which every output goes through: the review's change model is built from masked
values, the rendered attributes are masked again, and `redact-plan` writes masked values. A mark on
one list element or a nested object inside a list masks exactly that part, at any depth.
"""

from __future__ import annotations

from typing import Any

from lakestack.secrets import CREDENTIAL_VALUE, SECRET_NAME
from review.changes import Path

MASK = "(sensitive)"
# An after-value that differs from its before-value: a changed secret stays visibly changed.
CHANGED_MASK = "(sensitive, changed)"
_NOTHING = object()


def sensitive_name(path: Path) -> bool:
    """True when any key on the path names a secret (`client_secret`, `token_value`, `password`)."""
    return any(isinstance(part, str) and SECRET_NAME.search(part) for part in path)


def marked_sensitive(path: Path, marked: frozenset[Path]) -> bool:
    """True when the path or one of its ancestors is marked sensitive by the plan."""
    return any(path[:n] in marked for n in range(len(path) + 1))


def looks_like_credential(value: Any) -> bool:
    if isinstance(value, str):
        return bool(CREDENTIAL_VALUE.search(value))
    if isinstance(value, dict):
        return any(looks_like_credential(v) for v in value.values())
    if isinstance(value, list):
        return any(looks_like_credential(v) for v in value)
    return False


def must_mask(path: Path, value: Any, marked: frozenset[Path]) -> bool:
    return marked_sensitive(path, marked) or sensitive_name(path) or looks_like_credential(value)


def masked(value: Any, marked: frozenset[Path], path: Path = (), *, counterpart: Any = _NOTHING) -> Any:
    """`value` (found at `path`) with every sensitive part replaced by a mask, whatever its depth.

    With `counterpart` (the before-value of an after-value), a masked part that differs from its
    counterpart becomes CHANGED_MASK, so a changed secret still reads as changed.
    """
    if value is None:
        return None
    if (path and (marked_sensitive(path, marked) or sensitive_name(path))) or _credential_leaf(value):
        return CHANGED_MASK if counterpart is not _NOTHING and value != counterpart else MASK
    if isinstance(value, dict):
        return {k: masked(v, marked, (*path, k), counterpart=_child(counterpart, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [masked(v, marked, (*path, i), counterpart=_child(counterpart, i)) for i, v in enumerate(value)]
    return value


def masked_pair(before: Any, after: Any, marked: frozenset[Path]) -> tuple[Any, Any]:
    """Both sides of a change, masked; the after side marks what changed."""
    return masked(before, marked), masked(after, marked, counterpart=before)


def _credential_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list) and looks_like_credential(value)


def _child(value: Any, key: str | int) -> Any:
    if value is _NOTHING:
        return _NOTHING
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return None
