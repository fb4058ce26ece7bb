"""Plans without secrets, so they can travel between CI jobs as artifacts.

`terraform show -json` writes sensitive values in clear text (variables, state, before/after);
workflow artifacts are readable by anyone who can read the repository. The redacted plan keeps
what the review needs (actions, reasons, paths, masks) and masks every value the review would mask,
through the same walk (`review.masking.masked`).
"""

from __future__ import annotations

from typing import Any

from review.masking import masked_pair
from review.plan_changes import sensitive_paths

# Everything else (variables, prior_state, planned_values, configuration, output_changes, ...) can
# hold secrets and is not read by the review.
KEPT_KEYS = ("format_version", "terraform_version", "resource_changes", "applyable", "complete", "errored")
# Of each change: what the review reads. `generated_config` (import blocks) is HCL text holding values.
KEPT_CHANGE_KEYS = ("actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive",
                    "replace_paths", "importing")


def redact_plan(plan: dict[str, Any]) -> dict[str, Any]:
    """`plan` as read by `lakestack.terraform_json.read_plan` (shape already checked)."""
    kept = {key: plan[key] for key in KEPT_KEYS if key in plan}
    kept["resource_changes"] = [_redact_entry(e) for e in plan.get("resource_changes") or []]
    return kept


def _redact_entry(entry: dict[str, Any]) -> dict[str, Any]:
    change = {key: value for key, value in (entry.get("change") or {}).items() if key in KEPT_CHANGE_KEYS}
    change["before"], change["after"] = masked_pair(change.get("before"), change.get("after"),
                                                    sensitive_paths(change))
    return {**entry, "change": change}
