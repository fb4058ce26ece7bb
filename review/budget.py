"""Fitting a comment under a size limit: essential sections always, the rest item by item.

GitHub rejects comments over 65,536 characters. Sections are laid out in reading order; essential
ones (the banner and the matrix) are never cut, the others keep as many whole items as fit and say
how many they dropped, and the comment ends with a note when anything was left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

GITHUB_COMMENT_LIMIT = 65_536
# Room kept for each section's "N more" line and for the closing note.
SECTION_NOTE_ROOM = 120
CLOSING_NOTE_ROOM = 400


def _text(item: Any) -> str:
    return str(item)


@dataclass
class Section:
    """A heading, items rendered one by one (only as many as fit), and a closing line."""

    head: str
    items: Sequence[Any] = field(default_factory=list)
    tail: str = ""
    essential: bool = False
    render: Callable[[Any], str] = _text
    # Shown when items are dropped; `{n}` is replaced by how many.
    more: str = "_… {n} more not shown (comment size limit)._\n\n"

    def full(self) -> str:
        return self.head + "".join(self.render(item) for item in self.items) + self.tail


@dataclass(frozen=True)
class Fitted:
    text: str
    omitted_items: int

    @property
    def truncated(self) -> bool:
        return self.omitted_items > 0


def fit(sections: list[Section], max_chars: int, closing_note: str) -> Fitted:
    """Join the sections within `max_chars`; `closing_note` (with `{n}`) is added when items were dropped."""
    essential = sum(len(s.full()) for s in sections if s.essential)
    budget = max_chars - essential - CLOSING_NOTE_ROOM
    parts: list[str] = []
    omitted = 0
    for section in sections:
        if section.essential:
            parts.append(section.full())
            continue
        text, dropped = _fit_section(section, budget)
        budget -= len(text)
        omitted += dropped
        parts.append(text)
    if omitted:
        parts.append(closing_note.format(n=omitted))
    return Fitted("".join(parts), omitted)


def _fit_section(section: Section, budget: int) -> tuple[str, int]:
    """As many whole items as fit (rendering stops at the first that does not), or nothing."""
    frame = len(section.head) + len(section.tail)
    room = budget - frame
    kept: list[str] = []
    for item in section.items:
        text = section.render(item)
        if len(text) > room:
            break
        kept.append(text)
        room -= len(text)
    dropped = len(section.items) - len(kept)
    if not dropped:
        return (section.head + "".join(kept) + section.tail, 0) if room >= 0 else ("", 1)
    while kept and room < SECTION_NOTE_ROOM:
        room += len(kept.pop())
    if room < SECTION_NOTE_ROOM:
        return "", len(section.items)
    dropped = len(section.items) - len(kept)
    return section.head + "".join(kept) + section.more.format(n=dropped) + section.tail, dropped
