"""Colour in terminal output: only when the stream is a terminal, never when `NO_COLOR` is set.

`NO_COLOR` follows no-color.org (any non-empty value turns colour off); `TERM=dumb` does too. Output
to a file or a pipe never carries escape codes, so reports and CI logs stay plain text.
"""

from __future__ import annotations

import os
from typing import TextIO

CODES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "blue": "34", "cyan": "36"}


def colour_enabled(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Painter:
    """Wraps text in ANSI styles when enabled, else returns it unchanged."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    @classmethod
    def for_stream(cls, stream: TextIO) -> Painter:
        return cls(colour_enabled(stream))

    def __call__(self, text: str, *styles: str) -> str:
        if not self.enabled or not styles or not text:
            return text
        codes = ";".join(CODES[style] for style in styles)
        return f"\033[{codes}m{text}\033[0m"
