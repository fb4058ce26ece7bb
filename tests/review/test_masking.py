"""Sensitive values never reach the comment or the JSON: plan marks, names and credential shapes."""

from __future__ import annotations

import json

import pytest

from review.attributes import attribute_changes
from review.changes import ResourceChange, Values
from review.masking import MASK, looks_like_credential, marked_sensitive, sensitive_name
from review.run import render, review_of
from tests.review.conftest import stack_doc, write_synth
from tests.review.plan_fixtures import CLIENT_SECRET, MARKED_VALUE, databricks_prod_plan, write_plan

PAT = "dapi" + "0123456789abcdef" * 2


def change(before, after, **extra):
    return ResourceChange(stack="prod", environment="prod", address="x.y", type="x", actions=("update",),
                          shown=Values(before, after), **extra)


@pytest.mark.parametrize("path, expected", [
    (("client_secret",), True), (("token_value",), True), (("config", "password"), True),
    (("external_model", "openai_config", "openai_api_key_plaintext"), True), (("name",), False),
    (("ai_gateway", "usage_tracking_config", "enabled"), False),
])
def test_sensitive_names(path, expected):
    assert sensitive_name(path) is expected


def test_marked_paths_cover_descendants():
    marked = frozenset({("config",)})
    assert marked_sensitive(("config", "env", 0), marked)
    assert not marked_sensitive(("name",), marked)
    assert marked_sensitive(("anything",), frozenset({()}))


def test_credential_shaped_values():
    assert looks_like_credential(PAT)
    assert looks_like_credential({"env": ["-----BEGIN RSA PRIVATE KEY-----"]})
    assert not looks_like_credential("retail_prod.ml.recommender")


def test_plan_marked_value_is_masked_on_both_sides_but_still_shown_as_changed():
    rows = attribute_changes(change({"note": "old-canary"}, {"note": "new-canary"},
                                    sensitive_paths=frozenset({("note",)})))
    assert [(r.path, r.before, r.after) for r in rows] == [("note", MASK, MASK)]


def test_whole_object_marked_sensitive_masks_every_attribute():
    rows = attribute_changes(change({"a": "1", "b": "2"}, {"a": "3", "b": "4"}, sensitive_paths=frozenset({()})))
    assert {r.before for r in rows} | {r.after for r in rows} == {MASK}


def test_name_and_value_passes_mask_unmarked_secrets():
    rows = attribute_changes(change({"client_secret": "s1", "env": {"X": "a"}},
                                    {"client_secret": "s2", "env": {"X": PAT}}))
    assert {r.path: (r.before, r.after) for r in rows} == {"client_secret": (MASK, MASK), "env.X": ("a", MASK)}


def test_no_secret_in_markdown_or_json_from_a_plan(tmp_path, example_config):
    path = write_plan(tmp_path / "prod.json", databricks_prod_plan())
    review = review_of(example_config, plans=[f"prod={path}"], audit=False)
    for fmt in ("markdown", "json"):
        text = render(review, fmt=fmt)
        assert CLIENT_SECRET not in text
        assert MARKED_VALUE not in text
        assert MASK in text
    document = json.loads(render(review, fmt="json"))
    secret = next(c for c in document["changes"] if c["address"] == "databricks_service_principal_secret.deployer")
    assert {a["path"]: (a["before"], a["after"]) for a in secret["attributes"]} == {
        "secret": (MASK, "(known after apply)"), "note": (MASK, MASK)}


def test_no_secret_in_review_of_synth(tmp_path, example_config):
    doc = stack_doc({"databricks_secret": {"token": {"scope": "ci", "key": "pat", "string_value": PAT}},
                     "databricks_job": {"job": {"name": "train", "parameters": [{"name": "p", "default": PAT}]}}})
    head = write_synth(tmp_path / "head", {"prod": doc})
    review = review_of(example_config, head_dir=head, audit=False)
    for fmt in ("markdown", "json"):
        text = render(review, fmt=fmt)
        assert PAT not in text
    assert '"ci"' in render(review, fmt="json")  # ordinary values are still shown (creates: in the JSON)


def test_a_mark_on_the_whole_value_masks_each_part_and_keeps_nulls():
    from review.masking import masked
    assert masked({"a": "1", "b": {"c": "2"}, "n": None}, frozenset({()})) == {"a": MASK, "b": MASK, "n": None}


def test_masking_from_a_path_judges_the_path_itself_then_each_part_by_its_own_key():
    from review.masking import masked
    assert masked({"k": "v"}, frozenset({("config",)}), ("config", "env")) == MASK
    assert masked({"k": "v"}, frozenset(), ("auth", "client_secret")) == MASK
    value = {"outer": [{"name": "n", "api_key": "k", "deep": {"password": "p", "x": PAT, "y": 3}}]}
    assert masked(value, frozenset()) == {"outer": [{"name": "n", "api_key": MASK,
                                                     "deep": {"password": MASK, "x": MASK, "y": 3}}]}


def test_a_value_with_nothing_to_mask_is_returned_as_it_is_and_one_with_a_secret_is_copied():
    from review.masking import masked
    plain = {"name": "n", "tags": [{"k": "v"}], "n": None}
    assert masked(plain, frozenset()) is plain
    secret = {"name": "n", "tags": [{"k": PAT}]}
    shown = masked(secret, frozenset())
    assert shown == {"name": "n", "tags": [{"k": MASK}]} and secret["tags"][0]["k"] == PAT
