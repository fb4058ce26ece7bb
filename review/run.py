"""One call from inputs to the rendered review, shared by `lakestack review` and `lakestack plan`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lakestack.terraform_json import environment_of_stack
from review.audit_findings import AuditResult, audit_head, from_report
from review.budget import GITHUB_COMMENT_LIMIT
from review.changes import PROVIDER_TYPE, ResourceChange
from review.json_output import render_json
from review.markdown import render_markdown
from review.plan_changes import changes_from_plan_files, parse_plan_argument
from review.report import Review, build_review, tiers_from_config
from review.synth_diff import changes_from_synth

FORMATS = ("markdown", "json")
PlanInput = str | Path | tuple[str, Path]


def run_review(
    config: PlatformConfig,
    *,
    base_dir: Path | str | None = None,
    head_dir: Path | str | None = None,
    plans: Sequence[PlanInput] = (),
    audit: bool = True,
    fmt: str = "markdown",
    max_chars: int = GITHUB_COMMENT_LIMIT,
) -> str:
    """The review as markdown or JSON; raises InputError on bad input.

    `base_dir`/`head_dir` are synth folders (`lakestack synth --out DIR`); a missing base means an
    empty one (everything is a create). `plans` are `terraform show -json` files, as `STACK=FILE`,
    a path (stack = file name up to its first dot) or `(stack, path)`; a stack with a plan is
    reviewed from its plan, the others from the synth pair.
    """
    review = review_of(config, base_dir=base_dir, head_dir=head_dir, plans=plans, audit=audit)
    return render(review, fmt=fmt, max_chars=max_chars)


def review_of(
    config: PlatformConfig,
    *,
    base_dir: Path | str | None = None,
    head_dir: Path | str | None = None,
    plans: Sequence[PlanInput] = (),
    audit: bool = True,
    audit_report: Any = None,
) -> Review:
    """`audit_report`: an `AuditReport` of the head already run by the caller, used instead of auditing again."""
    plan_files = [p if isinstance(p, tuple) else parse_plan_argument(str(p)) for p in plans]
    changes = collect_changes(base_dir, head_dir, plan_files)
    result: AuditResult | None = None
    if audit_report is not None:
        result = from_report(audit_report)
    elif audit:
        result = audit_head(config, synth_dir=Path(head_dir) if head_dir else None,
                            plans=[(environment_of_stack(stack), path) for stack, path in plan_files])
    return build_review(config.project, changes, tiers_from_config(config), result)


def collect_changes(base_dir: Path | str | None, head_dir: Path | str | None,
                    plan_files: Sequence[tuple[str, Path]]) -> list[ResourceChange]:
    """Plan changes where a stack has a plan, synth-pair changes for the other stacks."""
    if base_dir is not None and head_dir is None:
        raise InputError("--base needs --head: the review compares a base synth folder with a head one")
    if head_dir is None and not plan_files:
        raise InputError("nothing to review", hint="give --head DIR (and --base DIR) or --plan FILE")
    stacks_with_plan = [stack for stack, _ in plan_files]
    repeated = sorted({s for s in stacks_with_plan if stacks_with_plan.count(s) > 1})
    if repeated:
        raise InputError(f"more than one plan for stack {', '.join(repeated)}",
                         hint="give one plan per stack, named STACK=FILE")
    planned = changes_from_plan_files(plan_files)
    synthesized: list[ResourceChange] = []
    if head_dir is not None:
        synthesized = changes_from_synth(Path(base_dir) if base_dir else None, Path(head_dir))
    # A plan does not name its provider's version: that change comes from the synth pair even for planned stacks.
    return [c for c in synthesized if c.stack not in stacks_with_plan or c.type == PROVIDER_TYPE] + planned


def render(review: Review, *, fmt: str = "markdown", max_chars: int = GITHUB_COMMENT_LIMIT) -> str:
    if fmt == "json":
        return render_json(review)
    if fmt != "markdown":
        raise InputError(f"unknown review format '{fmt}'; use one of: {', '.join(FORMATS)}")
    return render_markdown(review, max_chars=max_chars)
