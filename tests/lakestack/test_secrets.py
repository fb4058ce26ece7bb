"""Credential shapes: the quick search over many texts finds exactly what judging each text finds."""

from __future__ import annotations

from lakestack.secrets import CREDENTIAL_STARTS, CREDENTIAL_VALUE, credential_shaped, credential_shaped_among

# One value of every shape CREDENTIAL_VALUE knows, in the order of its alternatives.
SHAPES = [
    "dapi" + "0123456789abcdef" * 2,
    "dose" + "fedcba9876543210" * 2,
    "ghp_" + "A1" * 10, "gho_" + "b2" * 10, "ghu_" + "C3" * 10, "ghs_" + "d4" * 10, "ghr_" + "E5" * 10,
    "github_pat_" + "F6_" * 7,
    "-----BEGIN RSA PRIVATE KEY-----",
    "AKIA" + "ABCDEFGH12345678",
    "eyJ" + "hbGciOiJIUzI1" + ".eyJ" + "zdWIiOiIxMjM0",
]


def test_every_shape_begins_with_a_start_at_the_same_place():
    """A shape added to CREDENTIAL_VALUE needs a start too, or the quick search would miss it."""
    assert len(CREDENTIAL_VALUE.pattern.split("|")) == 7, "a new shape: add a value of it to SHAPES"
    for shape in SHAPES:
        found = CREDENTIAL_VALUE.search(f"x {shape} y")
        assert found is not None, shape
        assert any(found.group().startswith(start) for start in CREDENTIAL_STARTS), shape


def test_the_texts_holding_a_shape_are_those_judged_one_by_one():
    plain = ["retail_prod.ml.recommender", "high throughput", "dapi-docs", "SELECT 1\nFROM eyJ", "", "AKIA"]
    for shape in SHAPES:
        texts = {*plain, f"token {shape} here", f"{shape[:8]}\n{shape[8:]}"}
        assert credential_shaped_among(texts) == {t for t in texts if credential_shaped(t)} == {f"token {shape} here"}
    assert credential_shaped_among(plain) == set()
    assert credential_shaped_among([]) == set()
