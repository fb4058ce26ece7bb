"""LS-UC-007: a lower tier's deployer may read a higher tier's model, never write it.

The lower-tier deployer is recognised the three ways an audit sees it: a synth's cross-stack
reference to that environment's account stack, a plan's value read from that stack's outputs, and a
service principal's name (live, or a literal application id the inventory knows).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import PlatformConfig
from policies.audit import run_audit
from tests.policies.fixtures import MODEL, Stack, as_plan, compliant_stack, write_plan, write_synth

RULE = "LS-UC-007"
DEV_APPLICATION_ID = "11111111-2222-4333-8444-555555555555"


def deployer_of(env: str) -> str:
    """The deployer's application id as a stack of another environment reads it (CDKTF cross-stack reference)."""
    return f"${{data.terraform_remote_state.cross-stack-reference-input-{env}-account.outputs.deployer_id}}"


def account_stack(config: PlatformConfig, env: str) -> dict:
    return {"resource": {"databricks_service_principal": {"deployer": {
        "display_name": config.env(env).deployer_name, "provider": "databricks.account"}}},
        "output": {"deployer_id": {"value": "${databricks_service_principal.deployer.application_id}"}}}


def grant(stack: Stack, name: str, principal: str, *privileges: str) -> None:
    stack.get("databricks_grants", name)["grant"].append({"principal": principal, "privileges": list(privileges)})


def synth_findings(tmp_path: Path, config: PlatformConfig, env: str, stack: Stack, lower: str = "dev"):
    root = write_synth(tmp_path / "synth", {env: stack, f"{lower}-account": account_stack(config, lower)})
    return [(f.rule_id, f.environment, f.resource) for f in run_audit(config, synth_dir=root).findings]


@pytest.mark.parametrize(("env", "lower", "grants", "privileges"), [
    ("prod", "dev", f"grants_model_{MODEL}", ("EXECUTE", "APPLY_TAG")),
    ("prod", "staging", "grants_schema_ml", ("USE_SCHEMA", "CREATE_MODEL")),
    ("staging", "dev", "grants_catalog", ("ALL_PRIVILEGES",)),
    ("prod", "dev", "grants_catalog", ("MANAGE",)),
])
def test_a_lower_tier_deployer_writing_upward_is_a_violation(tmp_path, example_config, env, lower, grants,
                                                              privileges):
    stack = compliant_stack(example_config, env)
    grant(stack, grants, deployer_of(lower), *privileges)
    findings = synth_findings(tmp_path, example_config, env, stack, lower)
    assert (RULE, env, f"databricks_grants.{grants}") in findings
    assert {rule for rule, _, _ in findings} <= {RULE, "LS-UC-003"}  # ALL_PRIVILEGES/MANAGE: admin rule too


def test_the_message_names_the_deployer_and_the_write_privileges(tmp_path, example_config):
    stack = compliant_stack(example_config, "prod")
    grant(stack, f"grants_model_{MODEL}", deployer_of("dev"), "EXECUTE", "APPLY_TAG")
    root = write_synth(tmp_path / "synth", {"prod": stack, "dev-account": account_stack(example_config, "dev")})
    (finding,) = [f for f in run_audit(example_config, synth_dir=root).findings if f.rule_id == RULE]
    assert "the dev deployer holds APPLY_TAG" in finding.message and "EXECUTE" not in finding.message.split(" on ")[0]


def test_a_lower_tier_deployer_owning_a_higher_tier_model_is_a_violation(tmp_path, example_config):
    stack = compliant_stack(example_config, "prod")
    stack.get("databricks_registered_model", f"model_{MODEL}")["owner"] = deployer_of("staging")
    findings = synth_findings(tmp_path, example_config, "prod", stack, "staging")
    assert (RULE, "prod", f"databricks_registered_model.model_{MODEL}") in findings


@pytest.mark.parametrize(("env", "lower", "securable"), [
    ("staging", "dev", "grants_catalog"),  # the deploy-model read path: dev -> staging
    ("prod", "staging", "grants_schema_ml"),
])
def test_the_read_path_of_deploy_model_passes(tmp_path, example_config, env, lower, securable):
    """What lakestack grants a receiving deployer, but upward: reading is still not writing."""
    stack = compliant_stack(example_config, env)
    grant(stack, "grants_catalog", deployer_of(lower), "USE_CATALOG")
    grant(stack, "grants_schema_ml", deployer_of(lower), "USE_SCHEMA")
    grant(stack, f"grants_model_{MODEL}", deployer_of(lower), "EXECUTE")
    assert synth_findings(tmp_path, example_config, env, stack, lower) == []


def test_a_higher_tier_deployer_writing_a_lower_tier_is_not_this_rule(tmp_path, example_config):
    stack = compliant_stack(example_config, "staging")
    grant(stack, f"grants_model_{MODEL}", deployer_of("prod"), "EXECUTE", "APPLY_TAG")
    assert RULE not in {rule for rule, _, _ in synth_findings(tmp_path, example_config, "staging", stack, "prod")}


def test_a_plan_recognises_the_deployer_read_from_another_stack(tmp_path, example_config):
    stack = compliant_stack(example_config, "prod")
    stack.get("databricks_schema", "schema_ml")["owner"] = deployer_of("dev")
    path = write_plan(tmp_path / "prod.plan.json", as_plan(stack))
    findings = run_audit(example_config, plans=[f"prod={path}"]).findings
    assert (RULE, "prod", "databricks_schema.schema_ml") in {(f.rule_id, f.environment, f.resource) for f in findings}


def test_a_literal_application_id_is_recognised_by_the_service_principal_name(tmp_path, example_config):
    """As a live audit reads grants: the principal is an application id, the workspace lists the principal."""
    stack = compliant_stack(example_config, "prod")
    stack.add("databricks_service_principal", "dev_deployer", display_name=example_config.env("dev").deployer_name,
              application_id=DEV_APPLICATION_ID, provider="databricks.account")
    grant(stack, "grants_schema_ml", DEV_APPLICATION_ID, "MODIFY")
    root = write_synth(tmp_path / "synth", {"prod": stack})
    findings = {(f.rule_id, f.resource) for f in run_audit(example_config, synth_dir=root).findings}
    assert (RULE, "databricks_grants.grants_schema_ml") in findings


def test_the_example_passes(example_config, example_synth_dir):
    assert [f for f in run_audit(example_config, synth_dir=example_synth_dir).findings if f.rule_id == RULE] == []


def test_the_receiving_deployer_in_a_synth_is_named_as_that_environments_deployer(example_config, example_synth_dir):
    """Declared by cross-stack reference, it compares equal to the same principal read live by name."""
    from policies.adapters.synth import read_synth
    from policies.grants import grant_entries
    from policies.principals import Kind, Principals

    (dev,) = [inv for inv in read_synth(example_synth_dir) if inv.environment == "dev"]
    principals = Principals(example_config.env("dev"), dev)
    found = {(e.securable, principals.classify(e.principal)) for e in grant_entries(dev)
             if principals.deployer_environment(e.principal) == "staging"}
    names = {p.name for _, p in found}
    assert names == {"retail-ml-staging-deployer"} and {p.kind for _, p in found} == {Kind.SERVICE_PRINCIPAL}
    assert {securable for securable, _ in found} == {"catalog", "schema", "model"}
