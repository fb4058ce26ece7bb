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
