"""Reading synthesized stacks in tests: resources by type, by name, and references to them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_stacks(out: Path) -> dict[str, dict[str, Any]]:
    return {p.parent.name: json.loads(p.read_text()) for p in sorted(Path(out).glob("stacks/*/cdk.tf.json"))}


def resources(stack: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return stack.get("resource", {}).get(type_, {})


def ref(type_: str, name: str, attr: str) -> str:
    return f"${{{type_}.{name}.{attr}}}"


def resolve_stack(stack: dict[str, Any]) -> dict[str, Any]:
    """The stack with same-stack references to literal attributes replaced by their values (as a plan shows
    them), for tests that read names; tests about the references themselves read the raw stack."""
    from review.synth_diff import resolve_references
    from review.synth_diff import resources as stack_resources

    found = stack_resources(stack)
    out = dict(stack)
    out["resource"] = {
        rtype: {name: resolve_references(body, found) for name, body in bodies.items()}
        for rtype, bodies in stack.get("resource", {}).items()
    }
    return out


def load_resolved_stacks(out: Path) -> dict[str, dict[str, Any]]:
    return {name: resolve_stack(doc) for name, doc in load_stacks(out).items()}
