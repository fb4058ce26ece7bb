"""A clean file is built without paths or lines; what it gives must be what the checked build gives."""

from __future__ import annotations

import contextlib
import datetime
import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import yaml_source
from infra.config.yaml_source import load_yaml
from lakestack.errors import InputError
from tests.configs import EXAMPLE

CREDENTIAL = "dapi" + "0123456789abcdef" * 2
# Every kind of scalar the safe loader resolves, in plain, quoted, block and flow styles.
SCALARS = """\
text: plain text (with) [brackets], commas and a colon:inside
quoted: 'it''s'
double: "tab\\there"
empty_quoted: ''
nothing:
tilde: ~
null_word: null
yes_word: yes
off_word: Off
true_word: true
int: 12
hex: 0x1F
octal: 017
sexagesimal: 190:20:30
underscored: 1_000
float: 0.25
exponent: 1e3
negative_inf: -.inf
nan: .nan
tagged_text: !!str 12
tagged_float: !!float 3
literal: |
  line one
  line two
folded: >
  folded
  text
flow: {a: [1, two, 3.0], b: {c: null}}
list:
- x
- - nested
  - list
- key: value
  other: 2
"""


def checked(path: Path) -> yaml_source.YamlSource:
    """The checked build of `path`: every check, every line (what a file with an anchor always takes)."""
    text = path.read_text(encoding="utf-8")
    return yaml_source._checked(path, text, yaml_source._compose(path, text))


def same(a: Any, b: Any) -> bool:
    """Equal, of the same types all the way down, and in the same key order (NaN equals NaN)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@pytest.mark.parametrize("text", [SCALARS, EXAMPLE.read_text(encoding="utf-8")], ids=["scalars", "example"])
def test_the_plain_build_gives_the_checked_builds_data_and_lines(tmp_path, text):
    path = tmp_path / "platform.yaml"
    path.write_text(text, encoding="utf-8")
    plain, full = load_yaml(path), checked(path)
    assert plain._lines is None, "a clean file is built without its lines"
    assert same(plain.data, full.data) and same(plain.data, yaml.safe_load(text))
    assert plain.lines == full.lines and plain.line_of(("list", 2, "other")) == full.line_of(("list", 2, "other"))


def test_a_clean_files_lines_are_found_when_first_asked_for(tmp_path):
    path = tmp_path / "platform.yaml"
    path.write_text("project: retail\nmodels:\n  - name: a\n  - name: b\n    problem_type: regression\n")
    source = load_yaml(path)
    assert source.line_of(("models", 1, "problem_type")) == 5
    assert source.line_of(("models", 1, "missing_key")) == 4  # the parent's line
    assert source.where(("models", 0)) == f"{path}:3"


@pytest.mark.parametrize("text, expected", [
    ("base: &b {x: 1}\nother: *b\n", {"base": {"x": 1}, "other": {"x": 1}}),
    ("day: 2024-01-02\n", {"day": datetime.date(2024, 1, 2)}),
    ("company: 'R&D'\n", {"company": "R&D"}),
])
def test_files_the_plain_build_does_not_vouch_for_take_the_checked_build(tmp_path, text, expected):
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    source = load_yaml(path)
    assert source.data == expected and source._lines is not None


def test_the_shared_tag_resolution_is_the_safe_loaders(tmp_path):
    """Tags are resolved once per text; a text resolves alike wherever it stands, as with PyYAML's own resolver."""
    path = tmp_path / "platform.yaml"
    values = ["yes", "No", "on", "~", "null", "", "12", "-3", "0x1f", "1.5", ".inf", "x", "-x", "0o17", "1_0", "+.5"]
    path.write_text("".join(f"k{i}: {v}\nl{i}: [{v}]\n" for i, v in enumerate(values)) + "m: '12'\n")
    source = load_yaml(path)
    assert source._lines is None and same(source.data, yaml.load(path.read_text(), Loader=yaml.SafeLoader))


