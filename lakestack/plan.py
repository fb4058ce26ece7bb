"""`lakestack plan`: the main job, offline. Synth every environment, audit the policies, review the change.

This is what a pull request's CI does, runnable on a laptop with no Databricks account: the
review compares the new synth with `--base` (a synth of the target branch) or, without one, with
an empty platform, so a new user sees every resource the example creates in the review's format.
Exit 1 when the audit fails, like `lakestack audit`.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from lakestack.errors import EXIT_FINDINGS, EXIT_OK
from lakestack.files import write_atomically
from lakestack.options import add_config_option, config_from
from lakestack.preflight import require_node, require_writable_folder

if TYPE_CHECKING:
    from review.report import Review

FAIL_ON = "high"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan", help="offline: synth every environment, audit the policies, review against a base",
        description="Synthesize every environment to --out, audit the governance policies on it, and write the "
                    "pull-request review (against --base, or an empty platform) and the audit reports to "
                    "--report-dir.",
        epilog="examples:\n"
               "  lakestack plan                       # cdktf.out/ and review-out/ against an empty platform\n"
               "  lakestack plan --base base.out       # review against a synth of the target branch\n"
               "\nexit codes: 0 audit passed, 1 audit findings at or above high, 2 bad input",
    )
    add_config_option(parser)
    parser.add_argument("--out", default="cdktf.out", metavar="DIR", help="synth output folder (default: cdktf.out)")
    parser.add_argument("--base", metavar="DIR", default=None,
                        help="synth folder of the base to review against (default: an empty platform)")
    parser.add_argument("--base-config", metavar="PATH", default=None,
                        help="platform.yaml of the base: tiers, protection and access are judged from it")
    parser.add_argument("--report-dir", default="review-out", metavar="DIR",
                        help="where the review and audit reports go (default: review-out)")
    parser.set_defaults(handler=run_plan)


def run_plan(args: argparse.Namespace) -> int:
    from infra.config import load_config
    from infra.synth import synth
    from lakestack.progress import ProgressLines
    from policies.audit import parse_severity, run_audit
    from policies.report import render, verdict
    from policies.waivers import default_waivers_path
    from review.run import render as render_review
    from review.run import review_of

    config = config_from(args)
    base_config = load_config(args.base_config) if args.base_config else None
    out, reports = Path(args.out), Path(args.report_dir)
    require_writable_folder(out, what="synth output folder")
    require_writable_folder(reports, what="report folder")
    require_node()

    for file in synth(config, out, progress=ProgressLines("synth")):
        print(f"synthesized {file.parent.name:<16} {file}")

    fail_on = parse_severity(FAIL_ON)
    audit = run_audit(config, synth_dir=out, waivers_path=default_waivers_path())
    for fmt, name in (("sarif", "audit.sarif"), ("json", "audit.json"), ("text", "audit.txt")):
        write_atomically(reports / name, render(audit, fmt, fail_on=fail_on, config_path=args.config))
    print(verdict(audit, fail_on))

    with tempfile.TemporaryDirectory(prefix="lakestack-empty-base-") as empty:
        review = review_of(config, base_dir=args.base or empty, head_dir=out, audit_report=audit,
                           base_config=base_config)
        write_atomically(reports / "review.md", render_review(review, fmt="markdown"), what="review")
        write_atomically(reports / "review.json", render_review(review, fmt="json"), what="review")
    print(summary_line(review, base=args.base))
    print(f"reports in {reports}/: review.md, review.json, audit.sarif, audit.json, audit.txt")
    return EXIT_FINDINGS if audit.failed(fail_on) else EXIT_OK


def summary_line(review: Review, *, base: str | None) -> str:
    """What changes against what, in one line."""
    totals: dict[str, int] = {}
    for stack in review.stacks:
        for kind, count in stack.counts.items():
            totals[kind] = totals.get(kind, 0) + count
    changed = ", ".join(f"{n} to {kind}" for kind, n in totals.items() if n and kind != "no-op") or "no changes"
    against = f"base {base}" if base else "an empty platform"
    return f"lakestack review against {against}: {changed}; risk level {review.level}"
