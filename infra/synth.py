"""Synthesize every stack into `cdktf.out`, all or nothing, and never over a folder lakestack did not write.

CDKTF writes stack by stack; a failure halfway would leave a mix of old and new JSON that the
audit and review would then trust. We synthesize into a fresh sibling folder and swap it in
only when every stack is written. The folder swapped out is deleted only when it is a synth
output: a `.lakestack-synth` marker beside CDKTF's `manifest.json`, or (written by the cdktf CLI
or an older lakestack) nothing but `manifest.json` and `stacks/`. Any other existing `--out`,
`.` included, is refused before anything is written. Temporary folders get unique names, so
leftovers of an interrupted run (`.<out>.old`, staging folders) never block a synth and are
never deleted unless they are synth outputs themselves.

Large platforms are synthesized in parallel processes, one per environment (its `<env>` and
`<env>-account` stacks): an environment reads what it needs of another from that environment's
account stack outputs, never from its stack objects (`infra.stacks.environment.PeerAccounts`).
Each process pays jsii's start-up (about 1 s of CPU), so this pays off only above
`PARALLEL_MIN_MODELS`; the stacks' JSON is byte for byte what one process writes, and the
manifest is merged in the toolkit's own format. `jobs` caps the processes running at once
(default: the cores, `default_jobs`): each holds a jsii runtime with every object of its
environment (about 250 MB for an environment of 8,000 resources), so `jobs=1` trades wall clock
for memory.

The worker processes (`infra.synth_worker`) run without jsii's runtime type checks (`python -O`:
the provider bindings check every argument with typeguard under `__debug__`, about half of the
Python time of a large synth). The same constructs are type-checked statically (mypy against the
same classes, `make typecheck`), and every serial synth, the tests' included, still runs with the
checks.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from infra.cdk_engine import selected_engine
from infra.config.model import PlatformConfig
from infra.stacks.names import account_stack_name, stack_names
from infra.synth_worker import FAILURE
from lakestack.errors import InputError
from lakestack.progress import Progress, no_progress

DEFAULT_OUT = Path("cdktf.out")
MARKER = ".lakestack-synth"
MANIFEST = "manifest.json"
SYNTH_ENTRIES = {MANIFEST, "stacks", MARKER}
WORKER = (sys.executable, "-O", "-P", "-m", "infra.synth_worker")  # infra/synth_worker.py says why each flag
PARALLEL_MIN_MODELS = 100  # below this, one process is faster (docs/benchmark.md)


def synth(config: PlatformConfig, out: Path = DEFAULT_OUT, *, parallel: bool | None = None,
          jobs: int | None = None, progress: Progress = no_progress) -> list[Path]:
    """Write `<out>/stacks/<stack>/cdk.tf.json` for every stack; return the files written.

    `parallel=None` chooses (`in_processes`); `jobs`: at most that many processes at once (default: `default_jobs`).
    """
    out = Path(out).resolve()
    check_out(out)
    environments = [env.name for env in config.envs()]
    cores = os.cpu_count() or 1
    workers = min(len(environments), jobs or default_jobs(cores))
    if parallel is None:
        parallel = in_processes(len(config.models), cores, jobs)
    staging = _make_staging(out)
    try:
        if parallel and len(environments) > 1:
            progress(f"synthesizing {len(environments)} environments in {workers} parallel processes")
            _synth_parallel(config, environments, staging, workers)
        else:
            synth_group(config, None, staging, progress)
        (staging / MARKER).write_text("written by lakestack synth; safe to replace\n", encoding="utf-8")
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.glob("stacks/*/cdk.tf.json"))


def in_processes(models: int, cores: int, jobs: int | None) -> bool:
    """One process per environment for platforms of `PARALLEL_MIN_MODELS` models or more, on more than one core
    or when `jobs` is asked for: `jobs=1` then synthesizes one environment at a time, each process holding only
    its own objects (one process for the whole platform would hold them all)."""
    return models >= PARALLEL_MIN_MODELS and (cores > 1 or jobs is not None)


def default_jobs(cores: int) -> int:
    """One process per core. One more overlapped a small environment with the large ones, but with the runtime's
    CPU cut that no longer bought wall clock (1,000 models on 2 cores: 16-20 s either way), and it had three
    environments' objects in memory at once (590 MB against 500-516 MB; docs/benchmark.md). Environments start
    in the config's order: in the example's, the small dev overlaps staging, and prod starts when dev is done, so
    the two large ones do not reach their peaks together."""
    return max(cores, 1)


def is_synth_output(folder: Path) -> bool:
    """Whether `folder` is a synth output (ours by its marker, or a bare CDKTF one), so replacing it loses nothing."""
    if (folder / MARKER).is_file() and (folder / MANIFEST).is_file():
        return True
    try:
        entries = {entry.name for entry in folder.iterdir()}
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return entries <= SYNTH_ENTRIES and isinstance(manifest, dict) and isinstance(manifest.get("stacks"), dict)


def check_out(out: Path) -> None:
    """Refuse an `--out` whose contents lakestack did not write: nothing there is deleted."""
    if not out.exists() and not out.is_symlink():
        return
    if out.is_symlink() or not out.is_dir():
        raise InputError(f"{out}: --out exists and is not a folder; give a new folder or a previous synth output")
    if out == Path(out.anchor) or (any(out.iterdir()) and not is_synth_output(out)):
        raise InputError(f"{out}: --out is an existing folder that is not a synth output (no {MANIFEST} and "
                         f"{MARKER}); nothing was written or deleted: give a new or empty folder")


def _make_staging(out: Path) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".staging", dir=out.parent))
    except OSError as exc:
        raise InputError(f"{out.parent}: cannot write the synth output there ({exc.strerror})") from None


def _swap_in(new: Path, out: Path) -> None:
    if not out.exists():
        new.rename(out)
        return
    old = out.with_name(f".{out.name}.old.{uuid.uuid4().hex[:12]}")
    out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def synth_group(config: PlatformConfig, environments: Collection[str] | None, outdir: Path,
                progress: Progress = no_progress) -> None:
    """The stacks of `environments` (all when None) into `outdir`, by CDKTF in this process."""
    progress("starting CDKTF and the Databricks provider (jsii, Node)")
    from infra.app import build_app  # jsii start-up is paid only when synthesizing

    app = build_app(config, outdir=str(outdir), progress=progress, environments=environments)
    progress("writing Terraform JSON")
    app.synth()


def _synth_parallel(config: PlatformConfig, environments: list[str], staging: Path, workers: int) -> None:
    parts = [staging / f"part-{i}" for i in range(len(environments))]
    config_file = staging / "config.pickle"
    config_file.write_bytes(pickle.dumps(config))
    # One fresh process per environment: a jsii runtime keeps every object it created until it exits.
    with ThreadPoolExecutor(workers) as pool:
        failures = list(pool.map(partial(run_worker, config_file), environments, parts))
    config_file.unlink()
    for failure in failures:
        if failure is not None:
            raise failure
    manifests = [json.loads((part / MANIFEST).read_text(encoding="utf-8")) for part in parts]
    (staging / "stacks").mkdir()
    owned: dict[str, object] = {}
    for env, part, manifest in zip(environments, parts, manifests, strict=True):
        for stack in (env, account_stack_name(config.env(env))):  # others' account stacks: built as dependencies
            (part / "stacks" / stack).rename(staging / "stacks" / stack)
            owned[stack] = manifest["stacks"][stack]
        shutil.rmtree(part)
    merged = {**manifests[0], "stacks": {name: owned[name] for name in stack_names(config)}}
    (staging / MANIFEST).write_text(selected_engine().manifest_text(merged), encoding="utf-8")


def run_worker(config_file: Path, environment: str, out: Path) -> BaseException | None:
    """Synthesize `environment` in a worker process; what it failed with (None when it wrote its stacks)."""
    done = subprocess.run([*WORKER, str(config_file), environment, str(out)], check=False)
    if done.returncode == 0:
        return None
    failure = out / FAILURE
    if failure.is_file():  # written by the worker, an exception pickled (infra.synth_worker.picklable)
        reported: BaseException = pickle.loads(failure.read_bytes())
        return reported
    ending = f"was stopped by signal {-done.returncode}" if done.returncode < 0 else f"exited with {done.returncode}"
    return RuntimeError(f"the synth process of environment {environment} {ending} without saying why")