def test_the_loader_tracks_no_path_resolvers_so_its_resolver_hooks_may_do_nothing(tmp_path):
    """The composer's per-node hooks are no-ops (yaml_source._Loader) only because no path resolver is declared."""
    assert not yaml_source._Loader.yaml_path_resolvers
    path = tmp_path / "platform.yaml"
    path.write_text("a: {b: [1, {c: x}], d: [[]]}\ne: [yes]\n")
    assert load_yaml(path).data == yaml.load(path.read_text(), Loader=yaml.SafeLoader)


@pytest.mark.parametrize("text, refusal", [
    ("project: retail\n\"a\\x07\": 1\n", ":2: (top level): control character U+0007"),
    (f"project: retail\ngroups:\n  {CREDENTIAL}: x\n", ":3: groups: holds a value shaped like"),
    ("project: retail\nproject: other\n", ":2: duplicate key 'project' (first at line 1)"),
    ("project: retail\ngroups:\n  yes: x\n", ":3: groups: key yes is not text (YAML reads it as bool)"),
])
def test_a_refused_key_is_reported_by_the_checked_build(tmp_path, text, refusal):
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_yaml(path)
    [message] = caught.value.problems
    assert message.startswith(f"{path}{refusal}"), message


def _large(tmp_path: Path, extra: str = "") -> Path:
    """A clean file large enough to be cached: the example with many models' worth of padding."""
    padding = "".join(f"  - name: padding_{i:05d}\n    note: the same text, written again\n" for i in range(2000))
    path = tmp_path / "large.yaml"
    path.write_text(EXAMPLE.read_text(encoding="utf-8") + "padding:\n" + padding + extra, encoding="utf-8")
    assert path.stat().st_size >= yaml_source.entries.MIN_INPUT_BYTES
    return path


def _entries() -> list[Path]:
    folder = yaml_source.entries.cache_folder(yaml_source.CACHE_KIND)
    return sorted(folder.glob("*.json")) if folder and folder.is_dir() else []


def _not_composed(monkeypatch: pytest.MonkeyPatch) -> None:
    def composed(*_: Any) -> None:
        raise AssertionError("the file was parsed again")

    monkeypatch.setattr(yaml_source, "_compose", composed)


def test_a_large_clean_file_is_read_from_the_cache_the_second_time(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    path = _large(tmp_path)
    first = load_yaml(path)
    assert len(_entries()) == 1
    _not_composed(monkeypatch)
    again = load_yaml(path)
    assert again.data == first.data == yaml.safe_load(path.read_text(encoding="utf-8"))


def test_an_edited_file_misses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    path = _large(tmp_path)
    load_yaml(path)
    path.write_text(path.read_text(encoding="utf-8").replace("padding_00000", "renamed_00000"), encoding="utf-8")
    assert load_yaml(path).data["padding"][0]["name"] == "renamed_00000"
    assert len(_entries()) == 2


def test_a_cached_files_lines_are_still_found(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    path = _large(tmp_path)
    expected = load_yaml(path).line_of(("padding", 1999, "note"))
    assert load_yaml(path).line_of(("padding", 1999, "note")) == expected == path.read_text().count("\n")


@pytest.mark.parametrize("extra", [f"refused: {CREDENTIAL}\n", "shared: &block {a: 1}\nagain: *block\n"])
def test_a_file_the_plain_build_doubts_is_not_cached(tmp_path, monkeypatch, extra):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    path = _large(tmp_path, extra)
    with contextlib.suppress(InputError):  # the credential is refused, the alias is read
        load_yaml(path)
    assert _entries() == []


def test_a_small_file_is_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    load_yaml(EXAMPLE)
    assert _entries() == []


def test_a_change_of_the_checking_code_misses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    path = _large(tmp_path)
    load_yaml(path)
    monkeypatch.setattr(yaml_source, "_builder_digest", lambda: "another release")
    load_yaml(path)
    assert len(_entries()) == 2


def test_without_its_own_source_the_loader_does_not_cache(tmp_path, monkeypatch):
    monkeypatch.setenv(yaml_source.entries.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setattr(yaml_source, "_builder_digest", lambda: "")
    load_yaml(_large(tmp_path))
    assert _entries() == []
