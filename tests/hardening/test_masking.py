"""Every value a plan marks sensitive, at any depth and in any list, is masked in every output: the review's
markdown and JSON and `redact-plan`, through the one masking walk they share."""

from __future__ import annotations

import json
from typing import Any

import pytest

from lakestack.cli import main
from review.masking import CHANGED_MASK, MASK, masked, masked_pair
from review.run import render, review_of
from tests.review.plan_fixtures import plan, resource_change, write_plan

SECRET_A, SECRET_B, SECRET_C = "canary-list-element-4411", "canary-nested-in-list-5522", "canary-before-only-6633"
PLAIN = "visible-plain-value"


def sensitive_plan() -> dict[str, Any]:
    """Marks only a list element, a key of an object inside a list, and a before-only value."""
    before = {"name": "job", "tags": [PLAIN, SECRET_C], "task": [{"env": {"K": SECRET_C}, "name": PLAIN}]}
    after = {"name": "job", "tags": [PLAIN, SECRET_A], "task": [{"env": {"K": SECRET_B}, "name": PLAIN}],
             "matrix": [[PLAIN, SECRET_A]]}
    return plan(resource_change(
        "databricks_job.train", ["update"], before, after,
        before_sensitive={"tags": [False, True], "task": [{"env": {"K": True}}]},
        after_sensitive={"tags": [False, True], "task": [{"env": {"K": True}}], "matrix": [[False, True]]},
    ), resource_change(
        "databricks_job.other", ["create"], None, {"name": "other", "params": [{"v": SECRET_A}, {"v": PLAIN}]},
        after_sensitive={"params": [{"v": True}, {}]},
    ))


def test_walk_masks_exactly_the_marked_parts():
    marked = frozenset({("x", 1), ("y", 0, "k"), ("z",)})
    value = {"x": ["a", "b"], "y": [{"k": "s", "j": "p"}], "z": {"deep": ["q"]}, "w": "plain"}
    assert masked(value, marked) == {"x": ["a", MASK], "y": [{"k": MASK, "j": "p"}], "z": MASK, "w": "plain"}


def test_changed_secrets_stay_visibly_changed():
    before, after = masked_pair({"x": ["a", "s1"]}, {"x": ["a", "s2"]}, frozenset({("x", 1)}))
    assert before == {"x": ["a", MASK]} and after == {"x": ["a", CHANGED_MASK]}
    assert masked_pair({"x": "same"}, {"x": "same"}, frozenset({("x",)})) == ({"x": MASK}, {"x": MASK})


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_review_masks_list_elements_nested_objects_and_before_values(tmp_path, example_config, fmt):
    path = write_plan(tmp_path / "dev.json", sensitive_plan())
    text = render(review_of(example_config, plans=[f"dev={path}"], audit=False), fmt=fmt)
    for secret in (SECRET_A, SECRET_B, SECRET_C):
        assert secret not in text
    assert PLAIN in text and MASK in text


def test_review_json_shows_the_masked_element_in_place(tmp_path, example_config):
    path = write_plan(tmp_path / "dev.json", sensitive_plan())
    document = json.loads(render(review_of(example_config, plans=[f"dev={path}"], audit=False), fmt="json"))
    job = next(c for c in document["changes"] if c["address"] == "databricks_job.train")
    rows = {a["path"]: (a["before"], a["after"]) for a in job["attributes"]}
    assert rows["tags"] == ([PLAIN, MASK], [PLAIN, MASK])
    assert rows["task[0].env.K"] == (MASK, MASK)


def test_redact_plan_masks_the_same_parts(tmp_path, example_config):
    raw = write_plan(tmp_path / "raw.json", sensitive_plan())
    out = tmp_path / "dev.json"
    assert main(["redact-plan", str(raw), "--output", str(out)]) == 0
    text = out.read_text()
    for secret in (SECRET_A, SECRET_B, SECRET_C):
        assert secret not in text
    change = json.loads(text)["resource_changes"][0]["change"]
    assert change["after"]["tags"] == [PLAIN, CHANGED_MASK] and change["before"]["tags"] == [PLAIN, MASK]
    original = review_of(example_config, plans=[f"dev={raw}"], audit=False)
    redacted = review_of(example_config, plans=[f"dev={out}"], audit=False)
    assert render(original) == render(redacted)


def test_redact_plan_drops_generated_config(tmp_path):
    doc = sensitive_plan()
    doc["resource_changes"][0]["change"]["generated_config"] = f'resource "x" "y" {{ token = "{SECRET_A}" }}'
    out = tmp_path / "out.json"
    assert main(["redact-plan", str(write_plan(tmp_path / "raw.json", doc)), "--output", str(out)]) == 0
    assert SECRET_A not in out.read_text()


def test_review_of_synth_masks_credentials_in_lists(tmp_path, example_config):
    from tests.review.conftest import stack_doc, write_synth

    pat = "dapi" + "0123456789abcdef" * 2
    doc = stack_doc({"databricks_job": {"job": {"name": "train", "tags": ["a", pat]}}})
    head = write_synth(tmp_path / "head", {"prod": doc})
    for fmt in ("markdown", "json"):
        assert pat not in render(review_of(example_config, head_dir=head, audit=False), fmt=fmt)
