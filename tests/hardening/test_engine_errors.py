"""A rule that raises is a finding, not a crash: the audit names the rule and the resource, finishes the other
rules and exits 2."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from lakestack.cli import main
from policies import audit
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from tests.conftest import EXAMPLE_CONFIG
from tests.policies.fixtures import compliant_stack, write_synth


def explode_on_catalog(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.of_type("databricks_catalog", "databricks_schema"):
        if resource.type == "databricks_catalog":
            raise KeyError("storage_root")
        yield Violation(resource, "seen before the failure")


BROKEN = Rule(id="LS-TEST-999", title="A rule with a bug", severity=Severity.LOW, resource_types=(),
              scope=Scope.ALL, rationale="test", remediation="test", check=explode_on_catalog)


@pytest.fixture
def broken_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audit, "CHECK_RULES", (BROKEN, *audit.CHECK_RULES))


def test_failing_rule_becomes_an_engine_error_and_the_audit_finishes(tmp_path, capsys, example_config, broken_pack):
    stack = compliant_stack(example_config, "prod")
    stack.add("databricks_token", "ci", lifetime_seconds=60)  # a finding of a later rule
    synth = write_synth(tmp_path / "synth", {"prod": stack})
    code = main(["audit", "--config", str(EXAMPLE_CONFIG), "--synth-dir", str(synth), "--format", "json"])
    captured = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in captured.out + captured.err
    findings = json.loads(captured.out)["findings"]
    [error] = [f for f in findings if f["rule_id"] == "LS-ENGINE-001"]
    assert error["resource"].startswith("databricks_catalog.") and error["environment"] == "prod"
    assert "rule LS-TEST-999 (A rule with a bug) failed on databricks_catalog." in error["message"]
    assert "KeyError: 'storage_root'" in error["message"]
    assert "LS-SEC-001" in {f["rule_id"] for f in findings}  # the rules after it still ran
    assert "error: rule LS-TEST-999" in captured.err


def test_engine_error_does_not_print_a_credential_from_the_exception(example_config, broken_pack, tmp_path):
    def leaky(ctx: Context) -> Iterator[Violation]:
        raise ValueError("bad value dapi" + "0123456789abcdef" * 2)
        yield  # pragma: no cover

    rule = Rule(id="LS-TEST-998", title="leaky", severity=Severity.LOW, resource_types=(), scope=Scope.ALL,
                rationale="t", remediation="t", check=leaky)
    report_findings = audit.run_rule(rule, None, audit.Inventory("prod", "synth", "label"))  # type: ignore[arg-type]
    [finding] = report_findings
    assert "dapi0123" not in finding.message and "(sensitive)" in finding.message
    assert finding.resource == "label"


def test_engine_rule_is_described_and_unwaivable():
    assert audit.RULES_BY_ID["LS-ENGINE-001"].waivable is False


def test_credential_rule_names_the_attribute_not_the_value(tmp_path, example_config):
    pat = "dapi" + "0123456789abcdef" * 2
    stack = compliant_stack(example_config, "dev")
    stack.add("databricks_job", "train", name="train", tags={"note": f"token {pat}"},
              task=[{"task_key": "a", "parameters": ["x", pat]}])
    report = audit.run_audit(example_config, synth_dir=write_synth(tmp_path / "synth", {"dev": stack}))
    [finding] = [f for f in report.findings if f.rule_id == "LS-SEC-003"]
    assert finding.resource == "databricks_job.train"
    assert "tags.note" in finding.message and "task[0].parameters[1]" in finding.message
    assert pat not in finding.message
