"""The review as JSON: the same facts as the comment, for bots, dashboards and the CI artifact.

Values come from `review.attributes` (masked), never from the raw change model; the JSON is not
size-limited, so it is where a truncated comment points for the full detail.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from review.attributes import attribute_changes
from review.changes import ResourceChange, format_path
from review.gate import gate_facts
from review.markdown import MARKER
from review.report import Review


def render_json(review: Review) -> str:
    return json.dumps(review_document(review), indent=2, sort_keys=False, default=str) + "\n"


def review_document(review: Review) -> dict[str, Any]:
    return {
        "marker": MARKER,
        "project": review.project,
        "commit": review.commit,
        "run_url": review.run_url,
        "risk_level": review.level,
        "gate": gate_facts(review),
        "stacks": [
            {**asdict(s), "changed": s.changed} for s in review.stacks
        ],
        "causes": review.causes,
        "risks": [asdict(r) for r in review.risks],
        "grants": [{**asdict(g), "escalations": g.escalations} for g in review.grants],
        "bindings": [asdict(b) for b in review.bindings],
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
        "findings": [asdict(f) for f in audit.findings],
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
        "attributes": [asdict(a) for a in attribute_changes(change)],
    }
