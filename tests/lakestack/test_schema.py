"""`lakestack schema`: generated from the model, shipped up to date, and useful to an editor."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from lakestack.cli import main
from lakestack.schema import platform_schema, schema_text
from tests.configs import EXAMPLE, example_data
from tests.conftest import ROOT

SHIPPED = ROOT / "infra" / "platform.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SHIPPED.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(data)]


def test_shipped_schema_is_up_to_date_with_the_model():
    assert SHIPPED.read_text() == schema_text(), (
        "infra/platform.schema.json is stale: run `lakestack schema --output infra/platform.schema.json`")


def test_the_example_is_valid(validator):
    assert errors(validator, yaml.safe_load(EXAMPLE.read_text())) == []


def test_a_typo_in_a_key_is_rejected(validator):
    data = example_data()
    data["models"][0]["predicton_col"] = data["models"][0].pop("prediction_col")
    data["environments"]["prod"]["acess"] = {}
    found = errors(validator, data)
    assert any(e.startswith("models.0:") and "'predicton_col' was unexpected" in e for e in found), found
    assert any(e.startswith("environments.prod:") and "'acess' was unexpected" in e for e in found), found


def test_a_wrong_value_is_rejected(validator):
    data = example_data()
    data["environments"]["prod"]["access"]["data_scientists"] = "owner"
    data["models"][1]["problem_type"] = "forecasting"
    found = errors(validator, data)
    assert any(e.startswith("environments.prod.access.data_scientists") for e in found), found
    assert any(e.startswith("models.1.problem_type") for e in found), found


def test_schema_is_draft_07_and_says_where_it_comes_from():
    schema = platform_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert "lakestack schema" in schema["description"]
    assert set(schema["required"]) >= {"project", "account", "github", "groups", "environments"}


def test_command_prints_or_writes_it(tmp_path, capsys):
    assert main(["schema"]) == 0
    assert capsys.readouterr().out == schema_text()
    target = tmp_path / "schema.json"
    assert main(["schema", "--output", str(target)]) == 0
    assert target.read_text() == schema_text()
    assert capsys.readouterr().out == f"wrote {target}\n"


def test_the_example_points_editors_at_the_schema():
    first = EXAMPLE.read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=platform.schema.json"
    assert (EXAMPLE.parent / "platform.schema.json").is_file()
