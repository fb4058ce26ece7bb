"""Redacted plans carry no secret yet review exactly like the originals."""

from __future__ import annotations

import json

from lakestack.cli import main
from review.masking import MASK
from review.run import render, review_of
from tests.review.plan_fixtures import CLIENT_SECRET, MARKED_VALUE, databricks_prod_plan, write_plan


def test_redacted_real_plan_has_no_secret_and_the_same_review(tmp_path, terraform_plan, example_config):
    out = tmp_path / "dev.json"
    assert main(["redact-plan", str(terraform_plan), "--output", str(out)]) == 0
    assert "tf-sensitive-canary-7731" not in out.read_text()
    assert set(json.loads(out.read_text())) <= {"format_version", "terraform_version", "resource_changes",
                                                "applyable", "complete", "errored"}
    original = review_of(example_config, plans=[terraform_plan], audit=False)
    redacted = review_of(example_config, plans=[out], audit=False)
    assert render(original) == render(redacted)


def test_redacted_databricks_plan_keeps_changed_secrets_visible_as_changed(tmp_path, example_config):
    plan = write_plan(tmp_path / "raw.json", databricks_prod_plan())
    out = tmp_path / "prod.json"
    assert main(["redact-plan", str(plan), "--output", str(out)]) == 0
    text = out.read_text()
    assert CLIENT_SECRET not in text and MARKED_VALUE not in text
    review = review_of(example_config, plans=[out], audit=False)
    secret = next(c for c in review.changes if c.address == "databricks_service_principal_secret.deployer")
    from review.attributes import attribute_changes

    assert {r.path: (r.before, r.after) for r in attribute_changes(secret)} == {
        "secret": (MASK, "(known after apply)"), "note": (MASK, MASK)}


def test_redact_bad_plan_exits_2(tmp_path, capsys):
    (tmp_path / "x.json").write_text("[]")
    assert main(["redact-plan", str(tmp_path / "x.json"), "--output", str(tmp_path / "y.json")]) == 2
    assert "not a Terraform plan" in capsys.readouterr().err
    assert not (tmp_path / "y.json").exists()
