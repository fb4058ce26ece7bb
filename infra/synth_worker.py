"""One environment's stacks, synthesized in a process of their own for a large platform (`infra.synth`).

Started as `python -O -P -m infra.synth_worker CONFIG ENV OUT`: CONFIG is the platform config the parent
validated, pickled (no YAML is read twice); the environment's stacks go to OUT; a failure is pickled to
OUT/`FAILURE` for the parent to raise as its own. `-O` turns off jsii's runtime type checks (see
`infra.synth`), `-P` keeps a folder named like one of lakestack's packages in the working directory
from being imported instead. A plain interpreter rather than a multiprocessing pool: a pool adds a
resource-tracker process and starts a replacement for every worker that finishes, about 30 MB of a
1,000-model synth's peak (docs/benchmark.md).
"""

from __future__ import annotations

import pickle
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

FAILURE = "failure.pickle"


def main(argv: Sequence[str]) -> int:
    config_file, environment, out = argv
    try:
        from infra.synth import synth_group

        synth_group(pickle.loads(Path(config_file).read_bytes()), [environment], Path(out))
    except BaseException as exc:  # every failure goes to the parent, which reports it as a serial synth would
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / FAILURE).write_bytes(picklable(exc))
        return 1
    return 0


def picklable(exc: BaseException) -> bytes:
    """`exc` pickled with the traceback of this process as a note (an exception that cannot be: a RuntimeError)."""
    note = "in the synth process of one environment:\n" + "".join(traceback.format_exception(exc)).rstrip()
    try:
        exc.add_note(note)
        return pickle.dumps(exc)
    except Exception:  # an exception type pickle cannot rebuild
        return pickle.dumps(RuntimeError(f"{type(exc).__name__}: {exc}\n{note}"))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
