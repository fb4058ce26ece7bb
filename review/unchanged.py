"""Resources a pull request leaves as they were: known without resolving or masking them, shown if read.

At 1,000 models nearly every resource of a pull request is unchanged, and resolving and masking each one
(a copy of every body, a judgement of every key and string) was most of the review's own time, for
values nothing renders: the review shows what changes. So an unchanged resource's values are worked
out when something first reads them, and the matcher, which reads every string a stack names, reads
them from one text per stack (`strings_text`) instead of walking each body.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from functools import cached_property
from typing import Any

# Between the strings of a stack's text: not part of any catalog name or host.
SEPARATOR = "\0"


def strings_inside(bodies: Iterable[dict[str, Any]], skip: Collection[str]) -> tuple[list[str], list[str]]:
    """Every string inside the bodies (values only, at any depth; top-level keys in `skip` left out), and
    the texts among them that hold a `${...}` expression. One call per object or list, none per scalar."""
    strings: list[str] = []
    texts: list[str] = []

    def walk(items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, str):
                strings.append(item)
                if "${" in item:
                    texts.append(item)
            elif isinstance(item, dict):
                walk(item.values())
            elif isinstance(item, list):
                walk(item)

    for body in bodies:
        walk(value for key, value in body.items() if key not in skip)
    return strings, texts


def strings_text(strings: Iterable[str]) -> str:
    """The strings as one text, so a name inside any of them is found by one search."""
    return SEPARATOR.join(strings)


class UnchangedStack:
    """One stack's unchanged resources: `show` masks one when asked, `strings` holds what any of them can show.

    `strings` covers every string of their values before masking: their strings as written and their
    texts with references resolved. Masking only ever puts a mask in place of a string.
    """

    def __init__(self, show: Callable[[str], dict[str, Any]], written: list[str], resolved: Iterable[str]) -> None:
        self.show = show
        self._written = written
        self._resolved = resolved

    @cached_property
    def strings(self) -> str:
        return strings_text([*self._written, *self._resolved])


class UnchangedValues:
    """The values of one unchanged resource: the same before and after, masked when first read."""

    __slots__ = ("_address", "_shown", "_stack")

    def __init__(self, stack: UnchangedStack, address: str) -> None:
        self._stack = stack
        self._address = address
        self._shown: dict[str, Any] | None = None

    @property
    def after(self) -> dict[str, Any]:
        if self._shown is None:
            self._shown = self._stack.show(self._address)
        return self._shown

    @property
    def before(self) -> dict[str, Any]:
        return self.after

    @property
    def strings(self) -> str:
        return self._stack.strings
