"""Plans from `terraform show -json` (real ones from the terraform binary, and hand-made Databricks ones)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lakestack.errors import InputError
from review.attributes import UNKNOWN, attribute_changes
from review.plan_changes import changes_from_plan, parse_plan_argument
from review.run import review_of
from tests.review.plan_fixtures import databricks_prod_plan, plan, resource_change, write_plan


@pytest.fixture(scope="module")
def real_changes(terraform_plan):
    from lakestack.terraform_json import read_plan

    return {c.address: c for c in changes_from_plan("dev", read_plan(terraform_plan))}


def test_real_plan_create_update_replace_delete(real_changes):
    kinds = {address.split(".")[1]: c.kind for address, c in real_changes.items()}
    assert kinds == {"unchanged": "no-op", "updated": "update", "replaced": "replace", "removed": "delete",
                     "created": "create"}


def test_real_plan_replacement_carries_reason_and_paths(real_changes):
    replaced = real_changes["terraform_data.replaced"]
    assert replaced.action_reason == "replace_because_cannot_update"
    assert replaced.replace_paths == (("triggers_replace",),)
    rows = {r.path: r for r in attribute_changes(replaced)}
    assert rows["triggers_replace"].forces_replacement
    assert (rows["triggers_replace"].before, rows["triggers_replace"].after) == (["a"], ["b"])
    assert rows["id"].after == UNKNOWN
    assert real_changes["terraform_data.removed"].action_reason == "delete_because_no_resource_config"


def test_real_plan_update_shows_before_after_and_unknowns(real_changes):
    rows = {r.path: (r.before, r.after) for r in attribute_changes(real_changes["terraform_data.updated"])}
    assert rows == {"input": ("a", "b"), "output": ("a", UNKNOWN)}


def test_real_plan_sensitive_variable_is_masked(real_changes, terraform_plan):
    assert "tf-sensitive-canary-7731" in terraform_plan.read_text()  # the plan file itself holds it
    created = real_changes["terraform_data.created"]
    assert ("input",) in created.sensitive_paths
    rows = {r.path: r.after for r in attribute_changes(created)}
    assert rows["input"] == "(sensitive)"


def test_real_plan_review_via_cli_style_plan_argument(terraform_plan, example_config):
    review = review_of(example_config, plans=[str(terraform_plan)], audit=False)
    [stack] = review.stacks
    assert (stack.stack, stack.source) == ("dev", "plan")
    assert {k: stack.counts[k] for k in ("create", "update", "replace", "delete", "no-op")} == {
        "create": 1, "update": 1, "replace": 1, "delete": 1, "no-op": 1}


def test_databricks_plan_highlights(tmp_path, example_config):
    path = write_plan(tmp_path / "prod.json", databricks_prod_plan())
    review = review_of(example_config, plans=[f"prod={path}"], audit=False)
    assert [g.escalations for g in review.grants] == [{"retail-data-scientists": ("MODIFY",)}]
    by_category = {r.category: r for r in review.risks}
    assert set(by_category) == {"downtime", "data loss", "grant escalation"}
    assert "route_optimized" not in by_category["downtime"].message
    assert all(r.level == "high" for r in review.risks)
    counts = review.stacks[0].counts
    assert (counts["replace"], counts["delete"], counts["import"], counts["move"], counts["update"]) == (1, 1, 1, 1, 2)
    assert not any(c.address.startswith("data.") for c in review.changes)


def test_stack_name_from_argument():
    assert parse_plan_argument("prod=out/p.json") == ("prod", Path("out/p.json"))
    assert parse_plan_argument("plans/staging-account.tfplan.json")[0] == "staging-account"


def test_plan_wins_over_synth_for_its_stack(tmp_path, example_config, example_synth_dir, empty_base):
    path = write_plan(tmp_path / "prod.json", plan(resource_change("databricks_catalog.catalog", ["no-op"],
                                                                   {"name": "retail_prod"}, {"name": "retail_prod"})))
    review = review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, plans=[path], audit=False)
    sources = {s.stack: s.source for s in review.stacks}
    assert sources == {"prod": "plan", "staging": "config diff", "staging-account": "config diff",
                       "dev": "config diff", "dev-account": "config diff", "prod-account": "config diff"}
    assert [c.address for c in review.changes if c.stack == "prod"] == ["databricks_catalog.catalog"]


@pytest.mark.parametrize("entry, message", [
    ({"address": "a.b"}, "expected an address and a change object"),
    ({"address": "a.b", "change": {"actions": []}}, "change.actions must be a non-empty list"),
])
def test_malformed_resource_change_is_bad_input(entry, message):
    with pytest.raises(InputError, match=message):
        changes_from_plan("prod", {"format_version": "1.2", "resource_changes": [entry]}, origin="p.json")


def test_two_plans_for_one_stack_are_bad_input(tmp_path, example_config):
    path = write_plan(tmp_path / "prod.json", plan())
    with pytest.raises(InputError, match="more than one plan for stack prod"):
        review_of(example_config, plans=[path, f"prod={path}"], audit=False)
