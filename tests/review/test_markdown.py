"""The comment: marker, banner, matrix, risky things first, audit section, details, size limit."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from review.audit_findings import audit_result
from review.budget import Section, fit
from review.markdown import MARKER, render_markdown
from review.report import build_review, tiers_from_config
from review.run import review_of
from tests.review.plan_fixtures import databricks_prod_plan, write_plan


def finding(rule_id, severity, *, waived=False, environment="prod"):
    return SimpleNamespace(rule_id=rule_id, title=f"title of {rule_id}", severity=severity,
                           environment=environment, resource=f"databricks_grants.{rule_id.lower()}",
                           message=f"message of {rule_id}", waived=waived)


@pytest.fixture
def prod_review(tmp_path, example_config):
    path = write_plan(tmp_path / "prod.json", databricks_prod_plan())
    return review_of(example_config, plans=[f"prod={path}"], audit=False)


def test_marker_heads_the_comment_and_plan_line_counts(prod_review):
    text = render_markdown(prod_review)
    assert text.startswith(MARKER + "\n")
    line = next(x for x in text.splitlines() if x.startswith("**prod**"))
    # Terraform's words: a replace adds one and destroys one; import and move are named when present
    assert "`Plan: 1 to add, 2 to change, 2 to destroy, 1 to import, 1 to move.`" in line
    assert "[!CAUTION]" in text
    assert text.index("`Plan:") < text.index("[!CAUTION]") < text.index("### Risks") < text.index("### Next steps")


def test_commit_and_run_link_head_the_comment(example_config, tmp_path):
    path = write_plan(tmp_path / "prod.json", databricks_prod_plan())
    review = review_of(example_config, plans=[f"prod={path}"], audit=False, commit="0123456789abcdef0123",
                       run_url="https://github.com/acme/retail-ml/actions/runs/42")
    second = render_markdown(review).splitlines()[1]
    assert "commit `0123456789ab`" in second
    assert "[workflow run](https://github.com/acme/retail-ml/actions/runs/42)" in second


def test_no_table_in_the_comment(prod_review, example_config, example_synth_dir, empty_base):
    full = render_markdown(review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False))
    for text in (render_markdown(prod_review), full):
        widest = max((line.count("|") - 1 for line in text.splitlines() if line.startswith("|")), default=0)
        assert widest <= 6


def test_attribute_changes_are_diff_blocks_with_whole_values(tmp_path, example_config):
    from tests.review.conftest import stack_doc, write_synth

    query = "SELECT " + ", ".join(f"column_{i}" for i in range(40)) + "\nFROM t"
    def alert(text):
        return {"prod": stack_doc({"databricks_alert_v2": {"a": {"query_text": text}}})}

    base, head = write_synth(tmp_path / "base", alert("SELECT 1")), write_synth(tmp_path / "head", alert(query))
    text = render_markdown(review_of(example_config, base_dir=base, head_dir=head, audit=False))
    block = text[text.index("```diff"):]
    assert "- query_text = SELECT 1" in block
    assert "+ query_text = SELECT column_0" in block and "column_39" in block  # never cut
    assert "+   FROM t" in block


def test_destroys_come_before_details_with_their_reason(prod_review):
    text = render_markdown(prod_review)
    destroys = text.index("### Destroys and replacements")
    assert destroys < text.index("<details><summary><b>prod</b>")
    line = next(x for x in text.splitlines() if "`databricks_model_serving.serving_recommender`" in x
                and "**replace**" in x)
    assert "forced by `route_optimized`" in line
    assert "an attribute that cannot change in place changed" in line
    assert "moved from `databricks_registered_model.model_pricing`" in text
    assert "imported (id `1234`)" in text


def test_grants_are_per_principal_lists_with_escalations(prod_review):
    text = render_markdown(prod_review)
    assert "- retail-data-scientists: + MODIFY ⚠️ **escalation**: MODIFY" in text


def test_audit_section_lists_open_findings_first_and_the_verdict(prod_review):
    result = audit_result([finding("LS-LOW", "low"), finding("LS-WAIVED", "critical", waived=True),
                           finding("LS-HIGH", "high")], failed=True)
    text = render_markdown(build_review("p", prod_review.changes, prod_review.tier_of, result))
    assert "Audit: **fails**: 2 open findings (1 high, 1 low; 1 waived)" in text
    section = text[text.index("### Audit of the head"):]
    order = [section.index(rule) for rule in ("LS-HIGH", "LS-LOW", "LS-WAIVED")]
    assert order == sorted(order)
    assert "critical (waived)" in section


def test_audit_states(prod_review):
    def verdict(audit):
        return render_markdown(build_review("p", prod_review.changes, prod_review.tier_of, audit))

    assert "Audit: skipped (--no-audit)" in verdict(None)
    assert "Audit: passed, no open findings (1 waived)" in verdict(
        audit_result([finding("LS-1", "high", waived=True)], failed=False))


def test_no_changes_is_said_plainly(tmp_path, example_config):
    (tmp_path / "stacks").mkdir()
    text = render_markdown(review_of(example_config, head_dir=tmp_path, audit=False))
    assert "nothing to review" in text
    assert "**Risk: none**" in text


def test_truncation_keeps_the_summary_and_says_so(example_config, example_synth_dir, empty_base):
    review = review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False)
    full = render_markdown(review, max_chars=10_000_000)
    small = render_markdown(review, max_chars=8000)
    assert len(full) > 8000 >= len(small)
    summary = full[: full.index("### Next steps")]
    assert small.startswith(summary)
    assert "Details truncated to stay under GitHub's comment limit" in small
    assert "Details truncated" not in full
    assert small.count("<details>") == small.count("</details>")


def test_default_limit_is_githubs(example_config, tmp_path):
    big = build_review("p", _many_creates(tiers_from_config(example_config), 3000), tiers_from_config(example_config))
    text = render_markdown(big, max_chars=20_000)
    assert len(text) <= 20_000
    assert "Details truncated" in text
    text = render_markdown(build_review("p", _many_updates(8000), tiers_from_config(example_config)))
    assert len(text) <= 65_536
    assert "Details truncated" in text


def _many_creates(tier_of, n):
    from review.changes import ResourceChange, Values

    return [ResourceChange(stack="prod", environment="prod", address=f"databricks_schema.s{i}",
                           type="databricks_schema", actions=("create",),
                           shown=Values(after={"name": f"s{i}", "comment": "x" * 80})) for i in range(n)]


def _many_updates(n):
    from review.changes import ResourceChange, Values

    return [ResourceChange(stack="dev", environment="dev", address=f"databricks_schema.s{i}",
                           type="databricks_schema", actions=("update",),
                           shown=Values({"comment": "a"}, {"comment": "x" * 80})) for i in range(n)]


def test_fit_drops_whole_items_only():
    sections = [Section("HEAD\n", essential=True),
                Section("list\n", [f"item {i}\n" for i in range(100)], "end\n")]
    fitted = fit(sections, 700, "note {n}\n")
    assert fitted.text.startswith("HEAD\nlist\nitem 0\n")
    assert fitted.text.endswith(f"note {fitted.omitted_items}\n")
    assert "end\n" in fitted.text
    assert all(line.startswith(("HEAD", "list", "item", "_…", "end", "note", "")) for line in fitted.text.split("\n"))
    assert len(fitted.text) <= 700
