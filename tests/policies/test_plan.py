"""Plans: destroys and replacements of prod data are critical, the plan's environment is recognised,
values unknown until apply keep the references that say who they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import PlatformConfig
from lakestack.errors import InputError
from policies.adapters.plan import read_plan_inventory
from policies.audit import run_audit
from policies.model import Unresolved
from policies.principals import Kind, Principals
from policies.rules.base import Severity
from tests.policies.fixtures import MODEL, as_plan, compliant_stack, write_plan

DESTROYS = [
    ("databricks_catalog.catalog", ["delete"]),
    ("databricks_schema.schema_ml", ["delete", "create"]),
    (f"databricks_registered_model.model_{MODEL}", ["create", "delete"]),
    (f"databricks_quality_monitor.monitor_{MODEL}", ["delete"]),
    (f"databricks_sql_table.predictions_{MODEL}", ["delete", "create"]),
]


def plan_findings(tmp_path: Path, config: PlatformConfig, env: str, actions: dict[str, list[str]]) -> list:
    path = write_plan(tmp_path / "plan.json", as_plan(compliant_stack(config, env), actions))
    return run_audit(config, plans=[f"{env}={path}"]).findings


@pytest.mark.parametrize(("address", "actions"), DESTROYS, ids=[a for a, _ in DESTROYS])
def test_destroying_or_replacing_prod_data_is_critical(tmp_path: Path, example_config: PlatformConfig,
                                                      address: str, actions: list[str]) -> None:
    findings = plan_findings(tmp_path, example_config, "prod", {address: actions})
    [finding] = [f for f in findings if f.rule_id == "LS-PROT-002"]
    assert finding.resource == address and finding.severity is Severity.CRITICAL
    assert ("replaces" in finding.message) == ("create" in actions)


@pytest.mark.parametrize(("env", "address", "actions"), [
    ("prod", "databricks_catalog.catalog", ["update"]),
    ("prod", "databricks_grants.grants_catalog", ["delete"]),  # grants carry no data
    ("prod", "databricks_model_serving.serving_product_recommender", ["delete", "create"]),
    ("staging", "databricks_catalog.catalog", ["delete"]),  # only the protected tier is guarded
])
def test_other_changes_are_not_prod_destroys(tmp_path: Path, example_config: PlatformConfig, env: str,
                                             address: str, actions: list[str]) -> None:
    findings = plan_findings(tmp_path, example_config, env, {address: actions})
    assert "LS-PROT-002" not in {f.rule_id for f in findings}


def test_a_deleted_resource_is_not_audited_as_existing(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = compliant_stack(example_config, "staging")
    stack.add("databricks_token", "old_ci", lifetime_seconds=3600)
    path = write_plan(tmp_path / "plan.json", as_plan(stack, {"databricks_token.old_ci": ["delete"]}))
    assert run_audit(example_config, plans=[f"staging={path}"]).findings == []


def test_environment_recognised_from_catalog_host_or_file_name(tmp_path: Path, example_config: PlatformConfig) -> None:
    by_catalog = write_plan(tmp_path / "a.json", as_plan(compliant_stack(example_config, "prod")))
    assert read_plan_inventory(by_catalog, example_config).environment == "prod"
    only_sp = compliant_stack(example_config, "staging")
    only_sp.resource = {"databricks_service_principal": only_sp.resource["databricks_service_principal"]}
    by_host = write_plan(tmp_path / "b.json", as_plan(only_sp, host=example_config.env("staging").host))
    assert read_plan_inventory(by_host, example_config).environment == "staging"
    by_name = write_plan(tmp_path / "tfplan-dev.json", as_plan(only_sp))
    assert read_plan_inventory(by_name, example_config).environment == "dev"


def test_unrecognisable_plan_environment_is_bad_input(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = compliant_stack(example_config, "prod")
    stack.resource = {"databricks_service_principal": stack.resource["databricks_service_principal"]}
    path = write_plan(tmp_path / "plan.json", as_plan(stack))
    with pytest.raises(InputError) as raised:
        run_audit(example_config, plans=[path])
    assert "cannot tell which environment" in str(raised.value) and f"--plan ENV={path}" in str(raised.value)


def test_unknown_values_keep_their_references(tmp_path: Path, example_config: PlatformConfig) -> None:
    path = write_plan(tmp_path / "plan.json", as_plan(compliant_stack(example_config, "prod")))
    inventory = read_plan_inventory(path, example_config, "prod")
    catalog = next(inventory.of_type("databricks_catalog"))
    assert isinstance(catalog.get("owner"), Unresolved)
    principal = Principals(example_config.env("prod"), inventory).classify(catalog.get("owner"))
    assert principal.kind is Kind.DEPLOYER and principal.name == "retail-ml-prod-deployer"


def test_planned_values_without_a_change_entry_are_audited(tmp_path: Path, example_config: PlatformConfig) -> None:
    doc = as_plan(compliant_stack(example_config, "prod"))
    doc["planned_values"] = {"root_module": {"child_modules": [{"resources": [{
        "address": "module.ci.databricks_token.ci", "mode": "managed", "type": "databricks_token", "name": "ci",
        "values": {"lifetime_seconds": 3600}}]}]}}
    findings = run_audit(example_config, plans=[write_plan(tmp_path / "plan.json", doc)]).findings
    assert [(f.rule_id, f.resource) for f in findings] == [("LS-SEC-001", "module.ci.databricks_token.ci")]
