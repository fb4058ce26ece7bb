"""Writing reports all or nothing: a reader never sees a half-written file."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from lakestack.errors import InputError


def write_atomically(path: Path | str, text: str, *, what: str = "report") -> None:
    """Write beside the target, then rename over it; an unwritable target is bad input."""
    target = Path(path)
    partial = target.with_name(f".{target.name}.partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write the {what} ({exc.strerror or exc})") from None


def write_output(text: str, output: Path | str | None, *, what: str = "report") -> None:
    """Standard output when no file is named, else the whole file at once."""
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomically(output, text, what=what)
