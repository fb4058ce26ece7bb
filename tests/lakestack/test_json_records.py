"""Reports written a record per line parse to exactly what the indented JSON did, one record on each line."""

from __future__ import annotations

import datetime as dt
import json

from lakestack.json_records import json_records

DOCUMENT = {
    "marker": "<!-- x -->",
    "empty": [],
    "none": None,
    "nested": {"a": [1, 2, {"b": "c"}], "ünï": "cödé"},
    "changes": [{"address": "a.b", "attributes": [{"path": "x", "before": 1, "after": 2.5}]}, "plain", [1, [2]]],
    "count": 3,
}


def test_the_text_parses_to_the_same_value_as_the_indented_json() -> None:
    text = json_records(DOCUMENT)
    assert json.loads(text) == json.loads(json.dumps(DOCUMENT, indent=2)) == DOCUMENT
    assert text.endswith("}\n")


def test_a_member_per_line_and_a_list_element_per_line() -> None:
    lines = json_records(DOCUMENT).splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert '  "empty": [],' in lines and '  "count": 3' in lines
    assert '  "nested": {"a": [1, 2, {"b": "c"}], "\\u00fcn\\u00ef": "c\\u00f6d\\u00e9"},' in lines
    at = lines.index('  "changes": [')
    assert lines[at + 1:at + 5] == [
        '    {"address": "a.b", "attributes": [{"path": "x", "before": 1, "after": 2.5}]},',
        '    "plain",', "    [1, [2]]", "  ],"]


def test_an_empty_document_and_a_default_for_other_values() -> None:
    assert json_records({}) == "{}\n"
    when = dt.date(2026, 12, 2)
    assert json.loads(json_records({"on": [when]}, default=str)) == {"on": ["2026-12-02"]}
