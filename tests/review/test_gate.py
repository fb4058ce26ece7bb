"""The gate: judged against the base config, by what plans touch, accepting only a second person's approval."""

from __future__ import annotations

import json

import pytest

from lakestack.cli import main
from review.gate import ACCEPT_LABEL, PullRequest, decide
from review.json_output import review_document
from review.markdown import MARKER
from review.run import review_of
from tests.configs import config_from_data, example_data
from tests.review.plan_fixtures import plan, resource_change, write_plan

HEAD = "a" * 40


def reclassified(tmp_path, **changes):
    data = example_data()
    data["environments"]["prod"].update(changes)
    return config_from_data(tmp_path, data)


def pull_request(*, author="carol", labels=(ACCEPT_LABEL,), reviews=()):
    return PullRequest(author=author, head_sha=HEAD, labels=tuple(labels), reviews=tuple(reviews))


def approval(login, *, commit=HEAD, association="MEMBER", state="APPROVED", at="2026-12-01T10:00:00Z"):
    return {"user": {"login": login}, "state": state, "commit_id": commit, "author_association": association,
            "submitted_at": at}


@pytest.fixture
def prod_as_dev(tmp_path, example_config, example_synth_dir):
    """Head config says prod is dev and data scientists write it; the synth is the same on both sides."""
    head = reclassified(tmp_path, tier="dev", access={"data_scientists": "writer", "ml_engineers": "reader"})
    review = review_of(head, base_dir=example_synth_dir, head_dir=example_synth_dir, audit=False,
                       base_config=example_config, commit=HEAD)
    return review_document(review)


def test_a_pr_that_reclassifies_prod_is_high_risk_on_its_own(prod_as_dev):
    risks = {(r["category"], r["environment"]) for r in prod_as_dev["gate"]["high_risks"]}
    assert ("reclassification", "prod") in risks
    assert ("access widened", "prod") in risks
    verdict = decide(prod_as_dev)
    assert not verdict.passed
    assert any("prod is reclassified from prod to dev" in r for r in verdict.reasons)


def test_without_the_base_config_the_same_pr_looks_harmless(tmp_path, example_synth_dir):
    head = reclassified(tmp_path, tier="dev")
    review = review_of(head, base_dir=example_synth_dir, head_dir=example_synth_dir, audit=False)
    assert review.level == "none"


def test_the_authors_own_label_accepts_nothing(prod_as_dev):
    verdict = decide(prod_as_dev, pull_request(reviews=[approval("carol")]))
    assert not verdict.passed
    assert any("nobody other than the author (carol)" in r for r in verdict.reasons)


@pytest.mark.parametrize("review, why", [
    (approval("dave", commit="b" * 40), "an approval of an older commit"),
    (approval("dave", association="CONTRIBUTOR"), "someone without write access"),
    (approval("dave", state="COMMENTED"), "a comment is not an approval"),
])
def test_approvals_that_do_not_count(prod_as_dev, review, why):
    assert not decide(prod_as_dev, pull_request(reviews=[review])).passed, why


def test_a_later_change_request_withdraws_an_approval(prod_as_dev):
    reviews = [approval("dave"), approval("dave", state="CHANGES_REQUESTED", at="2026-12-01T11:00:00Z")]
    assert not decide(prod_as_dev, pull_request(reviews=reviews)).passed


def test_label_and_another_persons_approval_accept_the_risk(prod_as_dev):
    verdict = decide(prod_as_dev, pull_request(reviews=[approval("dave")]))
    assert verdict.passed, verdict.reasons
    assert any("approved by dave" in a for a in verdict.accepted)
    assert not decide(prod_as_dev, pull_request(labels=(), reviews=[approval("dave")])).passed


def test_destroying_prod_data_fails_even_when_accepted(example_config, escalation_config, example_synth_dir,
                                                       escalation_synth_dir):
    review = review_of(escalation_config, base_dir=example_synth_dir, head_dir=escalation_synth_dir, audit=False,
                       base_config=example_config, commit=HEAD)
    verdict = decide(review_document(review), pull_request(reviews=[approval("dave")]))
    assert not verdict.passed
    assert any("data loss" in r and "cannot be accepted" in r and "terraform state rm" in r for r in verdict.reasons)


def test_a_review_of_another_commit_is_not_a_verdict(prod_as_dev):
    stale = pull_request(reviews=[approval("dave")])
    stale = PullRequest(author=stale.author, head_sha="c" * 40, labels=stale.labels, reviews=())
    assert any("wait for the review of the new commit" in r for r in decide(prod_as_dev, stale).reasons)


