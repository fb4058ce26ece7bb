"""Variants of the shipped example config for tests: load it as data, change it, write it back."""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from infra.config import PlatformConfig, load_config

EXAMPLE = Path(__file__).resolve().parents[1] / "infra" / "platform.yaml"


@cache
def _example_data() -> dict[str, Any]:
    return yaml.safe_load(EXAMPLE.read_text())


def example_data() -> dict[str, Any]:
    """A fresh, mutable copy of the example config's data."""
    return copy.deepcopy(_example_data())


def write_config(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def config_from_data(tmp_path: Path, data: dict[str, Any], name: str = "platform.yaml") -> PlatformConfig:
    return load_config(write_config(tmp_path / name, data))
