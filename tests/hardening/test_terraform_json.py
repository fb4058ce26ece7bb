"""Plan and synth JSON are checked where they enter: a wrong shape or an unknown plan format is one clear
line and exit 2 in the audit, the review and `redact-plan`, never an AttributeError."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lakestack.cli import main
from lakestack.terraform_json import MAX_DEPTH, _deeper_than
from tests.conftest import EXAMPLE_CONFIG
from tests.review.plan_fixtures import plan, resource_change, write_plan


def write_stack(root: Path, doc: Any, stack: str = "prod") -> Path:
    folder = root / "stacks" / stack
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cdk.tf.json").write_text(json.dumps(doc))
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def commands_reading_synth(folder: Path, tmp_path: Path) -> list[list[str]]:
    config = ["--config", str(EXAMPLE_CONFIG)]
    return [["audit", *config, "--synth-dir", str(folder)],
            ["review", *config, "--head", str(folder), "--no-audit"],
            ["review", *config, "--base", str(folder), "--head", str(folder)]]


WRONG_SYNTHS = [
    ([], "(top level): expected a Terraform JSON object, found a list"),
    ({"resource": []}, "resource: expected an object of resource types, found a list"),
    ({"resource": {"databricks_catalog": ["x"]}}, "resource.databricks_catalog: expected an object of resources"),
    ({"resource": {"databricks_catalog": {"c": "x"}}}, "resource.databricks_catalog.c: expected an object of "
                                                       "attributes, found text"),
    ({"data": {"databricks_group": 3}}, "data.databricks_group: expected an object of resources by name"),
    ({"terraform": {"backend": "s3"}}, "terraform.backend: expected an object of one backend, found text"),
    ({"output": {"x": 1}}, "output.x: expected an object with a value"),
    ({"moved": [1]}, "moved[0]: expected an object"),
]


@pytest.mark.parametrize("doc, message", WRONG_SYNTHS, ids=[m.split(":")[0] for _, m in WRONG_SYNTHS])
def test_wrong_shaped_synth_is_a_clear_error_in_audit_and_review(tmp_path, capsys, doc, message):
    folder = write_stack(tmp_path / "synth", doc)
    for argv in commands_reading_synth(folder, tmp_path):
        code, output = run(capsys, *argv)
        assert code == 2, argv
        assert f"cdk.tf.json: {message}" in output
        assert "Traceback" not in output and "AttributeError" not in output


def a_plan() -> dict[str, Any]:
    return plan(resource_change("databricks_catalog.catalog", ["create"], None, {"name": "retail_prod"}))


def plan_commands(path: Path, tmp_path: Path) -> list[list[str]]:
    config = ["--config", str(EXAMPLE_CONFIG)]
    return [["audit", *config, "--plan", f"prod={path}"],
            ["review", *config, "--plan", f"prod={path}", "--no-audit"],
            ["redact-plan", str(path), "--output", str(tmp_path / "redacted.json")]]


@pytest.mark.parametrize("version", ["2.0", "0.1", "two", 1.2])
def test_unknown_plan_format_version_is_refused(tmp_path, capsys, version):
    doc = a_plan() | {"format_version": version}
    path = write_plan(tmp_path / "prod.json", doc)
    for argv in plan_commands(path, tmp_path):
        code, output = run(capsys, *argv)
        assert code == 2 and "format_version" in output, (argv, output)
    assert not (tmp_path / "redacted.json").exists()


def test_known_plan_format_minor_versions_are_read(tmp_path, capsys):
    path = write_plan(tmp_path / "prod.json", a_plan() | {"format_version": "1.9"})
    code, _ = run(capsys, "review", "--config", str(EXAMPLE_CONFIG), "--plan", f"prod={path}", "--no-audit")
    assert code == 0


def broken(mutate: Any) -> dict[str, Any]:
    doc = a_plan()
    mutate(doc)
    return doc


WRONG_PLANS = [
    (lambda d: d.update(resource_changes={}), "resource_changes: expected a list of changes"),
    (lambda d: d["resource_changes"].append("x"), "resource_changes[1]: expected an object"),
    (lambda d: d["resource_changes"][0].update(type=None), "resource_changes[0].type: expected text"),
    (lambda d: d["resource_changes"][0]["change"].update(actions="create"),
     "resource_changes[0].change.actions: must be a non-empty list"),
    (lambda d: d["resource_changes"][0]["change"].update(after=[1]),
     "resource_changes[0].change.after: expected an object or null"),
    (lambda d: d.update(planned_values={"root_module": {"resources": [3]}}),
     "planned_values.root_module.resources[0]: expected an object"),
    (lambda d: d.update(configuration={"root_module": {"resources": [{"expressions": []}]}}),
     "configuration.root_module.resources[0].expressions: expected an object"),
]


@pytest.mark.parametrize("mutate, message", WRONG_PLANS, ids=[m.split(":")[0] for _, m in WRONG_PLANS])
def test_wrong_shaped_plan_is_a_clear_error_everywhere(tmp_path, capsys, mutate, message):
    path = write_plan(tmp_path / "prod.json", broken(mutate))
    for argv in plan_commands(path, tmp_path):
        code, output = run(capsys, *argv)
        assert code == 2, (argv, output)
        assert message in output and "Traceback" not in output


@pytest.mark.parametrize("depth", [150, 700, 5000])
def test_deeply_nested_json_is_refused_before_any_reader_walks_it(tmp_path, capsys, depth):
    deep = '{"a": ' * depth + "{}" + "}" * depth
    doc = plan(resource_change("databricks_job.x", ["create"], None, {"name": "x", "deep": "DEEP"}))
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(doc).replace('"DEEP"', deep))
    for argv in plan_commands(path, tmp_path):
        code, output = run(capsys, *argv)
        assert code == 2 and "nested deeper than 100 levels" in output, (argv, output[-300:])
    synth = write_stack(tmp_path / "synth", {"resource": {"databricks_job": {"x": {"deep": "DEEP"}}}})
    stack_file = synth / "stacks" / "prod" / "cdk.tf.json"
    stack_file.write_text(stack_file.read_text().replace('"DEEP"', deep))
    for argv in commands_reading_synth(synth, tmp_path):
        code, output = run(capsys, *argv)
        assert code == 2 and "nested deeper than 100 levels" in output


def _nested(levels: int, shape: str) -> Any:
    """`levels` containers inside each other; leaf blocks beside them hold only text and numbers."""
    value: Any = {"leaf": "x", "n": 1}
    for level in range(levels - 1):
        if shape == "objects" or (shape == "mixed" and level % 2):
            value = {"text": "x", "block": {"k": "v"}, "inner": value}
        else:
            value = ["x", 1, {"k": "v"}, value]
    return value


@pytest.mark.parametrize("shape", ["objects", "lists", "mixed"])
@pytest.mark.parametrize("parsed", [False, True], ids=["built", "parsed"])
def test_depth_limit_is_exact_whatever_the_containers_hold(shape, parsed):
    """The depth check skips objects holding only scalars: one level more than the limit is still refused."""
    for levels, too_deep in ((MAX_DEPTH, False), (MAX_DEPTH + 1, True), (MAX_DEPTH + 2, True)):
        doc = _nested(levels, shape)
        if parsed:
            doc = json.loads(json.dumps(doc))
        assert _deeper_than(doc, MAX_DEPTH) is too_deep, (shape, levels)
    assert _deeper_than("text", 1) is False and _deeper_than({"a": {}}, 1) is True and _deeper_than({}, 1) is False
