"""Tiers, protection and access judged from base and head configs; the access picture."""

from __future__ import annotations

from review.highlights import HIGH
from review.posture import access_causes, posture_risks, postures, protection_risks, tier_judge
from tests.configs import config_from_data, example_data
from tests.review.conftest import registered_model, stack_doc


def config(tmp_path, name="platform.yaml", **prod):
    data = example_data()
    data["environments"]["prod"].update(prod)
    return config_from_data(tmp_path, data, name)


def test_the_stricter_declared_tier_wins_and_undeclared_names_keep_theirs(tmp_path, example_config):
    sandbox = config(tmp_path, tier="dev")
    assert tier_judge(postures(sandbox), postures(sandbox))("prod") == "dev"  # declared dev on both sides
    assert tier_judge(postures(example_config), postures(sandbox))("prod") == "prod"
    assert tier_judge(postures(sandbox), postures(example_config))("prod") == "prod"
    assert tier_judge({}, {})("prod") == "prod" and tier_judge({}, {})("sandbox") == "unknown"


def test_lowering_any_tier_is_high(tmp_path, example_config):
    data = example_data()
    data["environments"]["staging"]["tier"] = "dev"
    head = config_from_data(tmp_path, data)
    [risk] = posture_risks(postures(example_config), postures(head))
    assert (risk.level, risk.category, risk.environment) == (HIGH, "reclassification", "staging")
    assert "prod protection" not in risk.message


def test_widening_access_to_prod_data_is_high(tmp_path, example_config):
    data = example_data()
    data["environments"]["prod"]["read_only_from"] = ["dev", "staging"]
    data["environments"]["prod"]["access"]["merchandising_apps"] = "reader"
    head = config_from_data(tmp_path, data)
    messages = {r.message for r in posture_risks(postures(example_config), postures(head)) if r.level == HIGH}
    assert "merchandising_apps become readers in prod" in messages
    assert "the staging workspace gains read access to prod's catalog retail_prod" in messages
    narrowed = example_data()
    narrowed["environments"]["prod"]["access"] = {"ml_engineers": "reader"}
    assert posture_risks(postures(example_config), postures(config_from_data(tmp_path, narrowed, "n.yaml"))) == []


def test_losing_prevent_destroy_is_a_risk_of_its_own():
    protected = stack_doc({"databricks_registered_model": {"m": registered_model("retail_prod", "m")}})
    unprotected = stack_doc({"databricks_registered_model": {"m": {"catalog_name": "retail_prod", "name": "m"}}})
    [risk] = protection_risks({"prod": protected}, {"prod": unprotected}, lambda env: env)
    assert (risk.level, risk.category, risk.address) == (HIGH, "protection removed", "databricks_registered_model.m")
    assert protection_risks({"prod": protected}, {"prod": protected}, lambda env: env) == []
    assert protection_risks({"prod": protected}, {}, lambda env: env) == []  # a destroy: the data-loss risk says it


def without_deploy_model(tmp_path, name):
    data = example_data()
    for model in data["models"]:
        model.pop("deployment", None)
    return config_from_data(tmp_path, data, name)


def test_choosing_deploy_model_names_each_read_path_it_opens(tmp_path, example_config):
    base = without_deploy_model(tmp_path, "base.yaml")
    causes = access_causes(postures(base), postures(example_config))
    assert causes == {
        "dev": ["staging deployer gains read of retail_dev.ml.inventory_demand "
                "(deploy-model inventory_demand: dev -> staging)"],
        "staging": ["prod deployer gains read of retail_staging.ml.inventory_demand "
                    "(deploy-model inventory_demand: staging -> prod)"],
    }


def test_going_back_to_deploy_code_names_the_read_paths_it_closes(tmp_path, example_config):
    head = without_deploy_model(tmp_path, "head.yaml")
    causes = access_causes(postures(example_config), postures(head))
    assert causes["staging"] == ["prod deployer loses read of retail_staging.ml.inventory_demand "
                                 "(deploy-model inventory_demand: staging -> prod)"]
    assert set(causes) == {"dev", "staging"}


def test_a_changed_path_moves_the_read_path(tmp_path, example_config):
    data = example_data()
    data["models"][2]["deployment"] = {"strategy": "deploy-model", "path": ["dev", "prod"]}
    causes = access_causes(postures(example_config), postures(config_from_data(tmp_path, data)))
    assert causes == {
        "dev": ["prod deployer gains read of retail_dev.ml.inventory_demand "
                "(deploy-model inventory_demand: dev -> prod)",
                "staging deployer loses read of retail_dev.ml.inventory_demand "
                "(deploy-model inventory_demand: dev -> staging)"],
        "staging": ["prod deployer loses read of retail_staging.ml.inventory_demand "
                    "(deploy-model inventory_demand: staging -> prod)"],
    }


def test_an_unchanged_strategy_adds_no_cause(example_config):
    assert access_causes(postures(example_config), postures(example_config)) == {}
