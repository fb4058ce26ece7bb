"""The promotion rule itself, on both sides of every boundary, for both metric directions."""

from __future__ import annotations

import pytest

from lifecycle.validation.validate import Validation, judge


def case(value: float | None, champion: float | None, *, higher: bool = True, threshold: float | None = None,
         min_improvement: float = 0.0) -> Validation:
    return judge(Validation("c.ml.m", "2", "1" if champion is not None else None, "enabled", "metric", higher,
                            threshold, min_improvement, candidate_value=value, champion_value=champion))


@pytest.mark.parametrize(("value", "passed"), [(0.6, True), (0.5999, False), (0.61, True)])
def test_threshold_higher_is_better(value: float, passed: bool) -> None:
    assert case(value, None, threshold=0.6).passed is passed


@pytest.mark.parametrize(("value", "passed"), [(2.0, True), (2.0001, False), (1.5, True)])
def test_threshold_lower_is_better(value: float, passed: bool) -> None:
    assert case(value, None, higher=False, threshold=2.0).passed is passed


@pytest.mark.parametrize(("value", "passed"), [(0.80, True), (0.7999, False), (0.9, True)])
def test_not_worse_than_champion_when_min_improvement_is_zero(value: float, passed: bool) -> None:
    assert case(value, 0.80).passed is passed


@pytest.mark.parametrize(("value", "passed"), [(0.85, True), (0.8499, False)])
def test_min_improvement_higher_is_better(value: float, passed: bool) -> None:
    assert case(value, 0.80, min_improvement=0.05).passed is passed


@pytest.mark.parametrize(("value", "passed"), [(0.9, True), (0.9001, False), (1.2, False)])
def test_min_improvement_lower_is_better(value: float, passed: bool) -> None:
    assert case(value, 1.0, higher=False, min_improvement=0.1).passed is passed


def test_threshold_applies_even_when_champion_is_worse() -> None:
    result = case(0.55, 0.40, threshold=0.6)
    assert result.passed is False and "threshold" in result.reason


def test_metric_that_could_not_be_computed_rejects() -> None:
    result = case(None, 0.8)
    assert result.passed is False and "could not be computed" in result.reason


def test_first_version_needs_only_the_threshold() -> None:
    result = case(0.7, None, threshold=0.6)
    assert result.passed is True and "no champion" in result.reason
