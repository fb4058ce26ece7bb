"""`lakestack validate`: every problem of one file in one run, structure and references together."""

from __future__ import annotations

import pytest

from infra.config import load_config
from lakestack.cli import main
from lakestack.errors import InputError
from tests.configs import EXAMPLE, example_data, write_config

BASE = EXAMPLE.read_text()


def edited(tmp_path, *edits: tuple[str, str]):
    text = BASE
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    return path, text


def line_of(text: str, needle: str) -> int:
    return text[:text.index(needle)].count("\n") + 1


def test_valid_config(capsys):
    assert main(["validate", "--config", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert out == f"{EXAMPLE}: valid (3 environment(s), 3 model(s), 1 feature table(s))\n"


def test_a_typo_in_a_model_and_an_unknown_role_in_an_environment_in_one_run(tmp_path, capsys):
    path, text = edited(
        tmp_path,
        ("    prediction_col: forecast_units", "    predicton_col: forecast_units"),
        ("access: {data_scientists: reader, ml_engineers: reader}\n    read_only_from: [dev]\n"
         "    deployer: {member_of: [deployers]}\n    jobs: {git_branch: release",
         "access: {data_scientist: reader, ml_engineers: reader}\n    read_only_from: [dev]\n"
         "    deployer: {member_of: [deployers]}\n    jobs: {git_branch: release"),
    )
    assert main(["validate", "--config", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {path}:{line_of(text, 'predicton_col')}: models[2].predicton_col: unknown key 'predicton_col' "
        "(did you mean 'prediction_col'?)",
        f"error: {path}:{line_of(text, 'data_scientist: reader')}: environments.prod.access.data_scientist: "
        "unknown group role 'data_scientist' (did you mean 'data_scientists'?)",
    ]


def test_problems_come_in_file_order(tmp_path):
    path, _ = edited(
        tmp_path,
        ("access: {data_scientists: writer, ml_engineers: writer}",
         "access: {data_scientists: writer, ml_engineer: writer}"),
        ("catalog: retail_prod", "catalog: retail-prod"),
        ("      query_roles: [merchandising_apps, data_scientists]", "      query_roles: [merchandising_app]"),
    )
    with pytest.raises(InputError) as err:
        load_config(path)
    lines = [int(p.split(":")[1]) for p in err.value.problems]
    assert len(lines) == 3 and lines == sorted(lines)
    assert "models[0].serving.query_roles[0]: unknown group role 'merchandising_app'" in err.value.problems[0]
    assert "environments.dev.access.ml_engineer: unknown group role" in err.value.problems[1]
    assert "environments.prod.catalog: 'retail-prod' is not a valid" in err.value.problems[2]


def test_a_broken_section_does_not_make_its_references_look_unknown(tmp_path):
    data = example_data()
    data["environments"]["dev"]["catalg"] = "typo"          # dev is broken ...
    data["models"][0]["problem_type"] = "ranking"          # ... and so is the model staging serves by name
    data["environments"]["staging"]["serving"] = ["product_recommender"]
    with pytest.raises(InputError) as err:
        load_config(write_config(tmp_path / "p.yaml", data))
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 2, text
    assert "unknown key 'catalg'" in text and "'ranking' is not allowed" in text
    assert "unknown environment 'dev'" not in text and "unknown model" not in text


def test_references_of_broken_sections_are_skipped_and_of_sound_ones_reported(tmp_path):
    data = example_data()
    data["environments"]["dev"]["access"] = {"nobody": "writer"}
    data["environments"]["dev"]["tier"] = "qa"              # dev itself broken: its access is not judged
    data["environments"]["prod"]["read_only_from"] = ["devv"]
    data["models"][1]["serving"]["query_roles"] = ["apps"]
    with pytest.raises(InputError) as err:
        load_config(write_config(tmp_path / "p.yaml", data))
    text = "\n".join(err.value.problems)
    assert len(err.value.problems) == 3, text
    assert "environments.dev.tier" in text
    assert "environments.prod.read_only_from[0]: unknown environment 'devv' (did you mean 'dev'?)" in text
    assert "models[1].serving.query_roles[0]: unknown group role 'apps'" in text
    assert "nobody" not in text


def test_broken_groups_skip_role_checks(tmp_path):
    data = example_data()
    data["groups"] = ["data_scientists"]
    with pytest.raises(InputError) as err:
        load_config(write_config(tmp_path / "p.yaml", data))
    assert len(err.value.problems) == 1
    assert "groups: Input should be a valid dictionary" in err.value.problems[0]


def test_yaml_syntax_errors_stop_before_anything_else(tmp_path, capsys):
    path, _ = edited(tmp_path, ("  data_scientists: retail-data-scientists", "  data_scientists: [retail"))
    assert main(["validate", "--config", str(path)]) == 2
    assert "invalid YAML" in capsys.readouterr().err


def test_missing_file(tmp_path, capsys):
    assert main(["validate", "--config", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err
    assert "none.yaml: file not found" in err and "hint: pass --config PATH" in err
