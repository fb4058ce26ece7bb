"""The targets the kit has to meet and keep, judged from one benchmark run.

A PR check that takes minutes gets skipped, so the budget is set for a 2-core CI runner: the
shipped example end to end in seconds, audit and review of a 200-model platform each under a
second, synth cost per added model in milliseconds, memory well inside a small runner.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from bench.configs import EXAMPLE_SIZE
from bench.runner import RowResult

LARGE_MODELS = 200
MB = 1024 * 1024


@dataclass(frozen=True)
class Target:
    name: str
    limit: float
    unit: str
    measured: float | None
    note: str = ""

    @property
    def status(self) -> str:
        if self.measured is None:
            return "UNMEASURED"
        return "PASS" if self.measured < self.limit else "MISS"


@dataclass(frozen=True)
class Slope:
    """Marginal synth cost between two sizes."""

    from_models: int
    to_models: int
    ms_per_model: float


def _median(results: Sequence[RowResult], command: str, size: str) -> float | None:
    return next((r.median_seconds for r in results if r.command == command and r.size == size), None)


def synth_slopes(results: Sequence[RowResult]) -> list[Slope]:
    """ms per added model between consecutive generated sizes (the shipped example is not on that scale)."""
    points = sorted(
        (r.models, r.median_seconds) for r in results
        if r.command == "lakestack synth" and r.size != EXAMPLE_SIZE and r.median_seconds is not None
    )
    return [
        Slope(a, b, (tb - ta) / (b - a) * 1000)
        for (a, ta), (b, tb) in itertools.pairwise(points) if b > a
    ]


def example_total(results: Sequence[RowResult]) -> Target:
    commands = ("lakestack synth", "lakestack audit", "lakestack review")
    parts = {command: _median(results, command, EXAMPLE_SIZE) for command in commands}
    missing = [c for c, seconds in parts.items() if seconds is None]
    measured = None if missing else sum(s for s in parts.values() if s is not None)
    note = f"not measured: {', '.join(missing)}" if missing else " + ".join(f"{s:.2f}" for s in parts.values()
                                                                              if s is not None)
    return Target("shipped example: synth + audit + review", 6.0, "s", measured, note)


def large_command(results: Sequence[RowResult], command: str) -> Target:
    return Target(f"{command.split()[-1]} of {LARGE_MODELS} models x 3 environments", 1.0, "s",
                  _median(results, command, str(LARGE_MODELS)))


def slope_target(slopes: Sequence[Slope]) -> Target:
    """Judged between the two largest sizes, where a superlinear cost would show."""
    if not slopes:
        return Target("synth cost per added model", 50.0, "ms", None, "needs two generated sizes")
    last = slopes[-1]
    return Target("synth cost per added model", 50.0, "ms", last.ms_per_model,
                  f"between {last.from_models} and {last.to_models} models")


def memory_target(results: Sequence[RowResult]) -> Target:
    peaks = [r.peak_bytes for r in results
             if r.tool == "lakestack" and r.size == str(LARGE_MODELS) and r.peak_bytes is not None]
    return Target(f"peak memory at {LARGE_MODELS} models (any lakestack command)", 600.0, "MB",
                  max(peaks) / MB if peaks else None)


def evaluate(results: Sequence[RowResult]) -> tuple[list[Target], list[Slope]]:
    slopes = synth_slopes(results)
    targets = [
        example_total(results),
        large_command(results, "lakestack audit"),
        large_command(results, "lakestack review"),
        slope_target(slopes),
        memory_target(results),
    ]
    return targets, slopes
