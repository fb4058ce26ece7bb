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
                        help="exit 1 when the review finds a high risk or the audit fails")
    parser.set_defaults(handler=run)

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
    from review.run import render, review_of

    if args.max_chars < MIN_CHARS:
        raise InputError(f"--max-chars {args.max_chars} is too small; give at least {MIN_CHARS}")
    config = config_from(args)
    review = review_of(config, base_dir=args.base, head_dir=args.head, plans=args.plan, audit=not args.no_audit)
    text = render(review, fmt=args.format, max_chars=args.max_chars)
    write_output(text, args.output, what="review")
    risky = review.level == "high" or (review.audit is not None and review.audit.failed)
    return EXIT_FINDINGS if args.fail_on_risk and risky else EXIT_OK


def run_redact(args: argparse.Namespace) -> int:
    import json

    from lakestack.terraform_json import read_plan
    from review.redact import redact_plan

    write_output(json.dumps(redact_plan(read_plan(Path(args.plan)))), args.output, what="redacted plan")
    return EXIT_OK
