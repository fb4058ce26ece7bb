"""`lakestack review`: one pull-request comment (or JSON) saying what a change does to each environment."""

from __future__ import annotations

import argparse
from pathlib import Path

from lakestack.errors import EXIT_FINDINGS, EXIT_OK, InputError
from lakestack.files import write_output
from lakestack.options import add_config_option, config_from
from review.budget import GITHUB_COMMENT_LIMIT

MIN_CHARS = 2000


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="review what a change does to each environment (PR comment markdown or JSON)",
        description="Compare a base and a head synth folder and/or read `terraform show -json` plans, "
                    "then write one review: counts per stack and action, destroys and replacements "
                    "first, grant and binding changes, risks, the audit of the head, details per stack.",
        epilog="examples:\n"
               "  lakestack review --base base.out --head cdktf.out --output review.md\n"
               "  lakestack review --head cdktf.out --plan prod=prod.plan.json --format json\n"
               "  lakestack review --base base.out --head cdktf.out --fail-on-risk   # gate a pull request\n"
               "\nexit codes: 0 written, 1 --fail-on-risk and a high risk or failed audit, 2 bad input",
    )
    add_config_option(parser)
    parser.add_argument("--base", metavar="DIR", help="synth folder of the base branch (empty: everything "
                        "is a create; omitted: same as empty)")
    parser.add_argument("--head", metavar="DIR", help="synth folder of the pull request's head")
    parser.add_argument("--plan", action="append", default=[], metavar="[STACK=]FILE",
                        help="`terraform show -json` plan of one stack (repeatable); the stack defaults to "
                        "the file name up to its first dot")
    parser.add_argument("--format", choices=("markdown", "json"), default="markdown",
                        help="markdown (the pull-request comment) or json (the same review, for scripts; "
                             "default: markdown)")
    parser.add_argument("--output", metavar="FILE", help="write the review here instead of stdout")
    parser.add_argument("--max-chars", type=int, default=GITHUB_COMMENT_LIMIT, metavar="N",
                        help=f"comment size limit (default: GitHub's {GITHUB_COMMENT_LIMIT})")
    parser.add_argument("--no-audit", action="store_true", help="skip the governance audit of the head")
    parser.add_argument("--fail-on-risk", action="store_true",
                        help="exit 1, saying why on stderr, when the gate fails: the audit fails or a high risk "
                        "is found (nothing can be accepted here: use `lakestack gate` with the pull request's facts)")
    parser.add_argument("--base-config", metavar="PATH",
                        help="the base branch's platform.yaml: tiers, protection and access are judged from it")
    parser.add_argument("--commit", metavar="SHA",
                        help="the commit reviewed (shown in the comment, checked by the gate)")
    parser.add_argument("--run-url", metavar="URL", help="link to the workflow run, shown in the comment")
    parser.add_argument("--failed-plan", action="append", default=[], metavar="ENV",
                        help="ENV's plan job failed (repeatable): say so in the comment and fail the gate")
    parser.add_argument("--failed-step", metavar="STEP",
                        help="write the comment for a run where STEP (e.g. 'synth') failed: no review, risk unknown")
    parser.set_defaults(handler=run)

    gate = subparsers.add_parser(
        "gate",
        help="decide the pull-request gate from a review JSON and GitHub's facts (author, labels, reviews)",
        description="Pass or fail, printing why. High risks pass only with the label "
                    "lakestack:accept-risk and an approval of the reviewed commit by someone other than the author "
                    "with write access; audit failures and prod data destroys never pass.",
        epilog="example: what the pull-request workflow's gate job runs\n"
               "  lakestack gate --review review.json --event \"$GITHUB_EVENT_PATH\" --reviews reviews.json \\\n"
               "      --summary \"$GITHUB_STEP_SUMMARY\"",
    )
    gate.add_argument("--review", required=True, metavar="FILE", help="`lakestack review --format json` output")
    gate.add_argument("--event", metavar="FILE", help="the GitHub event payload ($GITHUB_EVENT_PATH)")
    gate.add_argument("--reviews", metavar="FILE",
                      help="the pull request's reviews as GitHub's API lists them (JSON array)")
    gate.add_argument("--summary", metavar="FILE", help="also append the verdict here (e.g. $GITHUB_STEP_SUMMARY)")
    gate.set_defaults(handler=run_gate)

    saved = subparsers.add_parser(
        "saved-plan",
        help="record the commit and state a saved plan was made from, or check them before applying it",
        description="record: write STACK's plan record (commit, state lineage and serial from `terraform state "
                    "pull` output). check: exit 1, saying why, when the record does not match this commit and state.",
        epilog="examples: the deploy workflow's plan job, then its apply job\n"
               "  lakestack saved-plan record --stack prod --commit \"$GITHUB_SHA\" --state state.json \\\n"
               "      --record plan.record.json\n"
               "  lakestack saved-plan check --stack prod --commit \"$GITHUB_SHA\" --state state.json \\\n"
               "      --record plan.record.json",
    )
    saved.add_argument("action", choices=("record", "check"),
                       help="record: write the plan record; check: refuse a plan made from another commit or state")
    saved.add_argument("--stack", required=True, metavar="STACK", help="the stack the saved plan is for")
    saved.add_argument("--commit", required=True, metavar="SHA", help="the commit the plan was (or is) made from")
    saved.add_argument("--state", metavar="FILE", help="`terraform state pull` output (empty: no state yet)")
    saved.add_argument("--record", required=True, metavar="FILE", help="the plan record to write or check")
    saved.set_defaults(handler=run_saved_plan)

    redact = subparsers.add_parser(
        "redact-plan",
        help="copy a `terraform show -json` plan without secrets (for CI artifacts)",
        description="Keep what `lakestack review --plan` reads (actions, reasons, masks) and mask every "
                    "sensitive or secret-looking value; drop variables, state and configuration.",
        epilog="example:\n"
               "  terraform show -json prod.tfplan > prod.plan.json\n"
               "  lakestack redact-plan prod.plan.json --output prod.redacted.json",
    )
    redact.add_argument("plan", metavar="PLAN_JSON", help="`terraform show -json` output")
    redact.add_argument("--output", required=True, metavar="FILE", help="where to write the redacted plan")
    redact.set_defaults(handler=run_redact)


