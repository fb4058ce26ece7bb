"""Platform configs of growing size, derived from the shipped example.

A size-N platform clones the example's models (cycling through them) under new names with their
own features, so every clone is served and monitored in staging and prod like the originals:
the grants, bindings, endpoints, permissions, tables, monitors and alerts per model are the
example's. The pull-request variant of a platform adds one model and changes one role grant,
which is what a typical platform PR does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "infra" / "platform.yaml"
EXAMPLE_SIZE = "example"

# The pull request: one role's access in one environment moves from reader to writer.
CHANGED_GRANT = ("prod", "ml_engineers", "writer")


@dataclass(frozen=True)
class PlatformPair:
    """A platform config (the PR's base) and the same platform after the PR (its head)."""

    size: str
    models: int
    base: Path
    head: Path


def example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))


def clone_model(template: dict[str, Any], index: int) -> dict[str, Any]:
    """The template model under a new name, with features (and slicing on them) renamed to match."""
    model = copy.deepcopy(template)
    suffix = f"_{index:03d}"
    model["name"] = f"{template['name']}{suffix}"
    renamed = {feature["name"]: f"{feature['name']}{suffix}" for feature in template.get("features", [])}
    model["features"] = [{**feature, "name": renamed[feature["name"]]} for feature in template.get("features", [])]
    if model.get("data", {}).get("feature_lookups"):  # the example's feature tables hold the template's names
        del model["data"]["feature_lookups"]
    monitor = model.get("monitor")
    if monitor and monitor.get("slicing_exprs"):
        monitor["slicing_exprs"] = [_rename_columns(expr, renamed) for expr in monitor["slicing_exprs"]]
    return model


def _rename_columns(expression: str, renamed: dict[str, str]) -> str:
    return " ".join(renamed.get(token, token) for token in expression.split(" "))


def scaled_data(models: int, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """The example platform with exactly `models` models, cloned from the example's in turn."""
    data = copy.deepcopy(base) if base is not None else example_data()
    templates = data["models"]
    data["models"] = [clone_model(templates[i % len(templates)], i + 1) for i in range(models)]
    return data


def pull_request_data(base: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    """`base` after a typical PR: one more model, and one role grant changed in one environment."""
    head = copy.deepcopy(base)
    head["models"].append(clone_model(template, len(base["models"]) + 1))
    env, role, access = CHANGED_GRANT
    head["environments"][env]["access"][role] = access
    return head


def write_pair(folder: Path, size: str) -> PlatformPair:
    """Write `<folder>/<size>/{base,head}.yaml`; size is a model count or `example` (the shipped file)."""
    example = example_data()
    base = example if size == EXAMPLE_SIZE else scaled_data(int(size), example)
    head = pull_request_data(base, example["models"][len(base["models"]) % len(example["models"])])
    target = folder / size
    target.mkdir(parents=True, exist_ok=True)
    return PlatformPair(
        size=size,
        models=len(base["models"]),
        base=_dump(target / "base.yaml", base),
        head=_dump(target / "head.yaml", head),
    )


def _dump(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
