"""SARIF: valid against the OASIS SARIF 2.1.0 schema, rules with help, results located in files, waivers suppressed."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from infra.config import PlatformConfig
from policies.audit import ALL_RULES, run_audit
from policies.sarif import to_sarif
from tests.conftest import EXAMPLE_CONFIG, ROOT

SCHEMA = json.loads((ROOT / "policies" / "schemas" / "sarif-schema-2.1.0.json").read_text())
PERMISSIONS = "databricks_permissions.serving_permissions_product_recommender"


@pytest.fixture
def sarif(example_synth_dir: Path, tmp_path: Path, example_config: PlatformConfig,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The example with one group writing in prod and one waived all-users CAN_QUERY grant in staging."""
    synth = Path(shutil.copytree(example_synth_dir, tmp_path / "cdktf.out"))
    prod = synth / "stacks" / "prod" / "cdk.tf.json"
    doc = json.loads(prod.read_text())
    doc["resource"]["databricks_grants"]["grants_catalog"]["grant"][0]["privileges"].append("MODIFY")
    prod.write_text(json.dumps(doc, indent=2))
    staging = synth / "stacks" / "staging" / "cdk.tf.json"
    doc = json.loads(staging.read_text())
    doc["resource"]["databricks_permissions"]["serving_permissions_product_recommender"]["access_control"].append(
        {"group_name": "users", "permission_level": "CAN_QUERY"})
    staging.write_text(json.dumps(doc, indent=2))
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(f"waivers:\n  - rule: LS-SRV-002\n    environment: staging\n    resource: {PERMISSIONS}\n"
                       "    reason: Store kiosks query anonymously until kiosk identities ship\n"
                       "    owner: retail-platform-admins\n    expires: 2026-06-30\n")
    monkeypatch.chdir(tmp_path)  # artifact URIs are relative to the working directory, as in CI
    report = run_audit(example_config, synth_dir="cdktf.out", waivers_path=waivers, today=dt.date(2026, 1, 1))
    return to_sarif(report, config_path=str(EXAMPLE_CONFIG))


def test_valid_against_the_sarif_2_1_0_schema(sarif: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(sarif), key=str)
    assert errors == []
    assert sarif["version"] == "2.1.0" and len(sarif["runs"]) == 1


def test_schema_check_would_catch_a_broken_log(sarif: dict[str, Any]) -> None:
    broken = json.loads(json.dumps(sarif))
    broken["runs"][0]["results"][0]["level"] = "critical"  # not a SARIF level
    del broken["runs"][0]["tool"]["driver"]["name"]
    assert len(list(jsonschema.Draft4Validator(SCHEMA).iter_errors(broken))) >= 2


def test_every_rule_is_described_with_help(sarif: dict[str, Any]) -> None:
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.id for r in ALL_RULES]
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert "Fix:" in rule["help"]["text"] and "**Fix:**" in rule["help"]["markdown"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
        assert float(rule["properties"]["security-severity"]) > 0  # GitHub's severity for security alerts


def test_results_point_at_the_synth_line_and_the_platform_key(sarif: dict[str, Any]) -> None:
    results = sarif["runs"][0]["results"]
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    result = next(r for r in results if r["ruleId"] == "LS-UC-001")
    assert rules[result["ruleIndex"]]["id"] == "LS-UC-001" and result["level"] == "error"
    config, synth = (loc["physicalLocation"] for loc in result["locations"])  # platform.yaml first
    assert synth["artifactLocation"]["uri"] == "cdktf.out/stacks/prod/cdk.tf.json"
    lines = Path("cdktf.out/stacks/prod/cdk.tf.json").read_text().splitlines()
    assert lines[synth["region"]["startLine"] - 1].strip() == '"grants_catalog": {'
    assert config["artifactLocation"]["uri"] == EXAMPLE_CONFIG.as_uri()  # outside the working directory
    config_lines = EXAMPLE_CONFIG.read_text().splitlines()
    assert config_lines[config["region"]["startLine"] - 1].strip().startswith("access: {data_scientists: reader")
    assert result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == \
        "prod/databricks_grants.grants_catalog"


def test_waived_findings_are_suppressed_not_dropped(sarif: dict[str, Any]) -> None:
    results = sarif["runs"][0]["results"]
    waived = [r for r in results if "suppressions" in r]
    assert [r["ruleId"] for r in waived] == ["LS-SRV-002"]
    [suppression] = waived[0]["suppressions"]
    assert suppression["kind"] == "external" and suppression["status"] == "accepted"
    assert "kiosk identities" in suppression["justification"]
    assert all("suppressions" not in r for r in results if r["ruleId"] != "LS-SRV-002")


def test_fingerprints_are_stable_and_distinct(sarif: dict[str, Any]) -> None:
    prints = [r["partialFingerprints"]["lakestackFinding/v1"] for r in sarif["runs"][0]["results"]]
    assert len(prints) == len(set(prints)) >= 2


def test_platform_yaml_is_the_first_location_of_every_result(sarif: dict[str, Any]) -> None:
    results = sarif["runs"][0]["results"]
    assert results
    for result in results:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("platform.yaml")
