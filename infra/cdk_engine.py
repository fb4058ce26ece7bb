"""Which CDK engine this process uses, chosen by `LAKESTACK_CDK_ENGINE` (default: cdktf).

Kept apart from `infra/cdk.py` (which imports the engine, and with it jsii) so that choosing and
checking an engine costs nothing: the parent of a parallel synth never starts jsii.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lakestack.errors import InputError

ENGINE_VARIABLE = "LAKESTACK_CDK_ENGINE"


@dataclass(frozen=True)
class Engine:
    """A CDK toolkit: its core module, its Databricks provider package and how to install it."""

    name: str
    core: str
    provider: str
    install: str
    manifest_style: str  # how the toolkit writes manifest.json: "json-stable-stringify" | "safe-stable-stringify"

    def manifest_text(self, manifest: Mapping[str, Any]) -> str:
        """`manifest` as this toolkit writes it, so a merged manifest has the bytes of a one-process synth."""
        if self.manifest_style == "safe-stable-stringify":
            return json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False)
        return stable_stringify(manifest)


ENGINES = {
    "cdktf": Engine("cdktf", "cdktf", "cdktf_cdktf_provider_databricks", "pip install lakestack",
                    "json-stable-stringify"),
    "cdktn": Engine("cdktn", "cdktn", "cdktn_provider_databricks", "pip install 'lakestack[cdktn]'",
                    "safe-stable-stringify"),
}
DEFAULT_ENGINE = "cdktf"


def selected_engine(environ: Mapping[str, str] = os.environ) -> Engine:
    """The engine `LAKESTACK_CDK_ENGINE` names (default cdktf); an unknown name is bad input."""
    name = environ.get(ENGINE_VARIABLE, "").strip() or DEFAULT_ENGINE
    if name not in ENGINES:
        raise InputError(f"{ENGINE_VARIABLE}={name}: unknown CDK engine", hint=f"use one of: {', '.join(ENGINES)}")
    return ENGINES[name]


def require(engine: Engine, module: str) -> None:
    """A missing engine package is one line naming the install command, not an import traceback."""
    if importlib.util.find_spec(module) is None:
        raise InputError(f"{ENGINE_VARIABLE}={engine.name}: the {module} package is not installed",
                         hint=engine.install)


def stable_stringify(value: Any, level: int = 0, space: str = "  ") -> str:
    """JSON as CDKTF 0.21 writes its manifest (json-stable-stringify: sorted keys, empty containers on two lines)."""
    indent = "\n" + space * level
    if isinstance(value, dict):
        items = [f"{indent}{space}{stable_stringify(key)}: {stable_stringify(value[key], level + 1, space)}"
                 for key in sorted(value)]
        return "{" + ",".join(items) + indent + "}"
    if isinstance(value, list):
        items = [f"{indent}{space}{stable_stringify(item, level + 1, space)}" for item in value]
        return "[" + ",".join(items) + indent + "]"
    return json.dumps(value, ensure_ascii=False)
