"""The benchmark's two outputs: a table for people and `results.json` for the record."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.runner import RowResult
from bench.targets import Slope, Target

RESULTS_VERSION = 2
KB = 1024
MB = 1024 * 1024
RATIOS = (
    ("cdktf CLI synth", "lakestack synth"),
    ("checkov", "lakestack audit"),
)


def ratios(results: Sequence[RowResult]) -> list[dict[str, Any]]:
    """How many times more CPU the tool a user would otherwise run takes, per size."""
    medians = {(r.size, r.command): r.median_cpu for r in results}
    out = []
    for size in dict.fromkeys(r.size for r in results):
        for other, ours in RATIOS:
            a, b = medians.get((size, other)), medians.get((size, ours))
            if a is not None and b:
                out.append({"size": size, "ratio": f"{other} / {ours}", "value": round(a / b, 2)})
    return out


def describe_findings(result: RowResult) -> str:
    f = result.findings
    if result.status != "ok":
        return f"{result.status}: {result.note}"
    if "unreadable" in f:
        return f["unreadable"]
    if "resources" in f:
        same = f.get("same_as_lakestack_synth")
        return f"{f['stacks']} stacks, {f['resources']} resources" + (
            "" if same is None else f", {'same' if same else 'DIFFERENT'} JSON as lakestack synth")
    if "by_severity" in f:
        detail = ", ".join(f"{n} {severity}" for severity, n in f["by_severity"].items())
        return f"{f['findings']} findings" + (f" ({detail})" if detail else "")
    if "risk_level" in f:
        return (f"risk {f['risk_level']}, {f['changes']} changes, {f['grant_changes']} grant changes, "
                f"{f['risks']} risks, {f['audit_findings_on_head']} audit findings on head")
    if "passed_checks" in f:
        return f"{f['passed_checks']} passed, {f['failed_checks']} failed checks"
    return ""


def _cell(value: float | int | None, scale: float = 1.0, digits: int = 2) -> str:
    return "-" if value is None else f"{value / scale:.{digits}f}"


def table(results: Sequence[RowResult]) -> str:
    header = ("size", "models", "command", "CPU s", "wall s", "min-max wall s", "peak MB", "JSON KB",
              "what it found")
    lines = [header]
    for r in results:
        spread = f"{min(x.seconds for x in r.runs):.2f}-{max(x.seconds for x in r.runs):.2f}" \
            if r.status == "ok" else "-"
        lines.append((r.size, str(r.models), r.command, _cell(r.median_cpu), _cell(r.median_seconds), spread,
                      _cell(r.peak_bytes, MB, 0), _cell(r.output_bytes, KB, 1), describe_findings(r)))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header) - 1)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(line[:-1], widths, strict=True)) + "  " + line[-1]
        for line in lines
    )


def summary(results: Sequence[RowResult], targets: Sequence[Target], slopes: Sequence[Slope]) -> str:
    parts = [table(results), ""]
    found = ratios(results)
    if found:
        parts.append("ratios (how many times more CPU):")
        parts += [f"  {r['size']:>7}: {r['ratio']} = {r['value']:.1f}x" for r in found]
    if slopes:
        parts.append("synth CPU per added model:")
        parts += [f"  {s.from_models} -> {s.to_models} models: {s.ms_per_model:.1f} ms" for s in slopes]
    parts.append("targets:")
    for t in targets:
        measured = "-" if t.measured is None else f"{t.measured:.{0 if t.unit == 'MB' else 2}f} {t.unit}"
        parts.append(f"  {t.status:<10} {t.name}: {measured} (at most {t.limit:g} {t.unit})"
                     + (f" [{t.note}]" if t.note else ""))
    return "\n".join(parts)


def results_document(results: Sequence[RowResult], targets: Sequence[Target], slopes: Sequence[Slope], *,
                     machine: dict[str, Any], runs: int, sizes: Sequence[str]) -> dict[str, Any]:
    return {
        "version": RESULTS_VERSION,
        "date": machine["date"],
        "machine": machine,
        "runs_per_command": runs,
        "sizes": list(sizes),
        "rows": [_row(r) for r in results],
        "ratios": ratios(results),
        "synth_ms_per_model": [asdict(s) for s in slopes],
        "targets": [{**asdict(t), "status": t.status} for t in targets],
    }


def _row(r: RowResult) -> dict[str, Any]:
    return {
        "size": r.size, "models": r.models, "command": r.command, "tool": r.tool,
        "status": r.status, "note": r.note,
        "median_seconds": r.median_seconds, "median_cpu_seconds": r.median_cpu, "peak_bytes": r.peak_bytes,
        "output_bytes": r.output_bytes,
        "runs": [asdict(run) for run in r.runs],
        "findings": r.findings,
    }


def write_results(path: Path, document: dict[str, Any]) -> None:
    """Written beside the target and renamed, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)
