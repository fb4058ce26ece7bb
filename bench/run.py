"""`make bench`: what synth, audit and review cost as a platform grows, beside the tools users would otherwise run.

Each command is measured as a whole process (wall clock, peak memory of its process group,
bytes of JSON produced), median of `--runs` runs, on generated platforms of `--sizes` models
(`example` is the shipped `infra/platform.yaml`). Prints a table, the ratios and the targets, and
writes `<out>/results.json`. Exit codes: 0 done, 1 a lakestack command failed (or, with
`--check`, a target was missed), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/run.py`: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import machine
from bench.commands import ROWS
from bench.configs import EXAMPLE_SIZE, ROOT
from bench.report import results_document, summary, write_results
from bench.runner import measure_size
from bench.targets import evaluate
from bench.toolchain import discover

DEFAULT_SIZES = f"{EXAMPLE_SIZE},1,10,50,200"
DEFAULT_OUT = ROOT / "bench" / "out"


def parse_sizes(text: str) -> list[str]:
    sizes = [part.strip() for part in text.split(",") if part.strip()]
    for size in sizes:
        if size != EXAMPLE_SIZE and not (size.isdigit() and int(size) > 0):
            raise argparse.ArgumentTypeError(
                f"size '{size}' is neither a model count (a positive integer) nor '{EXAMPLE_SIZE}'; "
                f"for example --sizes {DEFAULT_SIZES}"
            )
    if not sizes:
        raise argparse.ArgumentTypeError(f"no sizes given; for example --sizes {DEFAULT_SIZES}")
    return list(dict.fromkeys(sizes))


def positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a positive number of runs")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(DEFAULT_SIZES), metavar="LIST",
                        help=f"model counts to generate, comma-separated ('{EXAMPLE_SIZE}': the shipped config; "
                             f"default: {DEFAULT_SIZES})")
    parser.add_argument("--runs", type=positive, default=3, metavar="N", help="runs per command (median; default 3)")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the cdktf CLI and checkov rows (no npm or checkov install needed)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="work folder for configs, synths, logs and results.json (default: bench/out)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    tools = discover(compare=not args.no_compare, log_folder=work)
    for tool, reason in tools.missing.items():
        print(f"{tool}: {reason}", flush=True)
    rows = tuple(row for row in ROWS if not (args.no_compare and row.comparison))
    results = []
    for size in args.sizes:
        results += measure_size(size, tools, work, args.runs, rows)
    targets, slopes = evaluate(results)
    print()
    print(summary(results, targets, slopes))
    details = machine.describe(machine.tool_versions(tools.cdktf, tools.checkov))
    document = results_document(results, targets, slopes, machine=details, runs=args.runs, sizes=args.sizes)
    write_results(work / "results.json", document)
    print(f"\nmachine: {details['cpu_model']}, {details['cores']} cores, python {details['python']}, "
          f"node {details['node']}, load {details['load_average_1m']}\nresults: {work / 'results.json'}")
    failed = [r for r in results if r.tool == "lakestack" and r.status == "failed"]
    missed = [t for t in targets if t.status == "MISS"]
    return 1 if failed or (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
