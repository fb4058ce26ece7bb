"""Producer: the change model from `terraform show -json` plans (the real change, computed in CI).

Terraform marks unknown and sensitive attributes with mirror trees (`after_unknown`,
`before_sensitive`, `after_sensitive`) holding `true` at the marked leaves; these become paths.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path as FilePath
from typing import Any

from lakestack.errors import InputError
from lakestack.terraform_json import environment_of_stack, read_plan
from review.changes import SOURCE_PLAN, Path, ResourceChange, Values
from review.masking import masked_pair


def parse_plan_argument(value: str) -> tuple[str, FilePath]:
    """`STACK=FILE` or `FILE`; without a stack the name is the file name up to its first dot."""
    stack, sep, file = value.partition("=")
    if sep and stack and file:
        return stack, FilePath(file)
    path = FilePath(value)
    return path.name.split(".")[0], path


def changes_from_plan_files(plans: Sequence[tuple[str, FilePath]]) -> list[ResourceChange]:
    changes: list[ResourceChange] = []
    for stack, path in plans:
        changes.extend(changes_from_plan(stack, read_plan(path), origin=str(path)))
    return changes


def changes_from_plan(stack: str, plan: dict[str, Any], *, origin: str = "plan") -> list[ResourceChange]:
    """Managed-resource changes of one stack's plan; data-source reads are not changes to review."""
    entries = plan.get("resource_changes") or []
    if not isinstance(entries, list):
        raise InputError(f"{origin}: resource_changes is not a list")
    environment = environment_of_stack(stack)
    return [
        _change(stack, environment, entry, f"{origin}: resource_changes[{i}]")
        for i, entry in enumerate(entries)
        if isinstance(entry, dict) and entry.get("mode", "managed") == "managed"
    ]


def _change(stack: str, environment: str, entry: dict[str, Any], where: str) -> ResourceChange:
    change = entry.get("change")
    if not isinstance(change, dict) or not isinstance(entry.get("address"), str):
        raise InputError(f"{where}: expected an address and a change object")
    actions = change.get("actions")
    if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
        raise InputError(f"{where}: change.actions must be a non-empty list of action names")
    importing = change.get("importing")
    before, after = masked_pair(_object(change.get("before")), _object(change.get("after")), sensitive_paths(change))
    return ResourceChange(
        stack=stack,
        environment=environment,
        address=entry["address"],
        type=str(entry.get("type", entry["address"].split(".")[0])),
        actions=tuple(actions),
        shown=Values(before, after),
        after_unknown=frozenset(marked_paths(change.get("after_unknown"))),
        sensitive_paths=sensitive_paths(change),
        action_reason=entry.get("action_reason"),
        replace_paths=tuple(tuple(p) for p in change.get("replace_paths") or () if isinstance(p, list)),
        previous_address=entry.get("previous_address"),
        importing_id=str(importing.get("id", "")) if isinstance(importing, dict) else None,
        source=SOURCE_PLAN,
    )


def _object(value: Any) -> dict[str, Any] | None:
    return value if isinstance(value, dict) else None


def sensitive_paths(change: dict[str, Any]) -> frozenset[Path]:
    """Paths either side of a change marks sensitive; both sides are masked by both marks."""
    return frozenset([*marked_paths(change.get("before_sensitive")), *marked_paths(change.get("after_sensitive"))])


def marked_paths(tree: Any, prefix: Path = ()) -> Iterable[Path]:
    """Paths whose mirror-tree value is `true`; `true` at the top marks the whole object."""
    if tree is True:
        yield prefix
    elif isinstance(tree, dict):
        for key, value in tree.items():
            yield from marked_paths(value, (*prefix, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from marked_paths(value, (*prefix, index))
