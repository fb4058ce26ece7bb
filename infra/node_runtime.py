"""How the jsii runtime that runs CDKTF for a synth starts: its Node options and its one process.

jsii starts one Node process per Python process, the first time a CDK module is imported, and
keeps every construct of the synth in it. Two options make that process smaller and quicker to
start, with the same JSON out (docs/benchmark.md):

- A bounded young generation. V8 sizes it for the 4 GB heap jsii asks for (semi-spaces of
  16 MB), which an 8,000-resource stack fills between collections of short-lived objects.
  Semi-spaces of `SEMI_SPACE_MB` cost no measurable CPU and take about 70 MB off each large
  environment's process. A user who sets `--max-semi-space-size` keeps theirs.
- Three preloads (`PRELOADS`). `lazy_provider_index.js`: the provider package's index requires all
  of its ~250 resource modules when jsii loads it; the preload defers each to its first use, as
  `provider_module` (infra/cdk.py) does for the Python bindings (about 0.3 s of CPU and 80 MB
  less per runtime). `creation_stacks_off.js`: CDKTF's creation stacks of tokens, which through
  jsii only ever show the kernel's frames, are left empty (about 2 s of CPU and 100 MB less for
  an 8,000-resource stack). `stable_stringify.js`: CDKTF's JSON writer, json-stable-stringify,
  with its text built once instead of once per nesting level (the same bytes; 40-100 MB less at
  the peak of an 8,000-resource stack).

They go through NODE_OPTIONS, the one channel jsii passes on to its runtime, and only while the
runtime starts: the rest of the process, and the programs it runs later, see the user's own.

The runtime is also one process instead of two. jsii starts a relay (its bin/jsii-runtime.js),
which starts the kernel (lib/program.js) as a second Node process and copies every message
between them: about 50 MB and a second of CPU per large environment. Here jsii starts
`jsii_channel.sh` as its Node and `jsii_kernel.js` as its runtime, which run the kernel itself
(both files say how), with `NODE_FLAGS`: the relay's `--preserve-symlinks`; V8's
`--single-threaded` (garbage collection and compilation on the main thread: less CPU in all and
less memory, where the synth processes of a large platform already keep every core busy); and a
fixed growth of the heap, 30% over what survives each full collection, where V8 otherwise grows
it up to fourfold when collections look cheap (the peak of an 8,000-resource stack then moved
between 190 and 300 MB from one run to the next, with a busy machine on the high side). jsii's
own relay stays in use when the user gives jsii a runtime (JSII_RUNTIME), when the installed
kernel does not talk on fd 3 as `KERNEL_CHANNEL` says, or when the shell script cannot run.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import ExitStack, contextmanager
from functools import cache
from importlib import resources
from pathlib import Path

from lakestack.environ import variable_set

SEMI_SPACE_OPTION = "--max-semi-space-size"
SEMI_SPACE_MB = 4
PRELOADS = tuple(Path(__file__).with_name(name)
                 for name in ("lazy_provider_index.js", "creation_stacks_off.js", "stable_stringify.js"))
CHANNEL_SCRIPT = Path(__file__).with_name("jsii_channel.sh")
KERNEL = Path(__file__).with_name("jsii_kernel.js")
# How jsii's kernel names its channel in lib/program.js: `jsii_kernel.js` relies on exactly this.
KERNEL_CHANNEL = b"readFD:3,writeFD:3"
KERNEL_FOLDER = "lib/"  # the kernel and the worker it starts, as jsii lays them out
KERNEL_PROGRAM = f"{KERNEL_FOLDER}program.js"
NODE_FLAGS = ("--preserve-symlinks", "--single-threaded", "--heap-growing-percent=30")


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


@contextmanager
def node_options_for_runtime(environ: MutableMapping[str, str] = os.environ) -> Iterator[None]:
    """Start the jsii runtime inside this block; every variable set for it is restored when it ends."""
    variables = {"NODE_OPTIONS": runtime_node_options(environ.get("NODE_OPTIONS", "")),
                 **single_process_runtime(environ)}
    with ExitStack() as stack:
        for name, value in variables.items():
            stack.enter_context(variable_set(name, value, environ))
        yield


def single_process_runtime(environ: MutableMapping[str, str]) -> dict[str, str]:
    """The variables that make jsii start its kernel without the relay, or none where it must keep the relay."""
    if os.name != "posix" or "JSII_RUNTIME" in environ or not os.access(CHANNEL_SCRIPT, os.X_OK):
        return {}  # a POSIX shell script, an executable one (a copy may have lost its mode): else jsii's relay
    program = kernel_program()
    if program is None:
        return {}
    variables = {"JSII_NODE": str(CHANNEL_SCRIPT), "JSII_RUNTIME": str(KERNEL), "LAKESTACK_JSII_PROGRAM": str(program),
                 "LAKESTACK_JSII_NODE_FLAGS": " ".join(NODE_FLAGS)}
    if "JSII_NODE" in environ:  # the user's Node runs the kernel
        variables["LAKESTACK_JSII_NODE"] = environ["JSII_NODE"]
    return variables


@cache
def kernel_program() -> Path | None:
    """Where this process wrote jsii's kernel, or None when it does not talk on `KERNEL_CHANNEL`."""
    return written_kernel(jsii_kernel_files())


def jsii_kernel_files() -> dict[str, bytes]:
    """jsii's own copy of its kernel and the worker it starts, by their paths in the folder jsii writes them to."""
    import jsii._embedded.jsii as embedded

    package = resources.files(embedded)
    return {target: package.joinpath(name).read_bytes()
            for name, target in embedded.EMBEDDED_FILES.items() if target.startswith(KERNEL_FOLDER)}


def written_kernel(files: Mapping[str, bytes]) -> Path | None:
    """`files` written to a folder removed at exit (as jsii does for its relay); the kernel's path in it."""
    if KERNEL_CHANNEL not in files.get(KERNEL_PROGRAM, b""):
        return None
    folder = Path(tempfile.mkdtemp(prefix="lakestack-jsii-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for target, text in files.items():
        (folder / target).parent.mkdir(parents=True, exist_ok=True)
        (folder / target).write_bytes(text)
    return folder / KERNEL_PROGRAM
