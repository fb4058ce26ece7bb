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

from lakestack.secrets import credential_shaped, secret_name
from review.changes import Path

MASK = "(sensitive)"
# An after-value that differs from its before-value: a changed secret stays visibly changed.
CHANGED_MASK = "(sensitive, changed)"
_NOTHING = object()


def sensitive_name(path: Path) -> bool:
    """True when any key on the path names a secret (`client_secret`, `token_value`, `password`)."""
    return any(_secret_key(part) for part in path)


def marked_sensitive(path: Path, marked: frozenset[Path]) -> bool:
    """True when the path or one of its ancestors is marked sensitive by the plan."""
    return any(path[:n] in marked for n in range(len(path) + 1))


def looks_like_credential(value: Any) -> bool:
    if isinstance(value, str):
        return credential_shaped(value)
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
        return _mask(value, counterpart)
    if not marked and _unmasked(value):
        return value  # nothing inside is masked: the value itself, not a copy (most resources of a synth)
    return _masked_parts(value, marked, path, counterpart)


def _unmasked(value: Any) -> bool:
    """Whether no part of `value` has a secret's name or a credential's shape (`_named_or_shaped`), without
    copying anything; written out, as the review asks it of every resource of a large platform."""
    if not isinstance(value, dict | list):
        return True
    for key, item in value.items() if isinstance(value, dict) else enumerate(value):
        if item is None:
            continue
        if isinstance(key, str) and secret_name(key):
            return False
        if isinstance(item, str):
            if credential_shaped(item):
                return False
        elif not _unmasked(item):
            return False
    return True


def _named_or_shaped(key: str | int, value: Any) -> bool:
    """The two judgements that need no plan: a secret's name, a credential's shape."""
    return _secret_key(key) or _credential_leaf(value)


def _masked_parts(value: Any, marked: frozenset[Path], path: Path, counterpart: Any) -> Any:
    """The parts of a value whose own path is not sensitive, each masked as `masked` would.

    Every ancestor of a part has been judged already (a sensitive one is masked whole and never
    entered), so a part needs only its own key and its own path checked, not its whole path again;
    below the top, where no key has been judged yet, a mark on the empty path still covers every part.
    """
    top_marked = not path and () in marked
    if isinstance(value, dict):
        return {key: _masked_part(item, key, marked, path, _child(counterpart, key), top_marked)
                for key, item in value.items()}
    if isinstance(value, list):
        return [_masked_part(item, index, marked, path, _child(counterpart, index), top_marked)
                for index, item in enumerate(value)]
    return value


def _masked_part(value: Any, key: str | int, marked: frozenset[Path], parent: Path, counterpart: Any,
                 top_marked: bool) -> Any:
    if value is None:
        return None
    # Paths are only needed to look up plan marks; synth values carry none, so they skip building them.
    path = (*parent, key) if marked else parent
    if top_marked or (marked and path in marked) or _named_or_shaped(key, value):
        return _mask(value, counterpart)
    return _masked_parts(value, marked, path, counterpart) if isinstance(value, dict | list) else value


def _mask(value: Any, counterpart: Any) -> str:
    return CHANGED_MASK if counterpart is not _NOTHING and value != counterpart else MASK


def masked_pair(before: Any, after: Any, marked: frozenset[Path]) -> tuple[Any, Any]:
    """Both sides of a change, masked; the after side marks what changed."""
    return masked(before, marked), masked(after, marked, counterpart=before)


def _secret_key(key: str | int) -> bool:
    return isinstance(key, str) and secret_name(key)


def _credential_leaf(value: Any) -> bool:
    return isinstance(value, str) and credential_shaped(value)


def _child(value: Any, key: str | int) -> Any:
    if value is _NOTHING:
        return _NOTHING
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return None
