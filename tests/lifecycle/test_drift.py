"""The retraining decision: thresholds, streaks, both drift kinds, one version at a time; and its config."""

from __future__ import annotations

import pandas as pd
import pytest

from infra.config import PlatformConfig, load_config
from lakestack.errors import InputError
from lifecycle.monitoring import drift
from tests.configs import EXAMPLE

THRESHOLD = 0.2


def windows(*flags: tuple[bool, bool], version: str = "1", start: str = "2025-03-01") -> pd.DataFrame:
    """One row per window: (data drift violated, performance violated)."""
    return pd.DataFrame([{"window_start": pd.Timestamp(start) + pd.Timedelta(days=day), "model_version": version,
                          "data_drift": 0.3 if data else 0.05, "performance": 0.5 if perf else 0.9,
                          "data_drift_violated": data, "performance_violated": perf}
                         for day, (data, perf) in enumerate(flags)], columns=list(drift.REQUIRED_COLUMNS))


CALM, DRIFT, DROP = (False, False), (True, False), (False, True)


@pytest.mark.parametrize(("flags", "fires"), [
    ((CALM, DRIFT, DRIFT), True),     # two violating windows, two needed
    ((CALM, CALM, DRIFT), False),     # one is not enough
    ((DRIFT, DRIFT, CALM), False),    # a streak that has recovered does not count
    ((DRIFT, CALM, DRIFT), False),    # not consecutive
    ((CALM, DROP, DROP), True),       # a performance drop alone, with calm data
    ((CALM, DRIFT, DROP), True),      # either kind continues a streak
])
def test_a_current_streak_of_either_kind_retrains(flags: tuple, fires: bool) -> None:
    decision = drift.decide(windows(*flags), THRESHOLD, 2)
    assert decision.retrain is fires and decision.required_windows == 2


def test_the_causes_are_named() -> None:
    decision = drift.decide(windows(CALM, DROP, DROP), THRESHOLD, 2)
    assert decision.verdicts[0].causes == ("performance",)
    assert "version 1: 2 most recent window(s) violate (performance)" in decision.reason


def test_versions_are_judged_apart_and_only_served_ones_count() -> None:
    retired = windows(DRIFT, DRIFT, version="1")  # its streak ends before the latest window
    served_bad = windows(CALM, CALM, DROP, DROP, version="2")
    served_good = windows(CALM, CALM, CALM, CALM, version="3")
    mixed = pd.concat([retired, served_good])
    assert not drift.decide(mixed, THRESHOLD, 2).retrain  # v1's old streak never retrains a later model
    decision = drift.decide(pd.concat([served_good, served_bad]), THRESHOLD, 2)
    assert decision.retrain
    assert {v.version: v.streak for v in decision.verdicts} == {"2": 2, "3": 0}


def test_windows_are_ordered_by_time_not_by_row() -> None:
    assert drift.decide(windows(CALM, DRIFT, DRIFT).iloc[::-1], THRESHOLD, 2).retrain


def test_no_metrics_do_not_fire_and_a_wrong_shape_is_bad_input() -> None:
    empty = drift.decide(windows(), THRESHOLD, 1)
    assert not empty.retrain and empty.reason == "no monitor metrics yet"
    unknown = windows(DRIFT).assign(data_drift=None, performance=None)
    assert not drift.decide(unknown, THRESHOLD, 1).retrain
    with pytest.raises(InputError, match="missing: performance, data_drift_violated"):
        drift.decide(pd.DataFrame(columns=["window_start", "model_version", "data_drift", "performance_violated"]),
                     THRESHOLD, 1)


def test_model_settings_are_used(example_config: PlatformConfig) -> None:
    model = example_config.model("product_recommender")  # min_violating_windows 2
    assert not drift.check(model, windows(CALM, DRIFT)).retrain
    assert drift.check(model, windows(DRIFT, DRIFT)).retrain


@pytest.mark.parametrize(("line", "message"), [
    ("drift_metrics: {numeric: js_distance}", "the monitor leaves js_distance empty for numeric columns; "
                                              "use one of: ks_statistic, wasserstein_distance"),
    ("drift_metrics: {categorical: ks_statistic}", "the monitor leaves ks_statistic empty for categorical columns"),
    ("drift_metrics: {numeric: kl_divergence}", "unknown statistic 'kl_divergence'"),
    ("performance_metric: r2_score", "monitor.performance_metric 'r2_score' is not computed for classification"),
    ("performance_metric: auc", "'auc' is not a quality metric of the monitor"),
])
def test_the_config_refuses_statistics_the_monitor_does_not_fill(tmp_path, line: str, message: str) -> None:
    text = EXAMPLE.read_text().replace("      drift_threshold: 0.2\n", f"      drift_threshold: 0.2\n      {line}\n", 1)
    path = tmp_path / "platform.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        load_config(path)
    assert message in error.value.render()
    assert f"{path}:" in error.value.render()


def test_defaults_read_a_statistic_the_monitor_fills_for_each_type(example_config: PlatformConfig) -> None:
    for model in example_config.models:
        assert model.monitor.drift_metrics.numeric == "ks_statistic"   # DOUBLE features: filled by the monitor
        assert model.monitor.drift_metrics.categorical == "js_distance"
