"""`lakestack plan`: the README's main command, offline, end to end."""

from __future__ import annotations

import json

from lakestack.cli import main
from tests.configs import EXAMPLE, example_data, write_config

REPORTS = ("review.md", "review.json", "audit.sarif", "audit.json", "audit.txt")


def plan(tmp_path, *extra, config=EXAMPLE):
    return main(["plan", "--config", str(config), "--out", str(tmp_path / "cdktf.out"),
                 "--report-dir", str(tmp_path / "review-out"), *extra])


def test_example_synthesizes_audits_clean_and_reviews_as_all_creates(tmp_path, capsys):
    assert plan(tmp_path) == 0
    out = capsys.readouterr().out
    assert sorted(p.parent.name for p in (tmp_path / "cdktf.out").glob("stacks/*/cdk.tf.json")) == [
        "dev", "dev-account", "prod", "prod-account", "staging", "staging-account"]
    assert sorted(p.name for p in (tmp_path / "review-out").iterdir()) == sorted(REPORTS)
    assert "lakestack audit passed" in out
    review = json.loads((tmp_path / "review-out" / "review.json").read_text())
    kinds = {kind for stack in review["stacks"] for kind, n in stack["counts"].items() if n}
    assert kinds == {"create"}
    assert review["audit"]["failed"] is False
    assert (tmp_path / "review-out" / "review.md").read_text().startswith("<!-- lakestack-review -->")
    sarif = json.loads((tmp_path / "review-out" / "audit.sarif").read_text())
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"] == []


def test_against_its_own_synth_as_base_nothing_changes(tmp_path, capsys, example_synth_dir):
    assert plan(tmp_path, "--base", str(example_synth_dir)) == 0
    assert "no changes" in capsys.readouterr().out


def test_a_policy_violation_fails_the_plan_and_shows_in_the_review(tmp_path, capsys):
    data = example_data()
    data["environments"]["prod"]["access"]["data_scientists"] = "writer"
    config = write_config(tmp_path / "platform.yaml", data)
    assert plan(tmp_path, config=config) == 1
    assert "lakestack audit FAILED" in capsys.readouterr().out
    review = (tmp_path / "review-out" / "review.md").read_text()
    assert "LS-UC-001" in review
    findings = json.loads((tmp_path / "review-out" / "audit.json").read_text())["findings"]
    assert {f["rule_id"] for f in findings} == {"LS-UC-001"}


def test_bad_config_writes_nothing(tmp_path, capsys):
    config = tmp_path / "platform.yaml"
    config.write_text(EXAMPLE.read_text().replace("problem_type: regression", "problem_type: forecast", 1))
    assert plan(tmp_path, config=config) == 2
    assert "'forecast' is not allowed" in capsys.readouterr().err
    assert not (tmp_path / "cdktf.out").exists()
    assert not (tmp_path / "review-out").exists()


def test_the_base_config_judges_the_head(tmp_path, capsys, example_synth_dir):
    data = example_data()
    data["environments"]["prod"]["tier"] = "dev"
    config = write_config(tmp_path / "platform.yaml", data)
    plan(tmp_path, "--base", str(example_synth_dir), "--base-config", str(EXAMPLE), config=config)
    assert "risk level high" in capsys.readouterr().out
    review = (tmp_path / "review-out" / "review.md").read_text()
    assert "prod is reclassified from prod to dev" in review


def test_the_example_review_fits_one_comment_without_tables(tmp_path, capsys):
    assert plan(tmp_path) == 0
    review = (tmp_path / "review-out" / "review.md").read_text()
    assert len(review) < 65_536 and "not shown" not in review
    assert not [line for line in review.splitlines() if line.startswith("|") and line.count("|") > 7]
