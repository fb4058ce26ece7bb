"""What a deploy-model path grants: the receiving deployer may read the source model, and nothing else changes.

For each step `source -> target`, the source stack grants the target's deployer USE_CATALOG on the
catalog, USE_SCHEMA on `ml` and EXECUTE on the one registered model, and binds an ISOLATED source
catalog read-only to the target's workspace. Deploy-code models, humans and the last environment gain nothing.
"""

from __future__ import annotations

import pytest

from infra.config.roles import PROMOTION_READER
from infra.synth import synth
from tests.configs import config_from_data, example_data
from tests.synth_json import load_stacks, resources

ENVS = ("dev", "staging", "prod")
MODELS = ("product_recommender", "price_elasticity", "inventory_demand")
RECEIVER = {"dev": "staging", "staging": "prod"}  # the example's inventory_demand: dev -> staging -> prod


def deployer_of(env: str) -> str:
    """Another environment's deployer, read from its account stack's declared output (never its stack object)."""
    return f"${{data.terraform_remote_state.cross-stack-reference-input-{env}-account.outputs.deployer_application_id}}"


def deployer_grants(stack: dict, name: str) -> dict[str, list[str]]:
    """Grants of a grants resource to any environment's deployer (principals that are cross-stack references)."""
    blocks = resources(stack, "databricks_grants")[name]["grant"]
    return {g["principal"]: g["privileges"] for g in blocks if g["principal"].startswith("${")}


def read_only_bindings(stack: dict) -> set[int | str]:
    return {b["workspace_id"] for b in resources(stack, "databricks_workspace_binding").values()
            if b["binding_type"] == "BINDING_TYPE_READ_ONLY"}


@pytest.fixture(scope="module")
def example(example_synth_dir):
    return load_stacks(example_synth_dir)


@pytest.fixture(scope="module")
def deploy_code(tmp_path_factory):
    """The example with every model on deploy-code: what the stacks were before the second path."""
    data = example_data()
    for model in data["models"]:
        model.pop("deployment", None)
    tmp = tmp_path_factory.mktemp("deploy-code")
    out = tmp / "cdktf.out"
    synth(config_from_data(tmp, data), out)
    return load_stacks(out)


@pytest.mark.parametrize("env", ENVS)
def test_the_receiving_deployer_may_use_the_source_catalog_and_ml_schema_only(example, env):
    receiver = RECEIVER.get(env)
    expected = {deployer_of(receiver): list(PROMOTION_READER["catalog"])} if receiver else {}
    assert deployer_grants(example[env], "grants_catalog") == expected
    expected = {deployer_of(receiver): list(PROMOTION_READER["schema"])} if receiver else {}
    assert deployer_grants(example[env], "grants_schema_ml") == expected
    for schema in ("inference", "monitoring"):
        assert deployer_grants(example[env], f"grants_schema_{schema}") == {}


@pytest.mark.parametrize("env", ENVS)
def test_the_receiving_deployer_may_execute_the_deploy_model_model_only(example, env):
    receiver = RECEIVER.get(env)
    expected = {deployer_of(receiver): ["EXECUTE"]} if receiver else {}
    assert deployer_grants(example[env], "grants_model_inventory_demand") == expected
    for model in ("product_recommender", "price_elasticity"):  # deploy-code
        assert deployer_grants(example[env], f"grants_model_{model}") == {}


def test_an_isolated_source_catalog_is_bound_read_only_to_the_receiving_workspace(example):
    binding = resources(example["staging"], "databricks_workspace_binding")["binding_read_only_prod"]
    assert binding["workspace_id"] == 3003
    assert binding["securable_type"] == "catalog"
    assert binding["securable_name"] == "${databricks_catalog.catalog.name}"
    assert read_only_bindings(example["staging"]) == {1001, 3003}
    assert read_only_bindings(example["prod"]) == {1001}  # prod sends nothing: only read_only_from
    assert resources(example["dev"], "databricks_workspace_binding") == {}  # an OPEN catalog needs none


@pytest.mark.parametrize("env", ENVS)
def test_deploy_code_adds_no_grant_and_no_binding(deploy_code, env):
    stack = deploy_code[env]
    for name in resources(stack, "databricks_grants"):
        assert deployer_grants(stack, name) == {}, name
    expected = {"dev": set(), "staging": {1001}, "prod": {1001}}[env]
    assert read_only_bindings(stack) == expected


@pytest.mark.parametrize("env", ENVS)
def test_humans_gain_nothing_from_deploy_model(example, deploy_code, env):
    for name, body in resources(deploy_code[env], "databricks_grants").items():
        groups = [g for g in resources(example[env], "databricks_grants")[name]["grant"]
                  if not g["principal"].startswith("${")]
        assert groups == body["grant"], name
    assert set(resources(example[env], "databricks_grants")) == set(resources(deploy_code[env], "databricks_grants"))


def test_read_only_from_already_binding_the_receiver_is_not_bound_twice(tmp_path):
    data = example_data()
    data["environments"]["staging"]["read_only_from"] = ["dev", "prod"]
    staging = config_from_data(tmp_path, data).env("staging")
    assert staging.workspace_bindings == [("staging", "BINDING_TYPE_READ_WRITE"), ("dev", "BINDING_TYPE_READ_ONLY"),
                                          ("prod", "BINDING_TYPE_READ_ONLY")]


def test_a_declared_path_grants_along_its_own_steps(tmp_path):
    data = example_data()
    data["models"][2]["deployment"] = {"strategy": "deploy-model", "path": ["dev", "prod"]}
    config = config_from_data(tmp_path, data)
    assert {name: list(env.promoted_models) for name, env in ((e.name, e) for e in config.envs())} == {
        "dev": ["prod"], "staging": [], "prod": []}
    assert config.env("dev").workspace_bindings == []
    assert ("prod", "BINDING_TYPE_READ_ONLY") not in config.env("staging").workspace_bindings
