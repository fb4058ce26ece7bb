"""Checks a command makes before it starts costly work, so a missing tool or an unwritable folder is one
clear line (exit code 2) instead of a traceback from deep inside jsii or the file system."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lakestack.errors import InputError


def require_node() -> None:
    """CDKTF's Python library runs the construct tree in Node through jsii; without Node it fails at import
    with a long jsii traceback, so look for it first."""
    if shutil.which("node") is None:
        raise InputError("node was not found on the PATH; `lakestack synth` needs Node.js 20 or later (CDKTF runs "
                         "in it)", hint="install Node.js 20+ and make sure `node --version` works in this shell")


def require_writable_folder(path: Path | str, *, what: str = "output folder") -> None:
    """`path` is a folder that exists and can be written, or can be created where it is named."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise InputError(f"{target}: exists and is not a folder; choose another {what}")
    existing = target
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise InputError(f"{target}: cannot create the {what}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"{target}: cannot write the {what}: no write permission in {existing}")
