"""Every rule against a compliant and a violating stack, as a synth and (where it applies) as a plan.

The compliant stack of each environment passes the whole pack; each case changes one thing and
expects exactly its rule to fire, in that environment and on that resource.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.config import PlatformConfig
from infra.config.roles import privileges
from policies.audit import RULES_BY_ID, AuditReport, run_audit
from policies.rules import CHECK_RULES
from tests.policies.fixtures import (
    DEPLOYER,
    LOCAL_STATE,
    MODEL,
    Stack,
    as_plan,
    compliant_stack,
    write_plan,
    write_synth,
)

Mutation = Callable[[Stack, PlatformConfig], None]
PAT = "dapi" + "0123456789abcdef" * 2


@dataclass(frozen=True)
class Case:
    name: str
    rule: str
    env: str
    resource: str
    mutate: Mutation
    in_plan: bool = True  # the plan carries what the rule reads (lifecycle blocks are synth-only)
    also: tuple[str, ...] = ()  # other rules the same change breaks


def grant_to(securable_grants: str, principal: str, *privs: str) -> Mutation:
    def mutate(stack: Stack, config: PlatformConfig) -> None:
        entry = {"principal": principal, "privileges": list(privs)}
        stack.get("databricks_grants", securable_grants)["grant"].append(entry)
    return mutate


def set_attr(rtype: str, name: str, key: str, value: object) -> Mutation:
    def mutate(stack: Stack, config: PlatformConfig) -> None:
        stack.get(rtype, name)[key] = value
    return mutate


def remove(rtype: str, name: str) -> Mutation:
    return lambda stack, config: stack.remove(rtype, name)


def add(rtype: str, name: str, /, **body: object) -> Mutation:
    return lambda stack, config: stack.add(rtype, name, **body) and None


def scientists_write(stack: Stack, config: PlatformConfig) -> None:
    grants = stack.get("databricks_grants", "grants_catalog")["grant"]
    for entry in grants:
        if entry["principal"] == config.groups["data_scientists"]:
            entry["privileges"] = list(privileges("writer", "catalog"))


def drop_inference_gateway(stack: Stack, config: PlatformConfig) -> None:
    del stack.get("databricks_model_serving", f"serving_{MODEL}")["ai_gateway"]


def no_protection(stack: Stack, config: PlatformConfig) -> None:
    del stack.get("databricks_catalog", "catalog")["lifecycle"]


SERVING = f"databricks_model_serving.serving_{MODEL}"
PERMISSIONS = f"serving_permissions_{MODEL}"

CASES = [
    Case("scientists-writer-prod", "LS-UC-001", "prod", "databricks_grants.grants_catalog", scientists_write),
    Case("group-modify-model-staging", "LS-UC-001", "staging", f"databricks_grants.grants_model_{MODEL}",
         grant_to(f"grants_model_{MODEL}", "retail-ml-engineers", "APPLY_TAG")),
    Case("user-grant-prod", "LS-UC-002", "prod", "databricks_grants.grants_schema_ml",
         grant_to("grants_schema_ml", "jane.doe@acme.example", "SELECT")),
    Case("account-users-staging", "LS-UC-002", "staging", "databricks_grants.grants_catalog",
         grant_to("grants_catalog", "account users", "BROWSE")),
    Case("all-privileges-group-dev", "LS-UC-003", "dev", "databricks_grants.grants_catalog",
         grant_to("grants_catalog", "retail-platform-admins", "ALL_PRIVILEGES")),
    Case("manage-spelled-with-space-dev", "LS-UC-003", "dev", "databricks_grants.grants_schema_ml",
         grant_to("grants_schema_ml", "retail-platform-admins", "manage")),
    Case("personal-owner-dev", "LS-UC-004", "dev", "databricks_schema.schema_ml",
         set_attr("databricks_schema", "schema_ml", "owner", "jane.doe@acme.example")),
    Case("open-catalog-prod", "LS-UC-005", "prod", "databricks_catalog.catalog",
         set_attr("databricks_catalog", "catalog", "isolation_mode", "OPEN")),
    Case("isolation-unset-staging", "LS-UC-005", "staging", "databricks_catalog.catalog",
         lambda stack, config: stack.get("databricks_catalog", "catalog").pop("isolation_mode") and None),
    Case("read-only-binding-missing-prod", "LS-UC-006", "prod", "databricks_catalog.catalog",
         remove("databricks_workspace_binding", "binding_read_only_dev")),
    Case("dev-bound-read-write-prod", "LS-UC-006", "prod", "databricks_workspace_binding.binding_read_only_dev",
         set_attr("databricks_workspace_binding", "binding_read_only_dev", "binding_type", "BINDING_TYPE_READ_WRITE"),
         also=("LS-UC-007",)),
    Case("dev-workspace-writes-staging", "LS-UC-007", "staging", "databricks_workspace_binding.binding_read_only_dev",
         set_attr("databricks_workspace_binding", "binding_read_only_dev", "binding_type", "BINDING_TYPE_READ_WRITE"),
         also=("LS-UC-006",)),
    Case("own-binding-missing-staging", "LS-UC-006", "staging", "databricks_catalog.catalog",
         remove("databricks_workspace_binding", "binding_read_write_staging"), in_plan=False),
    Case("force-destroy-prod", "LS-PROT-001", "prod", "databricks_schema.schema_ml",
         set_attr("databricks_schema", "schema_ml", "force_destroy", True)),
    Case("no-prevent-destroy-prod", "LS-PROT-001", "prod", "databricks_catalog.catalog", no_protection,
         in_plan=False),
    Case("inference-table-disabled-prod", "LS-SRV-001", "prod", SERVING,
         lambda stack, config: stack.get("databricks_model_serving", f"serving_{MODEL}")["ai_gateway"][
             "inference_table_config"].update(enabled=False)),
    Case("inference-table-missing-staging", "LS-SRV-001", "staging", SERVING, drop_inference_gateway),
    Case("users-can-query-prod", "LS-SRV-002", "prod", f"databricks_permissions.{PERMISSIONS}",
         lambda stack, config: stack.get("databricks_permissions", PERMISSIONS)["access_control"].append(
             {"group_name": "users", "permission_level": "CAN_QUERY"})),
    Case("person-can-query-staging", "LS-SRV-002", "staging", f"databricks_permissions.{PERMISSIONS}",
         lambda stack, config: stack.get("databricks_permissions", PERMISSIONS)["access_control"].append(
             {"user_name": "jane.doe@acme.example", "permission_level": "CAN_QUERY"})),
    Case("monitor-missing-prod", "LS-MON-001", "prod", SERVING,
         remove("databricks_quality_monitor", f"monitor_{MODEL}")),
    Case("monitor-unscheduled-staging", "LS-MON-001", "staging", f"databricks_quality_monitor.monitor_{MODEL}",
         lambda stack, config: stack.get("databricks_quality_monitor", f"monitor_{MODEL}").pop("schedule") and None),
    Case("drift-alert-missing-prod", "LS-MON-002", "prod", SERVING,
         remove("databricks_alert_v2", f"drift_alert_{MODEL}")),
    Case("job-as-user-prod", "LS-ID-001", "prod", "databricks_job.retrain",
         add("databricks_job", "retrain", name="retrain", run_as={"user_name": "jane.doe@acme.example"})),
    Case("deployer-admin-prod", "LS-ID-002", "prod",
         "databricks_mws_permission_assignment.deployer_workspace_assignment",
         add("databricks_mws_permission_assignment", "deployer_workspace_assignment", workspace_id=3003,
             principal_id="${databricks_service_principal.deployer.id}", permissions=["ADMIN"])),
    Case("pat-dev", "LS-SEC-001", "dev", "databricks_token.ci", add("databricks_token", "ci", lifetime_seconds=3600)),
    Case("obo-token-prod", "LS-SEC-001", "prod", "databricks_obo_token.ci",
         add("databricks_obo_token", "ci", application_id=DEPLOYER)),
    Case("sp-secret-staging", "LS-SEC-001", "staging", "databricks_service_principal_secret.ci",
         add("databricks_service_principal_secret", "ci", service_principal_id="42")),
    Case("pat-in-job-parameter-prod", "LS-SEC-003", "prod", "databricks_job.train",
         add("databricks_job", "train", name="train", parameters=[{"name": "p", "default": "x"},
                                                                  {"name": "q", "default": PAT}])),
    Case("aws-key-in-description-dev", "LS-SEC-003", "dev", "databricks_job.notes",
         add("databricks_job", "notes", name="notes", description="key AKIA" + "ABCDEFGHIJKLMNOP")),
    Case("pat-beside-an-unresolved-reference-staging", "LS-SEC-003", "staging", "databricks_job.owned",
         add("databricks_job", "owned", name="owned",
             description=f"{PAT} of ${{databricks_service_principal.deployer.application_id}}"), in_plan=False),
    Case("local-state-prod", "LS-STATE-001", "prod", "terraform_backend.local",
         lambda stack, config: stack.terraform.update(backend=LOCAL_STATE), in_plan=False),
    Case("monitor-output-schema-literal-prod", "LS-ORDER-001", "prod", f"databricks_quality_monitor.monitor_{MODEL}",
         set_attr("databricks_quality_monitor", f"monitor_{MODEL}", "output_schema_name", "retail_prod.monitoring"),
         in_plan=False),
    Case("model-schema-literal-staging", "LS-ORDER-001", "staging", f"databricks_registered_model.model_{MODEL}",
         lambda stack, config: stack.get("databricks_registered_model", f"model_{MODEL}").update(
             catalog_name="retail_staging", schema_name="ml") and None, in_plan=False),
    Case("open-ip-list-dev", "LS-NET-001", "dev", "databricks_ip_access_list.office",
         add("databricks_ip_access_list", "office", label="office", list_type="ALLOW",
             ip_addresses=["10.0.0.0/8", "0.0.0.0/0"])),
]

# Compliant counterparts: what looks close to a violation but is allowed.
ALLOWED = [
    Case("scientists-writer-dev", "LS-UC-001", "dev", "", scientists_write),
    Case("deployer-all-privileges-prod", "LS-UC-003", "prod", "",
         grant_to("grants_catalog", DEPLOYER, "ALL_PRIVILEGES")),
    Case("group-owner-prod", "LS-UC-004", "prod", "",
         set_attr("databricks_schema", "schema_ml", "owner", "retail-platform-admins")),
    Case("open-catalog-dev", "LS-UC-005", "dev", "",
         set_attr("databricks_catalog", "catalog", "isolation_mode", "OPEN")),
    Case("job-as-deployer-prod", "LS-ID-001", "prod", "",
         add("databricks_job", "retrain", name="retrain", run_as={"service_principal_name": DEPLOYER})),
    Case("job-without-run-as-prod", "LS-ID-001", "prod", "", add("databricks_job", "retrain", name="retrain")),
    Case("closed-ip-list-prod", "LS-NET-001", "prod", "",
         add("databricks_ip_access_list", "office", label="office", list_type="ALLOW", ip_addresses=["10.0.0.0/8"])),
    Case("block-list-everything-prod", "LS-NET-001", "prod", "",
         add("databricks_ip_access_list", "deny", label="deny", list_type="BLOCK", ip_addresses=["0.0.0.0/0"])),
    Case("group-user-assignment-prod", "LS-ID-002", "prod", "",
         add("databricks_mws_permission_assignment", "workspace_assignment_data_scientists", workspace_id=3003,
             principal_id="${data.databricks_group.group_data_scientists.id}", permissions=["USER"])),
    Case("local-state-dev", "LS-STATE-001", "dev", "",
         lambda stack, config: stack.terraform.update(backend=LOCAL_STATE)),
    Case("force-destroy-staging", "LS-PROT-001", "staging", "",
         set_attr("databricks_schema", "schema_ml", "force_destroy", True)),
    Case("monitor-output-schema-by-depends-on-prod", "LS-ORDER-001", "prod", "",
         lambda stack, config: stack.get("databricks_quality_monitor", f"monitor_{MODEL}").update(
             output_schema_name="retail_prod.monitoring", depends_on=["databricks_schema.schema_monitoring"]) and None),
    Case("unserved-staging-needs-no-monitor", "LS-MON-001", "staging", "",
         lambda stack, config: [stack.remove(t, n) for t, n in [
             ("databricks_model_serving", f"serving_{MODEL}"), ("databricks_permissions", PERMISSIONS),
             ("databricks_quality_monitor", f"monitor_{MODEL}"), ("databricks_alert_v2", f"drift_alert_{MODEL}")]]
         and None),
]


def audit_synth(tmp_path: Path, config: PlatformConfig, env: str, stack: Stack) -> AuditReport:
    return run_audit(config, synth_dir=write_synth(tmp_path / "synth", {env: stack}))


def audit_plan(tmp_path: Path, config: PlatformConfig, env: str, stack: Stack,
               actions: dict[str, list[str]] | None = None) -> AuditReport:
    path = write_plan(tmp_path / f"{env}.plan.json", as_plan(stack, actions))
    return run_audit(config, plans=[f"{env}={path}"])


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_compliant_stacks_pass_every_rule(tmp_path: Path, example_config: PlatformConfig, env: str) -> None:
    stack = compliant_stack(example_config, env)
    assert audit_synth(tmp_path, example_config, env, stack).findings == []
    assert audit_plan(tmp_path, example_config, env, stack).findings == []


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_violation_in_synth(tmp_path: Path, example_config: PlatformConfig, case: Case) -> None:
    stack = compliant_stack(example_config, case.env)
    case.mutate(stack, example_config)
    findings = audit_synth(tmp_path, example_config, case.env, stack).findings
    assert {(f.rule_id, f.environment, f.resource) for f in findings} >= {(case.rule, case.env, case.resource)}
    assert {f.rule_id for f in findings} <= {case.rule, *case.also, "LS-UC-001", "LS-UC-003"}  # admin grants: both


@pytest.mark.parametrize("case", [c for c in CASES if c.in_plan], ids=[c.name for c in CASES if c.in_plan])
def test_violation_in_plan(tmp_path: Path, example_config: PlatformConfig, case: Case) -> None:
    stack = compliant_stack(example_config, case.env)
    case.mutate(stack, example_config)
    findings = audit_plan(tmp_path, example_config, case.env, stack).findings
    assert (case.rule, case.env, case.resource) in {(f.rule_id, f.environment, f.resource) for f in findings}
    assert all(f.source == "plan" for f in findings)


@pytest.mark.parametrize("case", ALLOWED, ids=[c.name for c in ALLOWED])
def test_allowed_lookalikes_pass(tmp_path: Path, example_config: PlatformConfig, case: Case) -> None:
    stack = compliant_stack(example_config, case.env)
    case.mutate(stack, example_config)
    assert audit_synth(tmp_path, example_config, case.env, stack).findings == []


def test_every_rule_has_a_violating_case() -> None:
    # the plan-only destroy rule: test_plan.py; the live-only token rule: test_live.py; account-level objects in a
    # deployer stack (which `write_synth` moves to `<env>-account`): test_stack_boundaries.py
    covered = {c.rule for c in CASES} | {"LS-PROT-002", "LS-SEC-002", "LS-STACK-001"}
    assert covered == {rule.id for rule in CHECK_RULES}


def test_rule_metadata_is_complete() -> None:
    for rule in RULES_BY_ID.values():
        assert rule.id.startswith("LS-") and rule.title and rule.rationale and rule.remediation
        assert rule.severity.value in ("critical", "high", "medium", "low")


def test_secrets_and_prod_destroy_rules_cannot_be_waived() -> None:
    assert not RULES_BY_ID["LS-SEC-001"].waivable and not RULES_BY_ID["LS-PROT-002"].waivable
    assert not RULES_BY_ID["LS-SEC-003"].waivable
    assert all(rule.waivable for rule in CHECK_RULES if rule.id not in ("LS-SEC-001", "LS-SEC-003", "LS-PROT-002"))
    assert not RULES_BY_ID["LS-WAIVER-001"].waivable  # a waiver finding is fixed in the waiver file


def test_messages_name_the_group_and_privileges(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = compliant_stack(example_config, "prod")
    scientists_write(stack, example_config)
    [finding] = audit_synth(tmp_path, example_config, "prod", stack).findings
    assert "'retail-data-scientists'" in finding.message and "MODIFY" in finding.message
    assert "USE_CATALOG" not in finding.message  # reader privileges are fine and not listed
    assert finding.config_key == ("environments", "prod", "access", "data_scientists")


def test_secret_values_never_reach_messages(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = compliant_stack(example_config, "prod")
    stack.add("databricks_service_principal_secret", "ci", service_principal_id="42", secret="dose-canary-value")
    findings = audit_plan(tmp_path, example_config, "prod", stack).findings
    assert findings and all("dose-canary-value" not in f.message for f in findings)


def test_every_rule_is_documented() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "policies.md").read_text()
    assert [rule_id for rule_id in RULES_BY_ID if f"`{rule_id}`" not in docs] == []
