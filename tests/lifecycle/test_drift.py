"""The drift check fires only past the threshold and only on enough recent violating windows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lifecycle.examples import generator as data
from lifecycle.monitoring import drift

THRESHOLD = 0.2


def metrics(*window_maxima: float) -> pd.DataFrame:
    """Two columns per window; the second carries the window's largest drift."""
    rows = []
    for day, value in enumerate(window_maxima):
        start = pd.Timestamp("2025-03-01") + pd.Timedelta(days=day)
        rows += [{"window_start": start, "column_name": "a", "drift_value": value / 2},
                 {"window_start": start, "column_name": "b", "drift_value": value}]
    return pd.DataFrame(rows, columns=list(drift.REQUIRED_COLUMNS))


@pytest.mark.parametrize(("value", "fires"), [(0.2, False), (0.2001, True), (0.1999, False)])
def test_threshold_is_strict(value: float, fires: bool) -> None:
    assert drift.decide(metrics(0.05, value), THRESHOLD, 1).retrain is fires


@pytest.mark.parametrize(("maxima", "fires"), [
    ((0.05, 0.3, 0.3), True),         # two violating windows, two needed
    ((0.05, 0.05, 0.3), False),       # one is not enough
    ((0.3, 0.3, 0.05), False),        # a streak that has recovered does not count
    ((0.3, 0.05, 0.3), False),        # not consecutive
    ((0.3, 0.3, 0.3), True),
])
def test_window_count_needs_a_current_streak(maxima: tuple[float, ...], fires: bool) -> None:
    decision = drift.decide(metrics(*maxima), THRESHOLD, 2)
    assert decision.retrain is fires
    assert decision.required_windows == 2


def test_windows_are_ordered_by_time_not_by_row() -> None:
    shuffled = metrics(0.05, 0.3, 0.3).iloc[::-1]
    assert drift.decide(shuffled, THRESHOLD, 2).retrain


def test_missing_values_and_no_windows_do_not_fire() -> None:
    with_gaps = metrics(0.3, 0.3)
    with_gaps.loc[with_gaps["column_name"] == "b", "drift_value"] = np.nan
    assert not drift.decide(with_gaps, THRESHOLD, 1).retrain  # column a carries 0.15
    empty = drift.decide(metrics(), THRESHOLD, 1)
    assert not empty.retrain and empty.reason == "no drift metrics yet"


def test_model_settings_are_used(example_config: PlatformConfig) -> None:
    model = example_config.model("product_recommender")  # drift_threshold 0.2, min_violating_windows 2
    assert not drift.check(model, metrics(0.05, 0.25)).retrain
    assert drift.check(model, metrics(0.25, 0.25)).retrain


def test_bad_metrics_files_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        drift.read_metrics(tmp_path / "absent.csv")
    path = tmp_path / "metrics.csv"
    pd.DataFrame({"window_start": ["2025-03-01"], "value": [0.1]}).to_csv(path, index=False)
    with pytest.raises(InputError, match="missing: column_name, drift_value"):
        drift.decide(drift.read_metrics(path), THRESHOLD, 1)


def test_local_drift_metrics_see_simulated_drift(example_config: PlatformConfig) -> None:
    model = example_config.model("price_elasticity")
    baseline = data.load_frame(model)
    windows = [(pd.Timestamp("2025-03-01"), data.load_frame(model, rows=500, seed=7)),
               (pd.Timestamp("2025-03-02"), data.load_frame(model, rows=500, seed=8, drift=1.0))]
    table = drift.local_drift_metrics(model, baseline, windows)
    assert set(table["column_name"]) == set(data.feature_names(model))
    calm, drifted = drift.window_scores(table).tolist()
    assert calm < 0.15 < drifted
    assert drift.js_distance(baseline["promo_depth"].to_numpy(), baseline["promo_depth"].to_numpy()) == 0.0
