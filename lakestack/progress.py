"""Progress lines for long steps (synth of a large platform): on standard error, only on a terminal.

Standard output keeps the result (files written, reports), so scripts and CI logs read the same
whatever the terminal; a person at a terminal sees each stage with the seconds elapsed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

from lakestack.colour import Painter

Progress = Callable[[str], None]


def no_progress(message: str) -> None:
    """The default of every step that reports progress: say nothing."""


class ProgressLines:
    def __init__(self, what: str, stream: TextIO | None = None, *, enabled: bool | None = None) -> None:
        self.what = what
        self.stream = stream or sys.stderr
        isatty = getattr(self.stream, "isatty", None)
        self.enabled = bool(isatty and isatty()) if enabled is None else enabled
        self.paint = Painter.for_stream(self.stream)
        self.started = time.monotonic()

    def __call__(self, message: str) -> None:
        if self.enabled:
            elapsed = self.paint(f"{time.monotonic() - self.started:5.1f}s", "dim")
            print(f"{elapsed} {self.what}: {message}", file=self.stream, flush=True)
