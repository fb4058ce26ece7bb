"""Reading Terraform JSON inputs (synth folders and `terraform show -json` plans) with clear errors.

Shared by the audit, the review and `redact-plan`, so every reader refuses bad input the same way:
the file, the key path, what is wrong, exit code 2. The shape every reader relies on is checked
here, once, so no reader meets a list where it expects an object; a plan written in a format
version this code does not know is refused rather than half-understood.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from gc import is_tracked
from pathlib import Path
from typing import Any

from lakestack.collector import collector_paused
from lakestack.errors import InputError, key_path

SYNTH_FILE = "cdk.tf.json"
# `terraform show -json` has written format 1.x since Terraform 0.12's successor formats settled (and
# OpenTofu keeps it); a new major may move or rename what the review and audit read.
PLAN_FORMAT_MAJOR = 1
PLAN_HINT = "produce it with `terraform show -json plan.tfplan > plan.json`"
SYNTH_HINT = "synthesize it again with `lakestack synth --out DIR`"
# Terraform JSON is a dozen levels deep; the readers walk it recursively, so a hostile depth is refused first.
MAX_DEPTH = 100
CONTAINERS = (dict, list)
# Top-level sections of Terraform JSON that hold `<type>.<name>.<body>` objects.
NAMED_SECTIONS = ("resource", "data")
# The `terraform_remote_state` through which a stack reads stack `<stack>`'s outputs: CDKTF names its cross-stack
# inputs `cross-stack-reference-input-<stack>`, and lakestack's stacks name the ones they declare the same way
# (`infra.stacks.backend.remote_state`), so every reader of a synth or plan follows both alike.
CROSS_STACK_INPUT = "cross-stack-reference-input-"
CROSS_STACK_ADDRESS = f"data.terraform_remote_state.{CROSS_STACK_INPUT}"


def read_json(path: Path, what: str = "JSON file") -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read {what} ({getattr(exc, 'strerror', None) or exc})") from None
    too_deep = InputError(f"{path}: JSON nested deeper than {MAX_DEPTH} levels, which no {what} is")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise too_deep from None
    if _deeper_than(doc, MAX_DEPTH):
        raise too_deep
    return doc


def _deeper_than(doc: Any, limit: int) -> bool:
    """Level by level, without recursion (the point is to refuse what would exhaust it).

    Only the objects and lists the cyclic collector tracks are read: CPython tracks an object as soon
    as it holds an object or a list (an untracked one could never be part of a cycle), so an untracked
    object holds only text, numbers and nulls; most objects of a synth are such leaf blocks. Where the
    collector tracks everything, everything is read.
    """
    level = [doc]
    for _ in range(limit):
        level = [x for v in level if is_tracked(v)
                 for x in (v.values() if type(v) is dict else v) if type(x) in CONTAINERS]
        if not level:
            return False
    return True


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
        check_synth_shape(doc, file)
        stacks[file.parent.name] = doc
    return stacks


def check_synth_shape(doc: Any, file: Path | str) -> None:
    """Refuse a cdk.tf.json whose sections are not the objects and lists Terraform JSON has."""
    problem = _Shape(file, SYNTH_HINT)
    problem.expect(doc, dict, (), "a Terraform JSON object")
    for section in NAMED_SECTIONS:
        by_type = problem.optional(doc, section, dict, "an object of resource types")
        for rtype, by_name in by_type.items():
            named = problem.expect(by_name, dict, (section, rtype), "an object of resources by name")
            for name, body in named.items():
                problem.expect(body, dict, (section, rtype, name), "an object of attributes")
    terraform = problem.optional(doc, "terraform", dict, "an object")
    problem.optional(terraform, "backend", dict, "an object of one backend", ("terraform",))
    for name, output in problem.optional(doc, "output", dict, "an object of outputs").items():
        problem.expect(output, dict, ("output", name), "an object with a value")
    for key in ("moved", "import"):
        blocks = doc.get(key)
        if blocks is not None and not isinstance(blocks, dict):
            for i, block in enumerate(problem.expect(blocks, list, (key,), "a list of blocks")):
                problem.expect(block, dict, (key, i), "an object")


def read_plan(path: Path) -> dict[str, Any]:
    """A `terraform show -json <planfile>` document, checked for the shape and format every reader relies on."""
    doc = read_json(path, "plan JSON")
    if not isinstance(doc, dict) or "format_version" not in doc or not (
        "resource_changes" in doc or "planned_values" in doc
    ):
        raise InputError(f"{path}: not a Terraform plan in JSON", hint=PLAN_HINT)
    check_plan_format(doc["format_version"], path)
    check_plan_shape(doc, path)
    return doc


def check_plan_format(version: Any, path: Path | str) -> None:
    major = str(version).split(".", 1)[0]
    if not isinstance(version, str) or not major.isdigit():
        raise InputError(f"{path}: format_version: '{version}' is not a version like '1.2'", hint=PLAN_HINT)
    if int(major) != PLAN_FORMAT_MAJOR:
        raise InputError(
            f"{path}: format_version: plan format {version} is not supported (lakestack reads format "
            f"{PLAN_FORMAT_MAJOR}.x, written by Terraform 1.x and OpenTofu)",
            hint="write the plan with a Terraform or OpenTofu release that produces format 1.x",
        )


def check_plan_shape(doc: dict[str, Any], path: Path | str) -> None:
    problem = _Shape(path, PLAN_HINT)
    for i, entry in enumerate(problem.optional(doc, "resource_changes", list, "a list of changes")):
        at: tuple[str | int, ...] = ("resource_changes", i)
        problem.expect(entry, dict, at, "an object")
        for key in ("address", "type"):
            problem.expect(entry.get(key), str, (*at, key), "text")
        change = problem.expect(entry.get("change"), dict, (*at, "change"), "an object")
        actions = change.get("actions")
        if not isinstance(actions, list) or not actions or not all(isinstance(a, str) for a in actions):
            raise problem.error((*at, "change", "actions"), "must be a non-empty list of action names")
        for side in ("before", "after"):
            problem.optional(change, side, dict, "an object or null", (*at, "change"))
    planned = problem.optional(doc, "planned_values", dict, "an object")
    modules: list[tuple[tuple[str | int, ...], Any]] = [(("planned_values", "root_module"), problem.optional(
        planned, "root_module", dict, "an object", ("planned_values",)))]
    while modules:
        at, module = modules.pop()
        for i, resource in enumerate(problem.optional(module, "resources", list, "a list", at)):
            problem.expect(resource, dict, (*at, "resources", i), "an object")
            problem.optional(resource, "values", dict, "an object", (*at, "resources", i))
        children = problem.optional(module, "child_modules", list, "a list", at)
        modules += [((*at, "child_modules", i), problem.expect(m, dict, (*at, "child_modules", i), "an object"))
                    for i, m in enumerate(children)]
    configuration = problem.optional(doc, "configuration", dict, "an object")
    root = problem.optional(configuration, "root_module", dict, "an object", ("configuration",))
    problem.optional(configuration, "provider_config", dict, "an object", ("configuration",))
    for i, resource in enumerate(problem.optional(root, "resources", list, "a list", ("configuration", "root_module"))):
        at = ("configuration", "root_module", "resources", i)
        problem.expect(resource, dict, at, "an object")
        problem.optional(resource, "expressions", dict, "an object", at)


class _Shape:
    """Checks one document's parts against the types its readers expect; the first mismatch is an InputError."""

    TYPE_NAMES: dict[type, str] = {dict: "an object", list: "a list", str: "text"}

    def __init__(self, file: Path | str, hint: str) -> None:
        self.file = file
        self.hint = hint

    def error(self, at: tuple[str | int, ...], problem: str) -> InputError:
        return InputError(f"{self.file}: {key_path(at)}: {problem}", hint=self.hint)

    def expect(self, value: Any, kind: type, at: tuple[str | int, ...], what: str) -> Any:
        if not isinstance(value, kind):
            raise self.error(at, f"expected {what}, found {_kind_of(value)}")
        return value

    def optional(self, parent: dict[str, Any], key: str, kind: type, what: str,
                 at: tuple[str | int, ...] = ()) -> Any:
        """`parent[key]` when present and of `kind`; an empty one when absent or null."""
        value = parent.get(key)
        if value is None:
            return _EMPTY.get(kind, lambda: None)()
        return self.expect(value, kind, (*at, key), what)


_EMPTY: dict[type, Callable[[], Any]] = {dict: dict, list: list}


def _kind_of(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "text", bool: "true/false"}.get(type(value), "a number")


def environment_of_stack(stack: str) -> str:
    """Stacks are named after their environment; account-level pieces live in `<env>-account`."""
    return stack.removesuffix("-account")


_PARSED: dict[tuple[object, ...], dict[str, dict[str, Any]]] = {}


def parsed_synth_stacks(synth_dir: Path) -> dict[str, dict[str, Any]]:
    """`synth_stacks`, parsed once per command: the review and its audit of the head read the same folder.

    Keyed by the folder and each stack file's size and modification time, so a folder written
    again is parsed again. The documents are built with the cyclic collector paused
    (`lakestack.collector`). Callers must not change them.
    """
    synth_dir = Path(synth_dir)
    files = sorted((synth_dir / "stacks").glob(f"*/{SYNTH_FILE}")) if synth_dir.is_dir() else []
    key = (str(synth_dir.resolve()), *((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    if key not in _PARSED:
        with collector_paused():
            _PARSED[key] = synth_stacks(synth_dir)
    return _PARSED[key]
