"""The review as JSON: the same facts as the comment, for bots, dashboards and the CI artifact.

Values come from `review.attributes` (masked), never from the raw change model; the JSON is not
size-limited, so it is where a truncated comment points for the full detail.
"""

from __future__ import annotations

import copy
from dataclasses import fields, is_dataclass
from typing import Any

from lakestack.json_records import json_records
from review.attributes import attribute_changes
from review.changes import ResourceChange, format_path
from review.gate import gate_facts
from review.markdown import MARKER
from review.report import Review


def render_json(review: Review) -> str:
    """One member per line and one record (a change, a risk, a grant) per line (`lakestack.json_records`)."""
    return json_records(review_document(review), default=str)


def review_document(review: Review) -> dict[str, Any]:
    return {
        "marker": MARKER,
        "project": review.project,
        "commit": review.commit,
        "run_url": review.run_url,
        "risk_level": review.level,
        "gate": gate_facts(review),
        "stacks": [
            {**as_data(s), "changed": s.changed} for s in review.stacks
        ],
        "causes": review.causes,
        "risks": [as_data(r) for r in review.risks],
        "grants": [{**as_data(g), "escalations": g.escalations} for g in review.grants],
        "bindings": [as_data(b) for b in review.bindings],
        "prod_changes": [c.address for c in review.prod_changes],
        "audit": _audit(review),
        "changes": [_change(c, review) for c in review.changed],
    }


def _audit(review: Review) -> dict[str, Any]:
    audit = review.audit
    if audit is None:
        return {"status": "skipped"}
    return {
        "status": audit.status, "note": audit.note, "failed": audit.failed, "counts": audit.counts,
        "findings": [as_data(f) for f in audit.findings],
    }


def _change(change: ResourceChange, review: Review) -> dict[str, Any]:
    return {
        "stack": change.stack,
        "environment": change.environment,
        "tier": review.tier_of(change.environment),
        "address": change.address,
        "type": change.type,
        "kind": change.kind,
        "actions": list(change.actions),
        "action_reason": change.action_reason,
        "replace_paths": [format_path(p) for p in change.replace_paths],
        "previous_address": change.previous_address,
        "importing_id": change.importing_id,
        "source": change.source,
        "notes": list(change.notes),
        "attributes": [as_data(a) for a in attribute_changes(change)],
    }


ATOMS = (str, int, float, bool, type(None))
FIELD_NAMES: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names, in order


def as_data(value: Any) -> Any:
    """`dataclasses.asdict` for the review's facts, and the same conversion of any value inside them.

    The review's JSON at 1,000 models holds thousands of them, and `asdict` deep-copies every text and
    number it meets (a call each); these are kept as they are, being immutable, and containers are
    rebuilt as `asdict` rebuilds them.
    """
    kind = type(value)
    if kind in ATOMS:
        return value
    if kind is dict:
        return {as_data(key): as_data(item) for key, item in value.items()}
    if kind is list:
        return [as_data(item) for item in value]
    if is_dataclass(value) and not isinstance(value, type):
        names = FIELD_NAMES.get(kind) or FIELD_NAMES.setdefault(kind, tuple(f.name for f in fields(value)))
        return {name: as_data(getattr(value, name)) for name in names}
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return kind(*[as_data(item) for item in value])  # a named tuple, as asdict builds it
    if isinstance(value, list | tuple):
        return kind(as_data(item) for item in value)
    if isinstance(value, dict):
        return kind((as_data(key), as_data(item)) for key, item in value.items())
    return copy.deepcopy(value)
