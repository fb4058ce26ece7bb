"""Live audits: the real databricks-sdk reads a FakeDatabricks workspace seeded as if the example were applied.

The applied example passes with no drift; each out-of-band change (a grant, a binding, an endpoint
setting, a job identity) is reported by the same rules as the synth, and by the drift report.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from infra.config import PlatformConfig
from lakestack.cli import main
from lakestack.errors import InputError
from policies.adapters.synth import read_synth
from policies.audit import AuditReport, run_audit
from tests.configs import example_data, write_config
from tests.fakes.jobs_api import JobsState, install_jobs_api
from tests.fakes.server import FakeDatabricks
from tests.fakes.uc_api import UcState, apply_inventory, install_uc_api

DEPLOYER_ID = "7c1f0b9e-2d3a-4e5f-8a6b-9c0d1e2f3a4b"
OTHER_SP_ID = "0a0b0c0d-1111-4222-8333-944455556666"
PROD_WORKSPACE = 3003


@dataclass
class Workspace:
    server: FakeDatabricks
    uc: UcState
    jobs: JobsState
    synth: Path

    def audit(self, config: PlatformConfig, *, declared: bool = True, waivers: Path | None = None) -> AuditReport:
        return run_audit(config, synth_dir=self.synth if declared else None, live_env="prod",
                         live_client=self.server.client(), waivers_path=waivers)


def rules_of(report: AuditReport) -> set[tuple[str, str]]:
    return {(f.rule_id, f.source) for f in report.findings}


@pytest.fixture(scope="module")
def server() -> Iterator[FakeDatabricks]:
    """One server for the module (stopping one takes half a second); each test gets fresh routes and state."""
    server = FakeDatabricks().start()
    yield server
    server.stop()


@pytest.fixture
def workspace(server: FakeDatabricks, example_synth_dir: Path) -> Workspace:
    """The prod workspace with the example applied, one job the deployer runs, and no drift."""
    for log in (server.routes, server.requests, server.faults):
        log.clear()
    jobs = install_jobs_api(server)
    jobs.workspace_id = str(PROD_WORKSPACE)
    jobs.add_service_principal("retail-ml-prod-deployer", DEPLOYER_ID)
    jobs.add_job({"name": "retail-ml-prod-product_recommender-training",
                  "run_as": {"service_principal_name": DEPLOYER_ID}})
    uc = install_uc_api(server)
    prod = next(i for i in read_synth(example_synth_dir) if i.environment == "prod")
    apply_inventory(uc, prod, deployer_id=DEPLOYER_ID, workspace_id=PROD_WORKSPACE)
    return Workspace(server, uc, jobs, example_synth_dir)


def test_the_applied_example_has_no_findings_and_no_drift(workspace: Workspace,
                                                         example_config: PlatformConfig) -> None:
    report = workspace.audit(example_config)
    assert report.findings == []
    assert any(source.startswith("live http://127.0.0.1") for source in report.sources)
    assert workspace.server.writes() == []  # the audit only reads


def test_an_out_of_band_grant_is_reported(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.grant("catalog", "retail_prod", "retail-data-scientists", "MODIFY")
    report = workspace.audit(example_config)
    assert rules_of(report) == {("LS-UC-001", "live"), ("LS-DRIFT-001", "live")}
    drift = next(f for f in report.findings if f.rule_id == "LS-DRIFT-001")
    assert drift.environment == "prod" and drift.resource == "databricks_grants.grants_catalog"
    assert "group 'retail-data-scientists' holds MODIFY on catalog 'retail_prod'" in drift.message
    assert "out-of-band" in drift.message and report.failed("high")


def test_a_grant_to_a_person_on_a_model_is_reported(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.grant("function", "retail_prod.ml.price_elasticity", "jane.doe@acme.example", "EXECUTE")
    report = workspace.audit(example_config)
    assert rules_of(report) == {("LS-UC-002", "live"), ("LS-DRIFT-001", "live")}
    assert {f.resource for f in report.findings} == {"databricks_grants.grants_model_price_elasticity"}


def test_the_deployer_is_recognised_by_application_id(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.grant("schema", "retail_prod.ml", DEPLOYER_ID, "ALL_PRIVILEGES")
    workspace.uc.grant("schema", "retail_prod.ml", OTHER_SP_ID, "MANAGE")
    report = workspace.audit(example_config)
    admin = [f for f in report.findings if f.rule_id == "LS-UC-003"]
    assert len(admin) == 1 and OTHER_SP_ID in admin[0].message  # an unknown SP, not the deployer
    drifted = " ".join(f.message for f in report.findings if f.rule_id == "LS-DRIFT-001")
    assert "retail-ml-prod-deployer" in drifted and "ALL_PRIVILEGES" in drifted


def test_bindings_changed_by_hand(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.bindings["retail_prod"] = [{"workspace_id": PROD_WORKSPACE, "binding_type": "BINDING_TYPE_READ_WRITE"},
                                            {"workspace_id": 1001, "binding_type": "BINDING_TYPE_READ_WRITE"}]
    report = workspace.audit(example_config)
    assert rules_of(report) == {("LS-UC-006", "live"), ("LS-UC-007", "live"), ("LS-DRIFT-002", "live")}
    messages = [f.message for f in report.findings if f.rule_id == "LS-DRIFT-002"]
    assert any("lacks its declared BINDING_TYPE_READ_ONLY binding to the workspace of 'dev'" in m for m in messages)
    assert any("is bound BINDING_TYPE_READ_WRITE to workspace 'dev' live" in m for m in messages)


def test_an_open_catalog_live(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.catalogs["retail_prod"]["isolation_mode"] = "OPEN"
    assert rules_of(workspace.audit(example_config)) == {("LS-UC-005", "live")}


def test_an_endpoint_without_inference_table(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.endpoints["retail-ml-prod-inventory-demand"]["ai_gateway"] = {}
    report = workspace.audit(example_config)
    assert rules_of(report) == {("LS-SRV-001", "live"), ("LS-DRIFT-003", "live")}
    assert {f.resource for f in report.findings} == {"databricks_model_serving.serving_inventory_demand"}


def test_everyone_may_query_an_endpoint(workspace: Workspace, example_config: PlatformConfig) -> None:
    endpoint_id = workspace.uc.endpoints["retail-ml-prod-price-elasticity"]["id"]
    workspace.uc.allow(endpoint_id, "CAN_QUERY", group_name="users")
    [finding] = workspace.audit(example_config).findings
    assert finding.rule_id == "LS-SRV-002" and "'retail-ml-prod-price-elasticity'" in finding.message


def test_a_waiver_written_against_the_synth_waives_the_same_live_finding(
        workspace: Workspace, example_config: PlatformConfig, tmp_path: Path) -> None:
    """Live objects take the address the synth declares for them, so one waiver serves every mode."""
    endpoint_id = workspace.uc.endpoints["retail-ml-prod-price-elasticity"]["id"]
    workspace.uc.allow(endpoint_id, "CAN_QUERY", group_name="users")
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - rule: LS-SRV-002\n"
        "    environment: prod\n"
        "    resource: databricks_permissions.serving_permissions_price_elasticity\n"
        "    reason: Store dashboards query as all users until their service principal is approved (PLAT-77)\n"
        "    owner: retail-platform-admins\n"
        "    expires: 2099-01-01\n")
    [finding] = workspace.audit(example_config, waivers=waivers).findings
    assert finding.rule_id == "LS-SRV-002" and finding.waived
    assert finding.resource == "databricks_permissions.serving_permissions_price_elasticity"


def test_a_personal_access_token_in_the_workspace_is_reported(workspace: Workspace,
                                                              example_config: PlatformConfig) -> None:
    workspace.uc.tokens.append({"token_id": "a1b2c3", "comment": "laptop", "created_by_username": "jane@acme.example",
                                "expiry_time": -1})
    [finding] = workspace.audit(example_config).findings
    assert (finding.rule_id, finding.source, finding.waived) == ("LS-SEC-002", "live", False)
    assert "'laptop', created by jane@acme.example" in finding.message
    assert finding.resource == "databricks_token.a1b2c3"


def test_personal_access_tokens_in_dev_are_not_reported(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.tokens.append({"token_id": "d4e5", "comment": "notebook sync", "created_by_username": "jo@acme"})
    dev = run_audit(example_config, live_env="dev", live_client=workspace.server.client())
    assert any(r.path == "/api/2.0/token-management/tokens" for r in workspace.server.requests)  # it was read
    assert "LS-SEC-002" not in {f.rule_id for f in dev.findings}


def test_tokens_the_reader_may_not_list_are_a_note_not_a_failure(workspace: Workspace,
                                                                  example_config: PlatformConfig) -> None:
    workspace.server.fail("GET", r"/api/2\.0/token-management/tokens", 403, error_code="PERMISSION_DENIED")
    workspace.uc.grant("catalog", "retail_prod", "retail-data-scientists", "MODIFY")
    report = workspace.audit(example_config)
    assert "personal access tokens in prod not checked: listing them needs workspace admin" in report.notes
    assert {f.rule_id for f in report.findings} == {"LS-UC-001", "LS-DRIFT-001"}


def test_a_deleted_monitor_and_alert(workspace: Workspace, example_config: PlatformConfig) -> None:
    del workspace.uc.monitors["retail_prod.inference.product_recommender_predictions"]
    workspace.uc.alerts = [a for a in workspace.uc.alerts if "product_recommender" not in a["query_text"]]
    report = workspace.audit(example_config)
    assert rules_of(report) == {("LS-MON-001", "live"), ("LS-MON-002", "live"), ("LS-DRIFT-004", "live")}
    missing = next(f for f in report.findings if f.rule_id == "LS-DRIFT-004")
    assert "quality_monitor 'retail_prod.inference.product_recommender_predictions' is declared but missing" \
        in missing.message


def test_a_job_running_as_a_person(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.jobs.add_job({"name": "ad-hoc-backfill"})  # no run_as: runs as its human creator
    [finding] = workspace.audit(example_config).findings
    assert finding.rule_id == "LS-ID-001" and "bootstrap-admin@example.com" in finding.message


def test_an_ip_access_list_open_to_all(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.uc.ip_access_lists.append({"list_id": "1", "label": "temp", "list_type": "ALLOW", "enabled": True,
                                         "ip_addresses": ["0.0.0.0/0"]})
    assert rules_of(workspace.audit(example_config)) == {("LS-NET-001", "live")}


def test_without_a_synth_the_rules_run_and_drift_is_skipped(workspace: Workspace,
                                                            example_config: PlatformConfig) -> None:
    workspace.uc.grant("catalog", "retail_prod", "retail-data-scientists", "MODIFY")
    report = workspace.audit(example_config, declared=False)
    assert rules_of(report) == {("LS-UC-001", "live")}
    assert report.summary["notes"] == ["drift report skipped: no synth of the declared state was given"]


def test_a_refused_read_is_bad_input_naming_the_call(workspace: Workspace, example_config: PlatformConfig) -> None:
    workspace.server.fail("GET", r"/api/2\.1/unity-catalog/permissions/catalog/retail_prod", 403,
                          "User does not have BROWSE on Catalog 'retail_prod'", error_code="PERMISSION_DENIED")
    with pytest.raises(InputError) as raised:
        workspace.audit(example_config)
    assert "permission denied (403) at " in str(raised.value)
    assert "while reading grants on catalog retail_prod (live audit of 'prod')" in str(raised.value)


# ---- the command line: host from the config, credentials from the environment --------------------


@pytest.fixture
def live_config(tmp_path: Path, workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("DATABRICKS_HOST", "DATABRICKS_CONFIG_PROFILE", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-live-audit-canary")
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.databrickscfg
    data = example_data()
    data["environments"]["prod"]["workspace"]["host"] = workspace.server.url
    return write_config(tmp_path / "platform.yaml", data)


def test_cli_live_audit_reports_the_out_of_band_grant(workspace: Workspace, live_config: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    workspace.uc.grant("catalog", "retail_prod", "retail-data-scientists", "MODIFY")
    code = main(["audit", "--config", str(live_config), "--live", "--env", "prod", "--synth-dir",
                 str(workspace.synth), "--format", "json"])
    out = capsys.readouterr().out
    assert code == 1 and "dapi-live-audit-canary" not in out
    assert {f["rule_id"] for f in json.loads(out)["findings"]} == {"LS-UC-001", "LS-DRIFT-001"}


def test_cli_refuses_a_different_databricks_host(workspace: Workspace, live_config: Path,
                                                 monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "https://dbc-retail-dev.cloud.databricks.com")
    code = main(["audit", "--config", str(live_config), "--live", "--env", "prod"])
    err = capsys.readouterr().err
    assert code == 2 and "refusing to touch a workspace other than the configured one" in err
    assert workspace.server.requests == []


def test_live_findings_point_at_the_platform_config_in_sarif(workspace: Workspace,
                                                            example_config: PlatformConfig) -> None:
    from policies.sarif import to_sarif
    from tests.conftest import EXAMPLE_CONFIG

    workspace.uc.grant("catalog", "retail_prod", "retail-data-scientists", "MODIFY")
    sarif = to_sarif(workspace.audit(example_config), config_path=str(EXAMPLE_CONFIG))
    result = next(r for r in sarif["runs"][0]["results"] if r["ruleId"] == "LS-UC-001")
    [location] = result["locations"]
    line = location["physicalLocation"]["region"]["startLine"]
    assert EXAMPLE_CONFIG.read_text().splitlines()[line - 1].strip().startswith("access:")
