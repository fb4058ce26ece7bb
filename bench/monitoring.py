"""`make bench-monitoring`: one monitoring pass over logged requests on local Spark + Delta, timed.

Seeds (untimed) the AI Gateway payload table of `product_recommender` in `prod` with `--requests`
requests of one record each over two weeks (example data, a fixed decision rule as the served model,
drift in the second week), the served-entities table and the ground truth of every request; then
runs one pass as the monitoring job does (`run_monitor`: unpack, label merge, the metric tables'
stand-in, the decision) and reports its wall time and the peak resident memory of the process and its
JVM, sampled every 50 ms. Writes `bench/out/monitoring.json`. Exit codes: 0 done, 2 bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/monitoring.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
ENV, MODEL = "prod", "product_recommender"
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
SAMPLE_SECONDS = 0.05


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        found += [int(child) for child in task.read_text().split()]
    return found


def tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants (here: Python and Spark's JVM)."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE_BYTES
            pending += _children(pid)
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return total


class PeakMemory(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.peak, self._done = 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(os.getpid()))
            self._done.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def seed(spark: Any, ctx: Any, requests: int) -> None:
    import numpy as np
    import pandas as pd

    from lifecycle.examples.generator import load_frame
    from lifecycle.monitoring import gateway

    env, model = ctx.env, ctx.model
    start = pd.Timestamp("2025-03-01")
    calm = load_frame(model, rows=requests // 2, seed=1, start=start, days=7)
    drifted = load_frame(model, rows=requests - requests // 2, drift=1.0, seed=2, start=start + pd.Timedelta(days=7),
                         days=7)
    frame = pd.concat([calm, drifted], ignore_index=True)
    first = model.features[0].name
    predictions = (frame[first] > frame[first].median()).astype(int)
    gateway.register_served_entity(spark, env, model, "bench-entity", "1")
    placed = gateway.log_requests(spark, env, model, frame, predictions, frame[model.timestamp_col].tolist(),
                                  served_entity_id="bench-entity")
    labels = placed.assign(**{model.label_col: np.asarray(frame[model.label_col], dtype="int64")})
    gateway.write_ground_truth(spark, env, model, labels, "request_id")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=100_000, help="logged requests to seed (default 100000)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out", help="where monitoring.json goes")
    args = parser.parse_args(argv)
    if args.requests < 2:
        parser.error("--requests must be at least 2")

    from infra.config import load_config
    from lifecycle.context import TaskContext
    from lifecycle.monitoring.monitor import run_monitor
    from lifecycle.spark import local_session

    config = load_config(ROOT / "infra" / "platform.yaml")
    ctx = TaskContext.resolve(config, ENV, MODEL, tracking_uri="sqlite:///unused.db")
    with tempfile.TemporaryDirectory(prefix="lakestack-bench-") as warehouse:
        spark = local_session(config, Path(warehouse), persistent=False)
        began = time.monotonic()
        seed(spark, ctx, args.requests)
        seeded = time.monotonic() - began
        print(f"seeded {args.requests} requests with labels in {seeded:.1f}s", flush=True)
        sampler = PeakMemory()
        sampler.start()
        began = time.monotonic()
        decision, lines = run_monitor(ctx, spark=spark, connect=lambda _env: None)
        seconds = time.monotonic() - began
        peak = sampler.stop()
        spark.stop()
    print("\n".join(lines))
    result = {"requests": args.requests, "pass_seconds": round(seconds, 2), "peak_rss_mb": round(peak / 2**20),
              "retrain": decision.retrain, "cpus": os.cpu_count()}
    print(f"one monitoring pass over {args.requests} logged requests: {seconds:.1f}s, "
          f"peak memory {peak / 2**20:.0f} MB (Python + JVM)")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "monitoring.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