def test_a_plan_is_matched_by_what_it_touches_not_its_label(tmp_path, example_config):
    """A prod destroy uploaded as dev.json is a prod data loss, and the mismatch is a finding."""
    doc = plan(resource_change("databricks_registered_model.model_x", ["delete"],
                               {"catalog_name": "retail_prod", "schema_name": "ml", "name": "x"}, None))
    path = write_plan(tmp_path / "dev.json", doc)
    review = review_of(example_config, plans=[f"dev={path}"], audit=False, base_config=example_config)
    risks = {(r.category, r.environment, r.level) for r in review.risks}
    assert ("plan mismatch", "prod", "high") in risks
    assert ("data loss", "prod", "high") in risks
    assert not decide(review_document(review), pull_request(reviews=[approval("dave")])).passed


def test_the_example_touches_only_its_own_environments(example_config, example_synth_dir, empty_base):
    review = review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False,
                       base_config=example_config)
    assert not [r for r in review.risks if r.category == "plan mismatch"]


def test_gate_command_reads_the_event_and_reviews(tmp_path, prod_as_dev, capsys):
    review_json = tmp_path / "review.json"
    review_json.write_text(json.dumps(prod_as_dev))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"user": {"login": "carol"}, "head": {"sha": HEAD},
                                                  "labels": [{"name": ACCEPT_LABEL}]}}))
    reviews = tmp_path / "reviews.json"
    reviews.write_text(json.dumps([approval("carol")]))
    summary = tmp_path / "summary.md"
    args = ["gate", "--review", str(review_json), "--event", str(event), "--reviews", str(reviews),
            "--summary", str(summary)]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert out.startswith("gate: FAILED") and "reclassified" in out
    assert "### Gate" in summary.read_text()
    reviews.write_text(json.dumps([approval("dave")]))
    assert main(args) == 0
    assert main(["gate", "--review", str(event)]) == 2  # not a review JSON


def test_fail_on_risk_says_why(tmp_path, example_config, example_synth_dir, capsys):
    head = reclassified(tmp_path, tier="staging")
    config_file = tmp_path / "platform.yaml"
    assert config_file.exists()
    code = main(["review", "--config", str(config_file), "--base-config", "infra/platform.yaml", "--base",
                 str(example_synth_dir), "--head", str(example_synth_dir), "--no-audit", "--fail-on-risk",
                 "--output", str(tmp_path / "review.md")])
    assert code == 1
    assert "prod is reclassified from prod to staging" in capsys.readouterr().err
    assert head.env("prod").tier == "staging"


def test_a_failed_synth_still_updates_the_comment(tmp_path):
    out = tmp_path / "review.md"
    assert main(["review", "--failed-step", "synth", "--commit", HEAD, "--run-url", "https://x/runs/1",
                 "--output", str(out)]) == 0
    text = out.read_text()
    assert text.startswith(MARKER)
    assert "Risk: unknown" in text and "Risk: none" not in text and "https://x/runs/1" in text
    assert main(["review", "--failed-step", "synth", "--format", "json", "--output", str(tmp_path / "r.json")]) == 0
    assert not decide(json.loads((tmp_path / "r.json").read_text())).passed


def test_the_example_review_fits_one_comment_with_nothing_dropped(example_config, example_synth_dir, empty_base):
    from review.markdown import render_markdown

    review = review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False)
    text = render_markdown(review)
    assert len(text) < 65_536
    assert "not shown" not in text and "Details truncated" not in text
    for change in review.changed:  # every resource is named
        assert f"`{change.address.split('.', 1)[1]}`" in text
    assert "```mermaid\nflowchart LR" in text


def test_bindings_read_by_environment_name(example_config, example_synth_dir, escalation_config,
                                           escalation_synth_dir, empty_base):
    from review.markdown import render_markdown

    created = render_markdown(review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False))
    section = created[created.index("### Workspace bindings"):].split("\n\n")[1]
    assert "- **prod** catalog retail_prod in the dev workspace: bound BINDING_TYPE_READ_ONLY" in section
    assert "- **staging** catalog retail_staging in the staging (created) workspace" in section
    assert "1001" not in section and "3003" not in section
    assert "${data.terraform_remote_state" not in created
    removed = render_markdown(review_of(escalation_config, base_dir=example_synth_dir, head_dir=example_synth_dir,
                                        audit=False, base_config=example_config))
    assert "${data.terraform_remote_state" not in removed


def test_the_audit_applies_the_base_tier(tmp_path, example_config, example_synth_dir):
    """A head that calls prod dev is still audited as prod: its writers break the prod rules."""
    pytest.importorskip("policies.audit")
    head = reclassified(tmp_path, tier="dev", access={"data_scientists": "writer", "ml_engineers": "reader"})
    from infra.synth import synth

    out = tmp_path / "head"
    synth(head, out)
    judged = review_of(head, base_dir=example_synth_dir, head_dir=out, base_config=example_config)
    from review.audit_findings import audit_head

    assert not audit_head(head, synth_dir=out).failed  # the head's own word: a dev environment, all fine
    assert judged.audit.failed
    assert any(f.environment == "prod" and f.severity in ("high", "critical") for f in judged.audit.open_findings)
