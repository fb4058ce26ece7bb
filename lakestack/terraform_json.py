"""Reading Terraform JSON inputs (synth folders and `terraform show -json` plans) with clear errors.

Shared by the audit and the review so both refuse bad input the same way: the file, what is
wrong, exit code 2.
"""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

from lakestack.errors import InputError

SYNTH_FILE = "cdk.tf.json"


def read_json(path: Path, what: str = "JSON file") -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read {what} ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None


def synth_stacks(synth_dir: Path) -> dict[str, dict[str, Any]]:
    """Stack name -> parsed cdk.tf.json for every stack under `<synth_dir>/stacks/`.

    A missing folder is bad input (run `lakestack synth` first); a folder with no stacks is an
    empty platform (the base of a first review).
    """
    synth_dir = Path(synth_dir)
    if not synth_dir.is_dir():
        raise InputError(f"{synth_dir}: synth folder not found", hint="run `lakestack synth --out DIR` first")
    stacks: dict[str, dict[str, Any]] = {}
    for file in sorted((synth_dir / "stacks").glob(f"*/{SYNTH_FILE}")):
        doc = read_json(file, "synthesized stack")
        if not isinstance(doc, dict):
            raise InputError(f"{file}: expected a Terraform JSON object")
        stacks[file.parent.name] = doc
    return stacks


def read_plan(path: Path) -> dict[str, Any]:
    """A `terraform show -json <planfile>` document, checked for the keys a plan has."""
    doc = read_json(path, "plan JSON")
    if not isinstance(doc, dict) or "format_version" not in doc or not (
        "resource_changes" in doc or "planned_values" in doc
    ):
        raise InputError(
            f"{path}: not a Terraform plan in JSON",
            hint="produce it with `terraform show -json plan.tfplan > plan.json`",
        )
    return doc


def environment_of_stack(stack: str) -> str:
    """Stacks are named after their environment; account-level pieces live in `<env>-account`."""
    return stack.removesuffix("-account")


_PARSED: dict[tuple[object, ...], dict[str, dict[str, Any]]] = {}


def parsed_synth_stacks(synth_dir: Path) -> dict[str, dict[str, Any]]:
    """`synth_stacks`, parsed once per command: the review and its audit of the head read the same folder.

    Keyed by the folder and each stack file's size and modification time, so a folder written
    again is parsed again. The cyclic garbage collector is paused during the parse and the parsed
    documents frozen after it: they hold no cycles, and collecting over tens of thousands of
    long-lived objects again and again cost a third of the audit at 1,000 models. Callers must
    not change the documents.
    """
    synth_dir = Path(synth_dir)
    files = sorted((synth_dir / "stacks").glob(f"*/{SYNTH_FILE}")) if synth_dir.is_dir() else []
    key = (str(synth_dir.resolve()), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if key not in _PARSED:
        enabled = gc.isenabled()
        gc.disable()
        try:
            _PARSED[key] = synth_stacks(synth_dir)
        finally:
            gc.freeze()
            if enabled:
                gc.enable()
    return _PARSED[key]
