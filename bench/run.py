"""`make bench`: what synth, audit and review cost as a platform grows, beside the tools users would otherwise run.

Each command is measured as a whole process (CPU seconds, wall clock, peak memory of its process
group, bytes of JSON produced), median of `--runs` runs after one warm-up run, on generated
platforms of `--sizes` models (`example` is the shipped `infra/platform.yaml`), beside the floor
(a process that only loads the same JSON) and the peers (the cdktf CLI, checkov). Prints a table,
the ratios, the targets and the machine's load, and writes `<out>/results.json`. Exit codes: 0
done, 1 a lakestack command failed (or, with `--check`, a target was missed), 2 bad arguments.
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

DEFAULT_SIZES = f"{EXAMPLE_SIZE},1,50,200,1000"
QUICK_SIZES = f"{EXAMPLE_SIZE},1"
LARGE_SIZE = 500  # sizes from here on run `--runs-large` times (one run of 1,000 models is minutes of peers)
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
    parser.add_argument("--runs-large", type=positive, default=1, metavar="N",
                        help=f"runs per command at {LARGE_SIZE} models and more (default 1)")
    parser.add_argument("--quick", action="store_true",
                        help=f"sizes {QUICK_SIZES}, one run each, no peers: checks the bench itself works")
    parser.add_argument("--no-compare", action="store_true",
                        help="skip the cdktf CLI and checkov rows (no npm or checkov install needed)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help="work folder for configs, synths, logs and results.json (default: bench/out)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    return parser


def runs_for(size: str, runs: int, runs_large: int) -> int:
    return runs_large if size.isdigit() and int(size) >= LARGE_SIZE else runs


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.quick:
        args.sizes, args.runs, args.runs_large, args.no_compare = parse_sizes(QUICK_SIZES), 1, 1, True
    load_before = machine.load_average()
    work = args.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    tools = discover(compare=not args.no_compare, log_folder=work)
    for tool, reason in tools.missing.items():
        print(f"{tool}: {reason}", flush=True)
    rows = tuple(row for row in ROWS if not (args.no_compare and row.comparison))
    results = []
    for i, size in enumerate(args.sizes):
        results += measure_size(size, tools, work, runs_for(size, args.runs, args.runs_large), rows, warmup=i == 0)
    targets, slopes = evaluate(results)
    print()
    print(summary(results, targets, slopes))
    details = machine.describe(machine.tool_versions(tools.cdktf, tools.checkov), load_before=load_before)
    document = results_document(results, targets, slopes, machine=details, runs=args.runs, sizes=args.sizes)
    write_results(work / "results.json", document)
    print(f"\nmachine: {details['cpu_model']}, {details['cores']} cores, python {details['python']}, "
          f"node {details['node']}, load (1 min) {details['load_average_1m_before']} before, "
          f"{details['load_average_1m']} after\nresults: {work / 'results.json'}")
    failed = [r for r in results if r.tool == "lakestack" and r.status == "failed"]
    missed = [t for t in targets if t.status == "MISS"]
    return 1 if failed or (args.check and missed) else 0


if __name__ == "__main__":
    sys.exit(main())
