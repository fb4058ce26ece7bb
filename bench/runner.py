"""Run every row of the command table on every platform size, N times each, and keep what was measured.

With `warmup`, each row first runs once unmeasured (page cache, bytecode, jsii's unpacked
assemblies): the first size of a run warms every row up, so no figure pays for a cold start.
"""

from __future__ import annotations

import shutil
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.commands import ROWS, Case, Row
from bench.configs import write_pair
from bench.measure import Run, run_measured
from bench.toolchain import ROOT, Toolchain

RUN_TIMEOUT = 600.0


@dataclass
class RowResult:
    """One row at one size: every run, and what the last run produced and found."""

    size: str
    models: int
    command: str
    tool: str
    status: str = "ok"  # ok | failed | skipped
    note: str = ""
    runs: list[Run] = field(default_factory=list)
    output_bytes: int | None = None
    findings: dict[str, Any] = field(default_factory=dict)

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.status == "ok" else None

    @property
    def median_cpu(self) -> float | None:
        return statistics.median(r.cpu_seconds for r in self.runs) if self.status == "ok" else None

    @property
    def peak_bytes(self) -> int | None:
        return max(r.peak_bytes for r in self.runs) if self.status == "ok" else None


def skip_reason(row: Row, tools: Toolchain, case: Case) -> str | None:
    """Why `row` cannot run here (a tool missing, a subcommand not built yet, an input not written)."""
    if row.subcommand and row.subcommand not in tools.subcommands:
        return f"`lakestack {row.subcommand}` is not available in this checkout"
    if row.tool in tools.missing:
        return tools.missing[row.tool]
    for needed in row.needs:
        if not (getattr(case, needed) / "stacks").is_dir():
            return f"needs {needed.replace('_', ' ')}, which was not produced"
    return None


def measure_row(row: Row, tools: Toolchain, case: Case, runs: int, warmup: bool = False) -> RowResult:
    result = RowResult(case.pair.size, case.pair.models, row.name, row.tool)
    reason = skip_reason(row, tools, case)
    if reason:
        result.status, result.note = "skipped", reason
        return result
    stdout, stderr = case.log(row.name, "stdout"), case.log(row.name, "stderr")
    stdout.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(runs + (1 if warmup else 0)):
        run = run_measured(row.argv(tools, case), cwd=ROOT, env=tools.env(**row.env(case)), stdout=stdout,
                           stderr=stderr, timeout=RUN_TIMEOUT)
        if not (warmup and attempt == 0) or run.timed_out or run.exit_code not in row.ok_exit_codes:
            result.runs.append(run)
        if run.timed_out or run.exit_code not in row.ok_exit_codes:
            result.status = "failed"
            result.note = _failure_note(run, stderr)
            return result
    result.output_bytes = row.output(case, stdout)
    result.findings = row.findings(case, stdout)
    return result


def _failure_note(run: Run, stderr: Path) -> str:
    if run.timed_out:
        return f"timed out after {RUN_TIMEOUT:.0f} s"
    lines = [line for line in stderr.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return f"exit {run.exit_code}: {lines[-1].strip()[:200] if lines else 'no error output'} (log: {stderr})"


def prepare_head_synth(tools: Toolchain, case: Case) -> None:
    """The pull request's synth, which the review compares with the base (prepared, not measured)."""
    if "review" not in tools.subcommands:
        return
    argv = [*tools.lakestack, "synth", "--config", str(case.pair.head), "--out", str(case.synth_head)]
    run_measured(argv, cwd=ROOT, env=tools.env(), stdout=case.log("head synth", "stdout"),
                 stderr=case.log("head synth", "stderr"), timeout=RUN_TIMEOUT)


def measure_size(size: str, tools: Toolchain, work: Path, runs: int, rows: tuple[Row, ...] = ROWS,
                 warmup: bool = False) -> list[RowResult]:
    """Every row for one platform size, in table order (later rows read what the synth row wrote)."""
    folder = work / size
    shutil.rmtree(folder, ignore_errors=True)  # never measure a stale synth of an earlier run
    case = Case(write_pair(work, size), folder)
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    prepare_head_synth(tools, case)
    results = []
    for row in rows:
        print(f"  size {size}: {row.name} ...", flush=True)
        results.append(measure_row(row, tools, case, runs, warmup))
    return results
