"""Plans without secrets, so they can travel between CI jobs as artifacts.

`terraform show -json` writes sensitive values in clear text (variables, state, before/after);
workflow artifacts are readable by anyone who can read the repository. The redacted plan keeps
what the review needs (actions, reasons, paths, masks) and masks every value the review would mask.
"""

from __future__ import annotations

from typing import Any

from review.changes import Path
from review.masking import MASK, looks_like_credential, marked_sensitive, sensitive_name
from review.plan_changes import marked_paths

# Everything else (variables, prior_state, planned_values, configuration, output_changes, ...) can
# hold secrets and is not read by the review.
KEPT_KEYS = ("format_version", "terraform_version", "resource_changes", "applyable", "complete", "errored")
CHANGED_MASK = "(sensitive, changed)"


def redact_plan(plan: dict[str, Any]) -> dict[str, Any]:
    kept = {key: plan[key] for key in KEPT_KEYS if key in plan}
    kept["resource_changes"] = [_redact_entry(e) for e in plan.get("resource_changes") or [] if isinstance(e, dict)]
    return kept


def _redact_entry(entry: dict[str, Any]) -> dict[str, Any]:
    change = dict(entry.get("change") or {})
    marked = frozenset([*marked_paths(change.get("before_sensitive")), *marked_paths(change.get("after_sensitive"))])
    before, after = change.get("before"), change.get("after")
    change["before"] = _masked(before, (), marked, MASK, None)
    # A changed secret stays visibly changed: the two sides get different masks.
    change["after"] = _masked(after, (), marked, CHANGED_MASK, before)
    return {**entry, "change": change}


def _masked(value: Any, path: Path, marked: frozenset[Path], mask: str, other: Any) -> Any:
    if value is None:
        return None
    if (path and (marked_sensitive(path, marked) or sensitive_name(path))) or looks_like_credential_leaf(value):
        return MASK if mask == CHANGED_MASK and value == other else mask
    if isinstance(value, dict):
        return {k: _masked(v, (*path, k), marked, mask, _child(other, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, (*path, i), marked, mask, _child(other, i)) for i, v in enumerate(value)]
    return value


def looks_like_credential_leaf(value: Any) -> bool:
    return not isinstance(value, dict | list) and looks_like_credential(value)


def _child(value: Any, key: str | int) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    if isinstance(value, list) and isinstance(key, int) and key < len(value):
        return value[key]
    return None
