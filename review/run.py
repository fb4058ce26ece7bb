"""One call from inputs to the rendered review, shared by `lakestack review` and `lakestack plan`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.config import PlatformConfig
from lakestack.diagram import access_diagram
from lakestack.errors import InputError
from lakestack.terraform_json import environment_of_stack, parsed_synth_stacks
from review.audit_findings import AuditResult, audit_head, from_report
from review.budget import GITHUB_COMMENT_LIMIT
from review.changes import PROVIDER_TYPE, ResourceChange
from review.json_output import render_json
from review.markdown import render_markdown
from review.matching import matched_environments
from review.plan_changes import changes_from_plan_files, parse_plan_argument
from review.posture import (
    access_causes,
    judged_config,
    posture_risks,
    postures,
    protection_risks,
    tier_judge,
)
from review.report import Review, build_review
from review.synth_diff import changes_from_synth_docs

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
    base_config: PlatformConfig | None = None,
    commit: str | None = None,
    run_url: str | None = None,
) -> str:
    """The review as markdown or JSON; raises InputError on bad input.

    `base_dir`/`head_dir` are synth folders (`lakestack synth --out DIR`); a missing base means an
    empty one (everything is a create). `plans` are `terraform show -json` files, as `STACK=FILE`,
    a path (stack = file name up to its first dot) or `(stack, path)`; a stack with a plan is
    reviewed from its plan, the others from the synth pair.
    """
    review = review_of(config, base_dir=base_dir, head_dir=head_dir, plans=plans, audit=audit,
                       base_config=base_config, commit=commit, run_url=run_url)
    return render(review, fmt=fmt, max_chars=max_chars)


def review_of(
    config: PlatformConfig,
    *,
    base_dir: Path | str | None = None,
    head_dir: Path | str | None = None,
    plans: Sequence[PlanInput] = (),
    audit: bool = True,
    audit_report: Any = None,
    base_config: PlatformConfig | None = None,
    commit: str | None = None,
    run_url: str | None = None,
    failed_plans: Sequence[str] = (),
) -> Review:
    """`audit_report`: an `AuditReport` of the head already run by the caller, used instead of auditing again.

    `base_config` is the target branch's config: tiers, protection and access are judged from it (the
    stricter of base and head), so a pull request cannot lower its own review by editing the config.
    """
    plan_files = [p if isinstance(p, tuple) else parse_plan_argument(str(p)) for p in plans]
    base_docs, head_docs = synth_documents(base_dir, head_dir, plan_files)
    changes = collect_changes(base_docs, head_docs, plan_files)
    base, head = postures(base_config), postures(config)
    tier_of = tier_judge(base, head)
    changes, mismatches = matched_environments(changes, (base, head), tier_of)
    judged = {c.stack: c.environment for c in changes}
    result: AuditResult | None = None
    if audit_report is not None:
        result = from_report(audit_report)
    elif audit:
        result = audit_head(judged_config(config, tier_of), synth_dir=Path(head_dir) if head_dir else None,
                            plans=[(judged.get(stack, environment_of_stack(stack)), path)
                                   for stack, path in plan_files])
    extra = [*posture_risks(base, head), *mismatches, *protection_risks(base_docs, head_docs or {}, tier_of)]
    return build_review(config.project, changes, tier_of, result, extra_risks=extra,
                        causes=access_causes(base, head), commit=commit, run_url=run_url,
                        picture=_access_picture(config),
                        workspaces={str(p.workspace_id): p.name for p in (*base.values(), *head.values())
                                    if p.workspace_id is not None},
                        failed_plans=failed_plans)


def _access_picture(config: PlatformConfig) -> str:
    """The mermaid picture of environments, catalogs, bindings and groups: the one place it comes from."""
    return access_diagram(config)


def synth_documents(base_dir: Path | str | None, head_dir: Path | str | None,
                    plan_files: Sequence[tuple[str, Path]]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Parsed base and head synth stacks, read once; a missing base is an empty platform."""
    if base_dir is not None and head_dir is None:
        raise InputError("--base needs --head: the review compares a base synth folder with a head one")
    if head_dir is None and not plan_files:
        raise InputError("nothing to review", hint="give --head DIR (and --base DIR) or --plan FILE")
    base = parsed_synth_stacks(Path(base_dir)) if base_dir is not None else {}
    return base, parsed_synth_stacks(Path(head_dir)) if head_dir is not None else None


def collect_changes(base_docs: dict[str, Any], head_docs: dict[str, Any] | None,
                    plan_files: Sequence[tuple[str, Path]]) -> list[ResourceChange]:
    """Plan changes where a stack has a plan, synth-pair changes for the other stacks."""
    stacks_with_plan = [stack for stack, _ in plan_files]
    repeated = sorted({s for s in stacks_with_plan if stacks_with_plan.count(s) > 1})
    if repeated:
        raise InputError(f"more than one plan for stack {', '.join(repeated)}",
                         hint="give one plan per stack, named STACK=FILE")
    planned = changes_from_plan_files(plan_files)
    synthesized = changes_from_synth_docs(base_docs, head_docs) if head_docs is not None else []
    # A plan does not name its provider's version: that change comes from the synth pair even for planned stacks.
    return [c for c in synthesized if c.stack not in stacks_with_plan or c.type == PROVIDER_TYPE] + planned


def render(review: Review, *, fmt: str = "markdown", max_chars: int = GITHUB_COMMENT_LIMIT) -> str:
    if fmt == "json":
        return render_json(review)
    if fmt != "markdown":
        raise InputError(f"unknown review format '{fmt}'; use one of: {', '.join(FORMATS)}")
    return render_markdown(review, max_chars=max_chars)
