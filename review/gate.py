"""The pull-request gate: pass, or fail and say why; which risks a second person may accept.

The decision reads the review's JSON (so a later event, such as an approval, can decide again from
the artifact of the run that reviewed the commit) and GitHub's facts about the pull request:
its author, head commit, labels and reviews. A risk is accepted only when the label is set **and**
someone other than the author, with write access, approved the reviewed commit. The audit's
failures and the destruction of prod data cannot be accepted at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

ACCEPT_LABEL = "lakestack:accept-risk"
# GitHub's author_association values of people who can push to the repository.
WRITERS = ("OWNER", "MEMBER", "COLLABORATOR")
UNACCEPTABLE_CATEGORIES = ("data loss",)
KEEP_DATA = ("to keep the data, take the resource out of Terraform state before merging "
             "(`terraform state rm <address>` in the stack's folder, by a platform admin) instead of destroying it")


def unacceptable(risk: Any, tier: str) -> bool:
    """Destroying prod data is never accepted in a pull request: it is the unwaivable prod-destroy rule."""
    return tier == "prod" and risk.category in UNACCEPTABLE_CATEGORIES


@dataclass(frozen=True)
class PullRequest:
    author: str
    head_sha: str
    labels: tuple[str, ...]
    reviews: tuple[dict[str, Any], ...] = ()

    @classmethod
    def from_event(cls, event: dict[str, Any], reviews: Sequence[dict[str, Any]] = ()) -> PullRequest:
        """From a `pull_request` or `pull_request_review` event payload and the pull request's reviews."""
        pr = event.get("pull_request") or {}
        return cls(author=str((pr.get("user") or {}).get("login", "")),
                   head_sha=str((pr.get("head") or {}).get("sha", "")),
                   labels=tuple(str(lbl.get("name")) for lbl in pr.get("labels") or [] if isinstance(lbl, dict)),
                   reviews=tuple(r for r in reviews if isinstance(r, dict)))

    @property
    def labelled(self) -> bool:
        return ACCEPT_LABEL in self.labels

    def approvers(self) -> list[str]:
        """People other than the author, with write access, whose latest review approves the head commit."""
        latest: dict[str, dict[str, Any]] = {}
        for review in sorted(self.reviews, key=lambda r: str(r.get("submitted_at") or "")):
            login = str((review.get("user") or {}).get("login", ""))
            if review.get("state") in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
                latest[login] = review
        return sorted(login for login, r in latest.items()
                      if r.get("state") == "APPROVED" and login and login != self.author
                      and r.get("commit_id") == self.head_sha and r.get("author_association") in WRITERS)


@dataclass
class Verdict:
    passed: bool
    reasons: list[str] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)

    def render(self) -> str:
        head = "gate: passed" if self.passed else "gate: FAILED"
        lines = [head, *(f"- {r}" for r in self.reasons)]
        lines += [f"- accepted: {a}" for a in self.accepted]
        return "\n".join(lines) + "\n"


def decide(document: dict[str, Any], pull_request: PullRequest | None = None) -> Verdict:
    """The verdict on a review JSON document; without a pull request nothing can be accepted."""
    verdict = Verdict(passed=True)
    gate = document.get("gate") or {}
    commit = document.get("commit")
    if pull_request is not None and commit and pull_request.head_sha and commit != pull_request.head_sha:
        verdict.passed = False
        verdict.reasons.append(f"the review is of commit {commit[:12]}, the pull request is at "
                               f"{pull_request.head_sha[:12]}: wait for the review of the new commit")
    for environment in gate.get("failed_plans") or []:
        verdict.passed = False
        verdict.reasons.append(f"the plan of {environment} failed: its real change is unknown (see the plan job's log)")
    if gate.get("synth_failed"):
        verdict.passed = False
        verdict.reasons.append("the synth failed: there is no review to judge (see the synth job's log)")
    for finding in gate.get("audit_blocking") or []:
        verdict.reasons.append(f"audit {finding} (fix it, or waive it in policies/waivers.yaml where the rule allows)")
    if gate.get("audit_failed"):
        verdict.passed = False
        if not gate.get("audit_blocking"):
            verdict.reasons.append("the audit of the head failed (see the review's audit section)")
    acceptable = [r for r in gate.get("high_risks") or [] if r.get("acceptable")]
    for risk in gate.get("high_risks") or []:
        if not risk.get("acceptable"):
            verdict.passed = False
            verdict.reasons.append(f"{_risk(risk)}: cannot be accepted; {KEEP_DATA}")
    if acceptable:
        _judge_acceptance(verdict, acceptable, pull_request)
    return verdict


def _judge_acceptance(verdict: Verdict, risks: Iterable[dict[str, Any]], pull_request: PullRequest | None) -> None:
    approvers = pull_request.approvers() if pull_request is not None else []
    if pull_request is not None and pull_request.labelled and approvers:
        verdict.accepted += [f"{_risk(r)} (label {ACCEPT_LABEL}, approved by {', '.join(approvers)})" for r in risks]
        return
    verdict.passed = False
    if pull_request is not None and pull_request.labelled:
        why = (f"the label {ACCEPT_LABEL} is set, but nobody other than the author ({pull_request.author}) "
               f"with write access approved commit {pull_request.head_sha[:12]}")
    else:
        why = f"to accept, a reviewer other than the author approves the pull request and adds the label {ACCEPT_LABEL}"
    verdict.reasons += [f"{_risk(r)}: high risk; {why}" for r in risks]


def _risk(risk: dict[str, Any]) -> str:
    return f"{risk.get('environment')} {risk.get('category')}: {risk.get('message')} ({risk.get('address')})"


def gate_facts(review: Any) -> dict[str, Any]:
    """What the gate decides on, in the review's JSON: blocking audit findings and high risks."""
    audit = review.audit
    blocking = [f"{f.severity} {f.rule_id} {f.environment} {f.resource}: {f.message}"
                for f in (audit.open_findings if audit is not None and audit.failed else [])
                if f.severity in ("critical", "high")]
    return {
        "commit": review.commit,
        "audit_failed": bool(audit is not None and audit.failed),
        "failed_plans": list(review.failed_plans),
        "audit_blocking": blocking,
        "high_risks": [
            {"level": r.level, "category": r.category, "environment": r.environment, "address": r.address,
             "message": r.message, "acceptable": not unacceptable(r, review.tier_of(r.environment))}
            for r in review.risks if r.level == "high"
        ],
    }
