"""The targets the kit has to meet and keep, judged from one benchmark run.

Set for a 2-core CI runner. Time limits are on CPU seconds (stable when other work shares the
machine) or on ratios measured in the same run (the audit and the review against the floor, a
process that only loads the same JSON), except synth's wall clock at the largest size, which is
what parallel synth exists for. A target whose size was not measured (`--quick`) is UNMEASURED,
never a miss.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from bench.commands import FLOOR_AUDIT, FLOOR_REVIEW
from bench.configs import EXAMPLE_SIZE
from bench.runner import RowResult

LARGE_MODELS = 1000
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
        return "PASS" if self.measured <= self.limit else "MISS"


@dataclass(frozen=True)
class Slope:
    """Marginal synth CPU cost between two sizes."""

    from_models: int
    to_models: int
    ms_per_model: float


def _row(results: Sequence[RowResult], command: str, size: str) -> RowResult | None:
    return next((r for r in results if r.command == command and r.size == size and r.status == "ok"), None)


def _cpu(results: Sequence[RowResult], command: str, size: str) -> float | None:
    row = _row(results, command, size)
    return row.median_cpu if row else None


def synth_slopes(results: Sequence[RowResult]) -> list[Slope]:
    """CPU ms per added model between consecutive generated sizes (the shipped example is not on that scale)."""
    points = sorted(
        (r.models, r.median_cpu) for r in results
        if r.command == "lakestack synth" and r.size != EXAMPLE_SIZE and r.median_cpu is not None
    )
    return [Slope(a, b, (tb - ta) / (b - a) * 1000) for (a, ta), (b, tb) in itertools.pairwise(points) if b > a]


def cpu_target(results: Sequence[RowResult], command: str, size: str, limit: float, label: str) -> Target:
    return Target(f"{label} CPU", limit, "s", _cpu(results, command, size))


def floor_ratio(results: Sequence[RowResult], command: str, floor: str, size: str, label: str) -> Target:
    ours, base = _cpu(results, command, size), _cpu(results, floor, size)
    measured = ours / base if ours is not None and base else None
    note = f"{ours:.2f} s / {base:.2f} s" if measured is not None else ""
    return Target(f"{label} / floor ({floor.removeprefix('floor: ')})", 5.0, "x", measured, note)


def large_synth_wall(results: Sequence[RowResult]) -> Target:
    row = _row(results, "lakestack synth", str(LARGE_MODELS))
    return Target(f"synth of {LARGE_MODELS} models wall clock", 30.0, "s", row.median_seconds if row else None)


def large_synth_memory(results: Sequence[RowResult]) -> Target:
    row = _row(results, "lakestack synth", str(LARGE_MODELS))
    peak = row.peak_bytes if row else None
    return Target(f"synth of {LARGE_MODELS} models peak memory (process group)", 600.0, "MB",
                  peak / MB if peak is not None else None)


def evaluate(results: Sequence[RowResult]) -> tuple[list[Target], list[Slope]]:
    large = str(LARGE_MODELS)
    targets = [
        cpu_target(results, "lakestack synth", EXAMPLE_SIZE, 2.0, "shipped example synth"),
        large_synth_wall(results),
        large_synth_memory(results),
        cpu_target(results, "lakestack audit", large, 1.2, f"audit of {large} models"),
        floor_ratio(results, "lakestack audit", FLOOR_AUDIT, large, f"audit of {large} models"),
        cpu_target(results, "lakestack review", large, 2.0, f"review of {large} models"),
        floor_ratio(results, "lakestack review", FLOOR_REVIEW, large, f"review of {large} models"),
    ]
    return targets, synth_slopes(results)