def run(args: argparse.Namespace) -> int:
    import sys

    from infra.config import load_config
    from review.gate import decide
    from review.json_output import review_document
    from review.run import render, review_of

    if args.max_chars < MIN_CHARS:
        raise InputError(f"--max-chars {args.max_chars} is too small; give at least {MIN_CHARS}")
    if args.failed_step:
        write_output(_failure(args), args.output, what="review")
        return EXIT_FINDINGS if args.fail_on_risk else EXIT_OK
    config = config_from(args)
    base_config = load_config(args.base_config) if args.base_config else None
    review = review_of(config, base_dir=args.base, head_dir=args.head, plans=args.plan, audit=not args.no_audit,
                       base_config=base_config, commit=args.commit, run_url=args.run_url,
                       failed_plans=args.failed_plan)
    text = render(review, fmt=args.format, max_chars=args.max_chars)
    write_output(text, args.output, what="review")
    if not args.fail_on_risk:
        return EXIT_OK
    verdict = decide(review_document(review))
    print(verdict.render(), file=sys.stderr, end="")
    return EXIT_OK if verdict.passed else EXIT_FINDINGS


def _failure(args: argparse.Namespace) -> str:
    import json

    from review.markdown import MARKER, render_failure

    if args.format == "json":
        return json.dumps({"marker": MARKER, "commit": args.commit, "run_url": args.run_url, "risk_level": "unknown",
                           "gate": {"commit": args.commit, "synth_failed": True}}, indent=2) + "\n"
    return render_failure("lakestack", args.failed_step, commit=args.commit, run_url=args.run_url)


def run_gate(args: argparse.Namespace) -> int:
    from lakestack.terraform_json import read_json
    from review.gate import PullRequest, decide

    document = read_json(Path(args.review), "review JSON")
    if not isinstance(document, dict) or "gate" not in document:
        raise InputError(f"{args.review}: not a review JSON", hint="write it with `lakestack review --format json`")
    pull_request = None
    if args.event:
        reviews = read_json(Path(args.reviews), "reviews JSON") if args.reviews else []
        if not isinstance(reviews, list):
            raise InputError(f"{args.reviews}: expected a JSON array of reviews")
        pull_request = PullRequest.from_event(read_json(Path(args.event), "event JSON"), reviews)
    verdict = decide(document, pull_request)
    print(verdict.render(), end="")
    if args.summary:
        with open(args.summary, "a", encoding="utf-8") as summary:
            summary.write("\n### Gate\n\n" + verdict.render())
    return EXIT_OK if verdict.passed else EXIT_FINDINGS


def run_redact(args: argparse.Namespace) -> int:
    import json

    from lakestack.terraform_json import read_plan
    from review.redact import redact_plan

    write_output(json.dumps(redact_plan(read_plan(Path(args.plan)))), args.output, what="redacted plan")
    return EXIT_OK


def run_saved_plan(args: argparse.Namespace) -> int:
    import sys

    from review.saved_plan import read_record, record, refusals

    state = Path(args.state) if args.state else None
    if args.action == "record":
        write_output(record(args.stack, args.commit, state).to_json(), args.record, what="plan record")
        return EXIT_OK
    problems = refusals(read_record(Path(args.record)), stack=args.stack, commit=args.commit, state_file=state)
    for problem in problems:
        print(f"refused: {problem}", file=sys.stderr)
    return EXIT_FINDINGS if problems else EXIT_OK
