"""The Node options of the jsii runtime that runs CDKTF for a synth.

jsii starts one Node process per Python process, the first time a CDK module is imported, and
keeps every construct of the synth in it. Two options make that process smaller and quicker to
start, with the same JSON out (docs/benchmark.md):

- A bounded young generation. V8 sizes it for the 4 GB heap jsii asks for (semi-spaces of
  16 MB), which an 8,000-resource stack fills between collections of short-lived objects.
  Semi-spaces of `SEMI_SPACE_MB` cost no measurable CPU and take about 70 MB off each large
  environment's process. A user who sets `--max-semi-space-size` keeps theirs.
- Two preloads (`PRELOADS`). `lazy_provider_index.js`: the provider package's index requires all
  of its ~250 resource modules when jsii loads it; the preload defers each to its first use, as
  `provider_module` (infra/cdk.py) does for the Python bindings (about 0.3 s of CPU and 80 MB
  less per runtime). `creation_stacks_off.js`: CDKTF's creation stacks of tokens, which through
  jsii only ever show the kernel's frames, are left empty (about 1.5 s of CPU and 100 MB less for
  an 8,000-resource stack).

They go through NODE_OPTIONS, the one channel jsii passes on to its runtime, and only while the
runtime starts: the rest of the process, and the programs it runs later, see the user's own.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from contextlib import AbstractContextManager
from pathlib import Path

from lakestack.environ import variable_set

SEMI_SPACE_OPTION = "--max-semi-space-size"
SEMI_SPACE_MB = 4
PRELOADS = tuple(Path(__file__).with_name(name) for name in ("lazy_provider_index.js", "creation_stacks_off.js"))


def runtime_node_options(user_options: str, preloads: tuple[Path, ...] = PRELOADS) -> str:
    """`user_options` with the young generation bounded (unless the user bounded it) and `preloads` required.

    NODE_OPTIONS splits on spaces outside double quotes; a path holding a double quote or a
    backslash cannot be spelled there safely and is left out (the runtime then runs without it).
    """
    options = [user_options] if user_options else []
    if SEMI_SPACE_OPTION not in user_options:
        options.append(f"{SEMI_SPACE_OPTION}={SEMI_SPACE_MB}")
    options += [f'--require "{path}"' for path in preloads if not {'"', "\\"} & set(str(path))]
    return " ".join(options)


def node_options_for_runtime(environ: MutableMapping[str, str] = os.environ) -> AbstractContextManager[None]:
    """Start the jsii runtime inside this block; NODE_OPTIONS is restored when it ends."""
    return variable_set("NODE_OPTIONS", runtime_node_options(environ.get("NODE_OPTIONS", "")), environ)
