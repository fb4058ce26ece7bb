"""The drift check: should the model be retrained, given the monitor's drift metrics?

Input: one row per (window, column) with a `drift_value` (the configured `monitor.drift_metric`),
read from the monitor's drift metrics table on Databricks (`sql.drift_query_sql`) or from a local
CSV/parquet file offline (`local_drift_metrics` computes one the same way).

Rule: a window *violates* when its largest column drift is strictly above `monitor.drift_threshold`.
Retraining fires when the `monitor.min_violating_windows` most recent windows all violate, that is,
a streak of violations that reaches the latest window. Consecutive-and-current rather than "N of
the last M": a spike that has already recovered does not retrain, and one noisy window does not
either when N > 1. Windows with no computable value are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from infra.config import ModelConfig
from lakestack.errors import InputError
from lifecycle.examples.generator import feature_names

REQUIRED_COLUMNS = ("window_start", "column_name", "drift_value")
HISTOGRAM_BINS = 10


@dataclass(frozen=True)
class DriftDecision:
    retrain: bool
    threshold: float
    required_windows: int
    streak: int
    window_scores: list[tuple[str, float]]  # (window start, largest column drift), oldest first
    reason: str


def window_scores(metrics: pd.DataFrame) -> pd.Series:
    """Largest drift over columns per window, ordered by window start."""
    missing = [c for c in REQUIRED_COLUMNS if c not in metrics.columns]
    if missing:
        raise InputError(f"drift metrics need columns {', '.join(REQUIRED_COLUMNS)}; missing: {', '.join(missing)}")
    values = metrics.dropna(subset=["drift_value"])
    return values.groupby(pd.to_datetime(values["window_start"]))["drift_value"].max().sort_index()


def decide(metrics: pd.DataFrame, threshold: float, min_windows: int) -> DriftDecision:
    scores = window_scores(metrics)
    streak = 0
    for score in reversed(scores.tolist()):
        if score <= threshold:
            break
        streak += 1
    listed = [(str(start.date() if start == start.normalize() else start), float(v)) for start, v in scores.items()]
    if scores.empty:
        reason = "no drift metrics yet"
    else:
        reason = (f"{streak} most recent window(s) above {threshold} (latest {scores.iloc[-1]:.3f}); "
                  f"{min_windows} needed")
    return DriftDecision(streak >= min_windows, threshold, min_windows, streak, listed, reason)


def check(model: ModelConfig, metrics: pd.DataFrame) -> DriftDecision:
    """`decide` with the model's monitor settings."""
    if model.monitor is None:
        raise InputError(f"model '{model.name}' has no monitor block; add monitor: {{drift_threshold: ...}}")
    return decide(metrics, model.monitor.drift_threshold, model.monitor.min_violating_windows)


def read_metrics(path: Path) -> pd.DataFrame:
    """A local drift metrics file (.csv or .parquet)."""
    if not path.is_file():
        raise InputError(f"{path}: drift metrics file not found")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def js_distance(baseline: np.ndarray, current: np.ndarray) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two samples over the baseline's deciles."""
    from scipy.spatial.distance import jensenshannon

    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, HISTOGRAM_BINS + 1)))
    if len(edges) < 2:  # a constant column (a flag that never fires): compare the values themselves
        edges = np.array([edges[0] - 0.5, edges[0] + 0.5])
    edges[0], edges[-1] = -np.inf, np.inf
    p, _ = np.histogram(baseline, edges)
    q, _ = np.histogram(current, edges)
    return float(jensenshannon(p, q, base=2))


def local_drift_metrics(model: ModelConfig, baseline: pd.DataFrame,
                        windows: list[tuple[pd.Timestamp, pd.DataFrame]]) -> pd.DataFrame:
    """Drift of each feature per window against a baseline, shaped like the monitor's drift table."""
    rows = [
        {"window_start": start, "column_name": name, "drift_type": "BASELINE",
         "drift_value": js_distance(baseline[name].to_numpy(), frame[name].to_numpy())}
        for start, frame in windows for name in feature_names(model)
    ]
    return pd.DataFrame(rows, columns=["window_start", "column_name", "drift_type", "drift_value"])
