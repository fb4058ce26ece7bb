"""The platform file's YAML structure is bounded where it enters: every case is one `file:line` message, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import load_config
from infra.config.yaml_source import MAX_ALIAS_NODES, load_yaml
from lakestack.errors import InputError
from tests.configs import EXAMPLE

PAT = "dapi" + "0123456789abcdef" * 2


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "platform.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    return caught.value.problems


def billion_laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused(tmp_path):
    [message] = problems(tmp_path, billion_laughs())
    assert "aliases expand the file by more than" in message and f"{MAX_ALIAS_NODES:,}" in message
    assert message.startswith(f"{tmp_path / 'platform.yaml'}:")


def test_small_shared_blocks_through_aliases_still_load(tmp_path):
    path = tmp_path / "platform.yaml"
    path.write_text("serving: &s {workload_size: Small}\nother: *s\nthird: *s\n")
    assert load_yaml(path).data == {"serving": {"workload_size": "Small"}, "other": {"workload_size": "Small"},
                                    "third": {"workload_size": "Small"}}


@pytest.mark.parametrize("text", ["a: &a [*a]\n", "a: &a {b: *a}\n", "x:\n  - &n {child: [1, *n]}\n"])
def test_self_referencing_alias_is_refused_without_recursion_error(tmp_path, text):
    [message] = problems(tmp_path, text)
    assert "an alias refers to the block that contains it" in message


def test_deep_nesting_is_refused(tmp_path):
    [message] = problems(tmp_path, "a: " + "[" * 400 + "]" * 400 + "\n")
    assert "nested deeper than" in message


@pytest.mark.parametrize("text, shown", [("1: x\n", "1"), ("true: x\n", "true"), ("null: x\n", "null"),
                                         ("a:\n  2024-01-01: x\n", "2024-01-01")])
def test_keys_must_be_strings(tmp_path, text, shown):
    [message] = problems(tmp_path, text)
    assert f"key {shown} is not text" in message and "quote it" in message


def test_complex_and_merge_keys_are_refused(tmp_path):
    assert "keys must be strings" in problems(tmp_path, "? [1, 2]\n: x\n")[0]
    assert "merge keys" in problems(tmp_path, "base: &b {x: 1}\nother:\n  <<: *b\n")[0]


def test_raw_control_character_is_reported_by_line(tmp_path):
    [message] = problems(tmp_path, "project: retail\naccount:\n  host: a\x07b\n")
    assert message.startswith(f"{tmp_path / 'platform.yaml'}:3: control character U+0007")


def test_escaped_control_character_is_reported_by_line_and_key(tmp_path):
    [message] = problems(tmp_path, 'project: retail\nmodels:\n  - description: "a\\x1bb"\n')
    assert message.startswith(f"{tmp_path / 'platform.yaml'}:3: models[0].description: control character U+001B")


def test_not_utf8_is_reported_by_line(tmp_path):
    path = tmp_path / "platform.yaml"
    path.write_bytes(b"project: retail\nx: \xff\n")
    with pytest.raises(InputError, match=r"platform.yaml:2: not UTF-8"):
        load_yaml(path)


@pytest.mark.parametrize("value", [PAT, "ghp_" + "a1B2" * 9, "AKIA" + "ABCDEFGHIJKLMNOP", "see token " + PAT + " here"])
def test_credential_in_any_config_string_is_refused_with_its_line(tmp_path, value):
    text = EXAMPLE.read_text().replace(
        "description: Ranks products a customer is likely to buy next (click-through propensity).",
        f"description: {value!r}")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if value in row)
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_config(path)
    [message] = caught.value.problems
    assert message.startswith(f"{path}:{line}: models[0].description: holds a value shaped like a credential")
    assert value not in str(caught.value)  # the refusal does not print the secret either


def test_duplicate_keys_still_reported(tmp_path):
    [message] = problems(tmp_path, "a: 1\nb: 2\na: 3\n")
    assert message == f"{tmp_path / 'platform.yaml'}:3: duplicate key 'a' (first at line 1); remove one of them"


def test_the_same_bad_text_is_reported_at_every_line_it_appears(tmp_path):
    """Texts are judged once each, but every place holding a refused one still gets its own file:line message."""
    found = problems(tmp_path, f"a: {PAT}\nb:\n  - {PAT}\nc: \"x\\x01\"\nd: \"x\\x01\"\n")
    where = [p.split(": ", 1)[0] for p in found]
    assert where == [f"{tmp_path / 'platform.yaml'}:{line}" for line in (1, 3, 4, 5)], found
