"""Waivers: a valid one waives, an expired one stops waiving and is reported, bad ones are bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from infra.config import PlatformConfig
from lakestack.errors import InputError
from policies.audit import AuditReport, run_audit
from policies.waivers import meaningful
from tests.conftest import ROOT
from tests.policies.fixtures import MODEL, compliant_stack, write_synth

TODAY = dt.date(2026, 1, 15)
PERMISSIONS = f"databricks_permissions.serving_permissions_{MODEL}"
REASON = "Load tests query as a named engineer until the load-test service principal exists (PLAT-412)"


def waiver(rule: str = "LS-SRV-002", resource: str = PERMISSIONS, reason: str = REASON,
           expires: str = "2026-03-31", environment: str = "staging", owner: str = "retail-platform-admins") -> str:
    return (f"  - rule: {rule}\n    environment: {environment}\n    resource: {resource}\n"
            f"    reason: \"{reason}\"\n    owner: {owner}\n    expires: {expires}\n")


def audit_with(tmp_path: Path, config: PlatformConfig, *entries: str) -> AuditReport:
    stack = compliant_stack(config, "staging")
    stack.get("databricks_permissions", f"serving_permissions_{MODEL}")["access_control"].append(
        {"user_name": "jane.doe@acme.example", "permission_level": "CAN_QUERY"})
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("# exceptions\nwaivers:\n" + "".join(entries))
    return run_audit(config, synth_dir=write_synth(tmp_path / "synth", {"staging": stack}), waivers_path=waivers,
                     today=TODAY)


def test_a_valid_waiver_waives_its_finding(tmp_path: Path, example_config: PlatformConfig) -> None:
    report = audit_with(tmp_path, example_config, waiver())
    [finding] = report.findings
    assert finding.rule_id == "LS-SRV-002" and finding.waived
    assert REASON in (finding.waiver_reason or "") and "retail-platform-admins" in (finding.waiver_reason or "")
    assert not report.failed("high") and report.summary["waived"] == 1


def test_a_resource_pattern_waives_matching_resources(tmp_path: Path, example_config: PlatformConfig) -> None:
    report = audit_with(tmp_path, example_config, waiver(resource="databricks_permissions.serving_*"))
    assert [f.waived for f in report.findings] == [True]


def test_a_waiver_for_another_environment_does_not_waive(tmp_path: Path, example_config: PlatformConfig) -> None:
    report = audit_with(tmp_path, example_config, waiver(environment="prod"))
    by_rule = {f.rule_id: f for f in report.findings}
    assert not by_rule["LS-SRV-002"].waived and report.failed("high")
    assert by_rule["LS-WAIVER-002"].severity.value == "low"  # the unused waiver is pointed out


def test_an_expired_waiver_stops_waiving_and_is_reported(tmp_path: Path, example_config: PlatformConfig) -> None:
    report = audit_with(tmp_path, example_config, waiver(expires="2026-01-14"))
    by_rule = {f.rule_id: f for f in report.findings}
    assert not by_rule["LS-SRV-002"].waived and report.failed("high")
    expired = by_rule["LS-WAIVER-001"]
    assert "expired on 2026-01-14" in expired.message and expired.path and expired.path.endswith("waivers.yaml")
    assert expired.line == 3


def test_a_waiver_expiring_today_still_waives(tmp_path: Path, example_config: PlatformConfig) -> None:
    report = audit_with(tmp_path, example_config, waiver(expires=TODAY.isoformat()))
    assert [f.waived for f in report.findings] == [True]


@pytest.mark.parametrize(("entry", "expected"), [
    (waiver(reason=""), ":6: waivers[0].reason: 'reason' is empty"),
    (waiver(reason="todo"), ":6: waivers[0].reason: 'todo' is not a reason"),
    (waiver(reason="N/A"), ":6: waivers[0].reason: 'N/A' is not a reason"),
    (waiver(reason="TODO: explain later"), "is not a reason"),
    (waiver(reason="temporary"), "is not a reason"),
    (waiver(rule="LS-SEC-001"), ":3: waivers[0].rule: LS-SEC-001 (No personal access tokens"),
    (waiver(rule="LS-PROT-002"), "LS-PROT-002 (A plan must not delete or replace prod"),
    (waiver(rule="LS-SRV-02"), "unknown rule 'LS-SRV-02' (did you mean 'LS-SRV-002'?)"),
    (waiver(environment="production"), "unknown environment 'production'; known: dev, staging, prod"),
    (waiver(expires="next quarter"), "waivers[0].expires: 'next quarter' is not a date; write YYYY-MM-DD"),
    (waiver(owner=""), "waivers[0].owner: 'owner' is empty"),
    ("  - rule: LS-UC-001\n    resource: x\n", ":3: waivers[0]: missing required key 'reason'"),
    (waiver() + "    approved_by: someone\n", "unknown key 'approved_by'"),
])
def test_bad_waivers_are_bad_input_with_file_and_line(tmp_path: Path, example_config: PlatformConfig,
                                                      entry: str, expected: str) -> None:
    with pytest.raises(InputError) as raised:
        audit_with(tmp_path, example_config, entry)
    assert "waivers.yaml" in str(raised.value) and expected in str(raised.value)


def test_a_waiver_file_that_is_not_a_list_is_bad_input(tmp_path: Path, example_config: PlatformConfig) -> None:
    path = tmp_path / "waivers.yaml"
    path.write_text("waivers:\n  rule: LS-UC-001\n")
    with pytest.raises(InputError, match="must be a list"):
        run_audit(example_config, plans=(), synth_dir=write_synth(tmp_path / "s", {}), waivers_path=path)


def test_reasons_need_words_not_placeholders() -> None:
    assert meaningful("Vendor integration test needs direct access until March")
    assert not meaningful("n/a") and not meaningful("fixme later") and not meaningful("needed")
    assert not meaningful("see ticket")  # two words say nothing a reviewer can check


def test_the_shipped_waiver_file_waives_nothing(example_config: PlatformConfig, example_synth_dir: Path) -> None:
    report = run_audit(example_config, synth_dir=example_synth_dir, waivers_path=ROOT / "policies" / "waivers.yaml")
    assert report.findings == []
