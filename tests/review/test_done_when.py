"""A config change that removes a prod model and gives a group write access in prod: the first screen
(banner and matrix, before any section) shows the prod destroy, the grant escalation and the audit."""

from __future__ import annotations

import pytest

from review import run_review
from review.audit_findings import audit_result
from tests.review.test_markdown import finding


def first_screen(text: str) -> str:
    """Plan lines, banner, risks and next steps: everything before the explanations."""
    end = text.index("### Next steps")
    return text[: text.index("\n\n", end + len("### Next steps\n\n")) + 1]


@pytest.fixture
def fake_audit(monkeypatch):
    """Finding-shaped results in place of the policy engine, to test the section on its own."""
    findings = [finding("LS-GRANT-WRITE-PROD", "high"), finding("LS-PROTECT", "medium", waived=True)]
    monkeypatch.setattr("review.run.audit_head", lambda config, **kw: audit_result(findings, failed=True))


def test_first_screen_shows_prod_destroy_escalation_and_audit(
        fake_audit, escalation_config, example_synth_dir, escalation_synth_dir):
    text = run_review(escalation_config, base_dir=example_synth_dir, head_dir=escalation_synth_dir)
    screen = first_screen(text)
    assert "[!CAUTION]" in screen
    assert "**prod** data loss" in screen
    assert "`databricks_registered_model.model_inventory_demand`" in screen
    escalation = next(line for line in screen.splitlines() if "**prod** grant escalation" in line
                      and "catalog retail_prod" in line)
    assert "retail-data-scientists gains" in escalation
    assert "MODIFY" in escalation
    assert "on catalog retail_prod" in escalation
    assert "Audit: **fails**: 1 open findings (1 high; 1 waived)" in screen
    prod_line = next(line for line in screen.splitlines() if line.startswith("**prod** 🔒"))
    # the model, its batch predictions, endpoint, table, monitor, grants, permissions, alert
    assert "`Plan: 0 to add, 6 to change, 8 to destroy.`" in prod_line
    cause = screen.splitlines()[screen.splitlines().index(prod_line) + 1]
    assert cause.startswith("removes model inventory_demand")
    assert "policies/waivers.yaml" in screen  # how to get past the failing audit
    assert len(text) <= 65_536


def test_json_has_the_same_facts(escalation_config, example_synth_dir, escalation_synth_dir):
    import json

    document = json.loads(run_review(escalation_config, base_dir=example_synth_dir,
                                     head_dir=escalation_synth_dir, audit=False, fmt="json"))
    assert document["risk_level"] == "high"
    assert "databricks_registered_model.model_inventory_demand" in document["prod_changes"]
    prod_catalog = next(g for g in document["grants"]
                        if g["environment"] == "prod" and g["securable"] == "catalog retail_prod")
    assert "MODIFY" in prod_catalog["escalations"]["retail-data-scientists"]
    assert document["audit"] == {"status": "skipped"}


def test_with_the_real_policy_engine(escalation_config, example_synth_dir, escalation_synth_dir):
    pytest.importorskip("policies.audit", reason="the policy engine is not installed")
    text = run_review(escalation_config, base_dir=example_synth_dir, head_dir=escalation_synth_dir)
    screen = first_screen(text)
    assert "Audit: **fails**" in screen  # people with write access in prod break the governance policy
    section = text[text.index("### Audit of the head"):]
    assert any(line.startswith("- high") and "**prod** `databricks_grants.grants_catalog`" in line
               for line in section.splitlines())


def test_review_of_plans_hands_environments_to_the_audit(monkeypatch, tmp_path, example_config):
    seen = {}

    def audit(config, *, synth_dir, plans):
        seen.update(synth_dir=synth_dir, plans=plans)
        return audit_result([], failed=False)

    monkeypatch.setattr("review.run.audit_head", audit)
    plan = tmp_path / "staging-account.json"
    plan.write_text('{"format_version": "1.2", "resource_changes": []}')
    run_review(example_config, plans=[plan])
    assert seen == {"synth_dir": None, "plans": [("staging", plan)]}
