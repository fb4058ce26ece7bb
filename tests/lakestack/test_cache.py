"""The cache is best effort and content-addressed: what is stored is found again, and nothing else is touched."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lakestack import cache
from lakestack.cache import CACHE_ENV, MAX_ENTRIES, cache_folder, digest, prune, read_entry, write_entry

KEY = "a" * 64


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    return tmp_path / "kind"


def test_a_stored_value_is_read_back_and_a_missing_one_is_none(folder: Path) -> None:
    value = {"models": [{"name": "m", "threshold": 0.5, "on": True, "none": None, "big": 10**30}]}
    write_entry("kind", KEY, value)
    assert read_entry("kind", KEY) == value
    assert read_entry("kind", "b" * 64) is None
    assert [p.name for p in folder.iterdir()] == [f"{KEY}.json"]  # no partial file left behind


def test_off_reads_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, "off")
    monkeypatch.chdir(tmp_path)
    assert cache_folder("kind") is None
    write_entry("kind", KEY, {"a": 1})
    assert read_entry("kind", KEY) is None
    assert list(tmp_path.iterdir()) == []


def test_the_default_folder_is_the_users_cache_folder() -> None:
    assert cache_folder("yaml", {}) == Path.home() / ".cache" / "lakestack" / "yaml"
    assert cache_folder("yaml", {CACHE_ENV: "/mine"}) == Path("/mine/yaml")


def test_a_damaged_entry_is_a_miss(folder: Path) -> None:
    folder.mkdir()
    (folder / f"{KEY}.json").write_text('{"half": ', encoding="utf-8")
    assert read_entry("kind", KEY) is None
    (folder / f"{KEY}.json").write_bytes(b"\xff\xfe")
    assert read_entry("kind", KEY) is None


def test_an_unwritable_cache_is_skipped_without_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker))
    write_entry("kind", KEY, {"a": 1})
    assert read_entry("kind", KEY) is None
    assert blocker.read_text(encoding="utf-8") == "not a folder"


def test_a_failed_write_leaves_no_partial_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*_: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(cache.os, "replace", refused)
    write_entry("kind", KEY, {"a": 1})
    assert list(folder.iterdir()) == []


def test_a_value_that_is_not_json_data_is_not_stored(folder: Path) -> None:
    write_entry("kind", KEY, {"when": object()})
    assert not folder.exists()


def test_pruning_keeps_the_newest_entries_and_every_other_file(tmp_path: Path) -> None:
    entries = [tmp_path / f"{index:064x}.json" for index in range(MAX_ENTRIES + 3)]
    for age, path in enumerate(reversed(entries)):
        path.write_text("{}", encoding="utf-8")
        os.utime(path, ns=(10**18 - age * 10**9, 10**18 - age * 10**9))
    others = [tmp_path / "notes.json", tmp_path / ("f" * 63 + ".json"), tmp_path / ".partial"]
    for path in others:
        path.write_text("mine", encoding="utf-8")
    prune(tmp_path)
    kept = sorted(path for path in tmp_path.iterdir() if path not in others)
    assert kept == sorted(entries[-MAX_ENTRIES:])  # the three oldest went
    assert all(path.read_text(encoding="utf-8") == "mine" for path in others)


def test_writing_prunes_the_folder(folder: Path) -> None:
    for index in range(MAX_ENTRIES + 2):
        write_entry("kind", f"{index:064x}", index)
    assert len(list(folder.iterdir())) == MAX_ENTRIES


def test_a_digest_tells_apart_the_same_bytes_split_otherwise() -> None:
    assert digest(b"ab", b"c") != digest(b"a", b"bc")
    assert digest(b"ab", b"c") == digest(b"ab", b"c")
    assert len(digest(b"")) == 64
