"""A content-addressed cache of what lakestack derives from a large input file, so the next command reading the
same bytes does not derive it again: what Python's bytecode cache is to a module.

A `make plan` reads the same `platform.yaml` in the synth, the audit and the review; at 1,000 models parsing it
is a fifth of the audit's CPU. An entry is found only by the digest of the input's bytes and of the code that
derived it (`digest`), so an edited file or another lakestack release misses. It is best effort: a cache folder
that cannot be read or written is skipped, never an error, and a damaged entry is a miss. Entries are JSON (data,
never code), written whole (a rename into place); beyond `MAX_ENTRIES` per kind the oldest are removed, and only
files named as entries are ever touched.

`LAKESTACK_CACHE_DIR` names the folder (default `~/.cache/lakestack`, beside the Spark jars and the built provider);
`LAKESTACK_CACHE_DIR=off` turns the cache off.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

CACHE_ENV = "LAKESTACK_CACHE_DIR"
OFF = "off"
MAX_ENTRIES = 16
# Inputs smaller than this are parsed faster than an entry is found: they are never cached.
MIN_INPUT_BYTES = 64 * 1024
ENTRY_NAME = re.compile(r"[0-9a-f]{64}\.json")


def cache_folder(kind: str, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The folder of one kind of entry, or None when the cache is off."""
    chosen = environ.get(CACHE_ENV, "")
    if chosen == OFF:
        return None
    return (Path(chosen) if chosen else Path.home() / ".cache" / "lakestack") / kind


def digest(*parts: bytes) -> str:
    """One key for several inputs, each length-prefixed so no two sequences of parts share a key."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


def read_entry(kind: str, key: str) -> Any | None:
    """The value stored under `key`, or None (no entry, no cache, or an entry that is not JSON)."""
    folder = cache_folder(kind)
    if folder is None:
        return None
    try:
        return json.loads((folder / f"{key}.json").read_bytes())
    except (OSError, ValueError):
        return None


def write_entry(kind: str, key: str, value: Any) -> None:
    """Store `value` (JSON data) under `key`, then drop the oldest entries beyond `MAX_ENTRIES`."""
    folder = cache_folder(kind)
    if folder is None:
        return
    try:
        text = json.dumps(value, separators=(",", ":"))  # one call: Python's C encoder
    except (TypeError, ValueError):
        return  # not JSON data: nothing to keep
    import tempfile  # only a miss writes: a hit does not pay for the import

    partial = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, partial = tempfile.mkstemp(dir=folder, prefix=".", suffix=".partial")
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(partial, folder / f"{key}.json")
        partial = None
        prune(folder)
    except OSError:
        pass
    finally:
        if partial is not None:
            with contextlib.suppress(OSError):
                os.unlink(partial)


def prune(folder: Path, keep: int = MAX_ENTRIES) -> None:
    """Remove the least recently written entries beyond `keep`; files not named as entries stay."""
    entries = []
    for path in folder.iterdir():
        if ENTRY_NAME.fullmatch(path.name):
            with contextlib.suppress(OSError):
                entries.append((path.stat().st_mtime_ns, path))
    for _, path in sorted(entries, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            path.unlink()
