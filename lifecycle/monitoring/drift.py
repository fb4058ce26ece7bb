"""The retraining decision: data drift and model-performance drift, per served model version.

Input: the rows of `tables.monitor_windows_sql`, one per window and model version, with the largest
data drift of any column (the statistic the monitor fills for the column's type), the watched quality
metric, and whether each violates (`data_drift_violated`, `performance_violated`). The SQL alert reads
the same rows, so the two cannot disagree on what a violation is.

Rule: a window *violates* when its data drift is strictly above `monitor.drift_threshold` or its
performance is worse than the performance rule allows. Only versions served in the latest window count
(a retired version's old streak does not retrain), and each version is judged on its own windows:
versions are never mixed. Retraining fires when, for some such version, its
`monitor.min_violating_windows` most recent windows all violate: a streak that reaches the latest
window. Consecutive-and-current rather than "N of the last M": a spike that has already recovered does
not retrain, and one noisy window does not either when N > 1. Windows with neither value are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from infra.config import ModelConfig
from lakestack.errors import InputError

REQUIRED_COLUMNS = ("window_start", "model_version", "data_drift", "performance", "data_drift_violated",
                    "performance_violated")


@dataclass(frozen=True)
class VersionVerdict:
    version: str
    streak: int
    causes: tuple[str, ...]  # "data drift" and/or "performance" within the streak
    latest_drift: float | None
    latest_performance: float | None


@dataclass(frozen=True)
class DriftDecision:
    retrain: bool
    threshold: float
    required_windows: int
    verdicts: list[VersionVerdict] = field(default_factory=list)
    reason: str = ""

    @property
    def streak(self) -> int:
        return max((v.streak for v in self.verdicts), default=0)


def _verdict(version: str, windows: pd.DataFrame) -> VersionVerdict:
    streak, causes = 0, set()
    for row in windows.sort_values("window_start", ascending=False).itertuples():
        if not (row.data_drift_violated or row.performance_violated):
            break
        streak += 1
        causes |= {"data drift"} if row.data_drift_violated else set()
        causes |= {"performance"} if row.performance_violated else set()
    latest = windows.sort_values("window_start").iloc[-1]
    return VersionVerdict(version, streak, tuple(sorted(causes)), _value(latest["data_drift"]),
                          _value(latest["performance"]))


def _value(value: Any) -> float | None:
    return None if pd.isna(value) else float(value)


def decide(windows: pd.DataFrame, threshold: float, min_windows: int) -> DriftDecision:
    missing = [c for c in REQUIRED_COLUMNS if c not in windows.columns]
    if missing:
        raise InputError(f"monitor windows need columns {', '.join(REQUIRED_COLUMNS)}; missing: {', '.join(missing)}")
    known = windows.dropna(subset=["data_drift", "performance"], how="all").copy()
    if known.empty:
        return DriftDecision(False, threshold, min_windows, [], "no monitor metrics yet")
    known["window_start"] = pd.to_datetime(known["window_start"])
    latest = known["window_start"].max()
    served = sorted(known.loc[known["window_start"] == latest, "model_version"].dropna().astype(str).unique())
    verdicts = [_verdict(v, known[known["model_version"].astype(str) == v]) for v in served]
    firing = [v for v in verdicts if v.streak >= min_windows]
    reason = "; ".join(
        f"version {v.version}: {v.streak} most recent window(s) violate"
        + (f" ({', '.join(v.causes)})" if v.causes else "")
        + f", latest drift {_shown(v.latest_drift)}, performance {_shown(v.latest_performance)}"
        for v in verdicts) + f"; {min_windows} needed"
    return DriftDecision(bool(firing), threshold, min_windows, verdicts, reason)


def _shown(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def check(model: ModelConfig, windows: pd.DataFrame) -> DriftDecision:
    """`decide` with the model's monitor settings."""
    if model.monitor is None:
        raise InputError(f"model '{model.name}' has no monitor block; add monitor: {{drift_threshold: ...}}")
    return decide(windows, model.monitor.drift_threshold, model.monitor.min_violating_windows)
