"""A process environment variable set for the length of a block, for the child processes started inside it."""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager


@contextmanager
def variable_set(name: str, value: str, environ: MutableMapping[str, str] = os.environ) -> Iterator[None]:
    """`environ[name] = value` inside the block; the previous value (or its absence) is restored after."""
    previous = environ.get(name)
    environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            environ.pop(name, None)
        else:
            environ[name] = previous
