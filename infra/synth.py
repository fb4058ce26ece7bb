"""Synthesize every stack into `cdktf.out`, all or nothing.

CDKTF writes stack by stack; a failure halfway would leave a mix of old and new JSON that the
audit and review would then trust. We synthesize into a fresh sibling folder and swap it in
only when every stack is written.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from infra.config.model import PlatformConfig
from lakestack.progress import Progress, no_progress

DEFAULT_OUT = Path("cdktf.out")


def synth(config: PlatformConfig, out: Path = DEFAULT_OUT, progress: Progress = no_progress) -> list[Path]:
    """Write `<out>/stacks/<stack>/cdk.tf.json` for every stack; return the files written."""
    progress("starting CDKTF and the Databricks provider (jsii, Node)")
    from infra.app import build_app  # jsii start-up is paid only when synthesizing

    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        app = build_app(config, outdir=str(staging), progress=progress)
        progress("writing Terraform JSON")
        app.synth()
        _swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(out.glob("stacks/*/cdk.tf.json"))


def _swap_in(new: Path, out: Path) -> None:
    old = out.with_name(f".{out.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    new.rename(out)
    shutil.rmtree(old, ignore_errors=True)
