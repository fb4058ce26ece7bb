"""What must never reach a pull-request comment: sensitive attributes and credential-looking values.

Two independent mechanisms, because either alone misses cases: the plan's own sensitivity marks
(`before_sensitive`/`after_sensitive`, only in real plans) and a pass on attribute names and values
(synth JSON carries no marks, and a provider can forget to mark a field).
"""

from __future__ import annotations

from typing import Any

from lakestack.secrets import CREDENTIAL_VALUE, SECRET_NAME
from review.changes import Path

MASK = "(sensitive)"


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
