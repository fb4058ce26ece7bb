"""The Node options of the jsii runtime that runs CDKTF for a synth.

jsii starts one Node process per Python process, the first time a CDK module is imported, and
keeps every construct of the synth in it. V8 sizes its young generation for the 4 GB heap jsii
asks for (semi-spaces of 16 MB), which an 8,000-resource stack fills between collections of
short-lived objects. Semi-spaces of `SEMI_SPACE_MB` cost no measurable CPU and take about 70 MB
off each large environment's process (docs/benchmark.md). The option goes through NODE_OPTIONS,
the one channel jsii passes on to its runtime, only while the runtime starts: the rest of the
process, and the programs it runs later, see the user's own NODE_OPTIONS. A user who sets
`--max-semi-space-size` keeps theirs.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from contextlib import AbstractContextManager

from lakestack.environ import variable_set

SEMI_SPACE_OPTION = "--max-semi-space-size"
SEMI_SPACE_MB = 4


def runtime_node_options(user_options: str) -> str:
    """`user_options` with the young generation bounded, unless the user bounded it already."""
    if SEMI_SPACE_OPTION in user_options:
        return user_options
    return f"{user_options} {SEMI_SPACE_OPTION}={SEMI_SPACE_MB}".strip()


def node_options_for_runtime(environ: MutableMapping[str, str] = os.environ) -> AbstractContextManager[None]:
    """Start the jsii runtime inside this block; NODE_OPTIONS is restored when it ends."""
    return variable_set("NODE_OPTIONS", runtime_node_options(environ.get("NODE_OPTIONS", "")), environ)
