"""Names, ranges and uniqueness the platform needs, refused at load as `file:line: key: problem (fix)`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_config
from lakestack.errors import InputError
from tests.configs import example_data, write_config

Data = dict[str, Any]


def refused(tmp_path: Path, change: Callable[[Data], None]) -> str:
    data = example_data()
    change(data)
    path = write_config(tmp_path / "platform.yaml", data)
    with pytest.raises(InputError) as caught:
        load_config(path)
    text = "\n".join(caught.value.problems)
    assert all(p.startswith(f"{path}:") for p in caught.value.problems), text
    return text


def rename_env(old: str, new: str) -> Callable[[Data], None]:
    def change(data: Data) -> None:
        data["environments"] = {new if k == old else k: v for k, v in data["environments"].items()}
    return change


@pytest.mark.parametrize("name", ["qa/1", "qa;drop", "qa 1", "QA", "1qa", "qa-account", "q" * 33, "qa.1"])
def test_environment_names_that_break_a_stack_endpoint_or_job_name_are_refused(tmp_path, name):
    text = refused(tmp_path, rename_env("dev", name))
    assert f"environment name '{name}' is not usable as a stack, endpoint and job name" in text
    assert "lower-case letters, digits, hyphens and underscores" in text
    assert f"environments.{name}:" in text  # the key path, not pydantic's `[key]`


def test_valid_environment_names_load(tmp_path):
    data = example_data()
    rename_env("dev", "qa_1-eu")(data)
    data["environments"]["qa_1-eu"]["tier"] = "dev"
    data["environments"]["staging"]["read_only_from"] = ["qa_1-eu"]
    data["environments"]["prod"]["read_only_from"] = ["qa_1-eu"]
    assert "qa_1-eu" in load_config(write_config(tmp_path / "p.yaml", data)).environments


@pytest.mark.parametrize("value", [-1, 0, 2**63, True, "1001"])
def test_workspace_id_must_be_a_positive_64_bit_integer(tmp_path, value):
    text = refused(tmp_path, lambda d: d["environments"]["dev"]["workspace"].update(workspace_id=value))
    assert "environments.dev.workspace.workspace_id" in text


@pytest.mark.parametrize("limit", ["0/minute per user", f"{2**63}/minute per endpoint"])
def test_rate_limits_outside_the_api_range_are_refused(tmp_path, limit):
    text = refused(tmp_path, lambda d: d["models"][0]["serving"].update(rate_limits=[limit]))
    assert "models[0].serving.rate_limits" in text and "between 1 and 9223372036854775807" in text


def test_largest_rate_limit_is_accepted(tmp_path):
    data = example_data()
    data["models"][0]["serving"]["rate_limits"] = [f"{2**63 - 1}/minute per user"]
    config = load_config(write_config(tmp_path / "p.yaml", data))
    assert config.models[0].serving.parsed_rate_limits() == [(2**63 - 1, "minute", "user")]


def test_two_features_with_one_name_are_refused(tmp_path):
    def change(data: Data) -> None:
        features = data["models"][0]["features"]
        features.append(dict(features[1]))
    text = refused(tmp_path, change)
    assert "models[0].features: feature 'basket_value_30d' is declared twice ([1] and [5])" in text


def test_duplicate_model_names_are_refused(tmp_path):
    text = refused(tmp_path, lambda d: d["models"][1].update(name=d["models"][0]["name"]))
    assert "models[1].name: duplicate model name 'product_recommender'" in text


def test_duplicate_feature_table_names_are_refused(tmp_path):
    def change(data: Data) -> None:
        data["feature_tables"].append(dict(data["feature_tables"][0]))
    text = refused(tmp_path, change)
    assert f"feature_tables[{len(example_data()['feature_tables'])}].name: duplicate table name" in text


def test_duplicate_feature_table_columns_are_refused(tmp_path):
    def change(data: Data) -> None:
        columns = data["feature_tables"][0]["columns"]
        columns.append(dict(columns[0]))
    assert "is declared twice" in refused(tmp_path, change)


def test_endpoint_name_too_long_is_refused_instead_of_cut(tmp_path):
    def change(data: Data) -> None:
        data["models"][0]["name"] = "a_really_long_model_name_that_makes_the_endpoint_name_too_long"
    text = refused(tmp_path, change)
    assert "longer than 63 characters" in text


@pytest.mark.parametrize("key, value, expected", [
    (("account", "host"), "accounts.cloud.databricks.com", "is not an https URL"),
    (("account", "account_id"), "0f1e; drop", "is not an account id"),
    (("environments", "prod", "jobs", "git_branch"), "release branch", "is not a git branch name"),
    (("environments", "prod", "storage_root"), "not a url", "is not a cloud storage URL"),
    (("environments", "prod", "warehouse_id"), "abc/def", "is not a SQL warehouse id"),
    (("environments", "prod", "deployer", "github_environment"), "prod:evil", "is not a GitHub environment name"),
    (("notifications", "emails"), ["@"], "is not an email address"),
    (("models", 0, "validation", "threshold"), float("inf"), "finite number"),
    (("models", 0, "monitor", "baseline_table"), "baseline", "is not a table name catalog.schema.table"),
])
def test_names_urls_and_numbers_that_reach_the_api_are_checked(tmp_path, key, value, expected):
    def change(data: Data) -> None:
        node: Any = data
        for part in key[:-1]:
            node = node[part]
        node[key[-1]] = value
    text = refused(tmp_path, change)
    assert expected in text and ".".join(str(k) for k in key if not isinstance(k, int)).split(".")[-1] in text


def test_environments_differing_only_in_hyphen_or_underscore_are_refused(tmp_path):
    def change(data: Data) -> None:
        data["environments"]["qa-1"] = dict(data["environments"]["dev"], catalog="retail_qa_a", tier="dev")
        data["environments"]["qa_1"] = dict(data["environments"]["dev"], catalog="retail_qa_b", tier="dev")
    assert "environments 'qa-1' and 'qa_1' differ only in '-' versus '_'" in refused(tmp_path, change)


@pytest.mark.parametrize("role", ["ml-engineers", "ML", "data scientists", "1st"])
def test_group_role_names_become_terraform_names_and_are_checked(tmp_path, role):
    text = refused(tmp_path, lambda d: d["groups"].update({role: "some-group"}))
    assert f"'{role}' is not a group role name" in text and f"groups.{role}:" in text
