"""`lakestack promote`: validate one candidate and, when it passes, deploy it; one decision to read.

Decisions: `promoted` (exit 0), `rejected` (exit 1), `serving_failed` (passed, but the endpoint failed
to load it or did not finish in time; it keeps `Challenger`, exit 1), `unchanged` (already the champion), `dry_run`
and `disabled` (the validation mode said to change nothing; exit 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from lakestack.errors import EXIT_FINDINGS, EXIT_OK
from lakestack.workspace import registry_errors
from lifecycle.context import TaskContext
from lifecycle.deployment.deploy import Deployment, deploy, registry_needs, version_label
from lifecycle.deployment.serving import Connect, workspace_client
from lifecycle.validation.validate import Validation, validate


@dataclass(frozen=True)
class Promotion:
    validation: Validation
    deployment: Deployment | None

    @property
    def decision(self) -> str:
        v = self.validation
        if v.mode in ("dry_run", "disabled"):
            return v.mode
        if not v.passed:
            return "rejected"
        if self.deployment is not None and self.deployment.failed:
            return "serving_failed"
        return "promoted" if self.deployment is not None and self.deployment.changed else "unchanged"

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.decision in ("rejected", "serving_failed") else EXIT_OK

    @property
    def champion_after(self) -> str | None:
        return self.deployment.champion_after if self.deployment else self.validation.champion

    def as_dict(self) -> dict[str, Any]:
        v, serving = self.validation, self.deployment.serving if self.deployment else None
        return {
            "decision": self.decision,
            "model": v.model_name,
            "candidate": v.candidate,
            "champion_before": v.champion,
            "champion_after": self.champion_after,
            "mode": v.mode,
            "metric": {"name": v.metric, "higher_is_better": v.higher_is_better, "threshold": v.threshold,
                       "min_improvement": v.min_improvement, "candidate": v.candidate_value,
                       "champion": v.champion_value},
            "passed": v.passed,
            "reason": v.reason,
            "evaluation_data": v.evaluation_data,
            "serving": None if serving is None else {"endpoint": serving.endpoint, "status": serving.status,
                                                     "detail": serving.detail},
        }

    def render(self) -> str:
        d, v = self.as_dict(), self.validation
        lines = [f"{d['decision']}: {v.model_name} v{v.candidate}",
                 f"  champion: {version_label(v.champion)} -> {version_label(self.champion_after)}",
                 f"  {v.metric}: candidate {_num(v.candidate_value)}, champion {_num(v.champion_value)} "
                 f"({'higher' if v.higher_is_better else 'lower'} is better, threshold {v.threshold}, "
                 f"min improvement {v.min_improvement})",
                 f"  reason: {v.reason}"]
        if v.evaluation_data:
            lines.append(f"  evaluated on: {v.evaluation_data}")
        deployment = self.deployment
        if deployment is not None and deployment.serving is not None:
            lines.append(f"  {deployment.serving.describe()}")
        if deployment is not None and deployment.failed:
            lines.append(f"  registry: {deployment.detail}")
        return "\n".join(lines)


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def promote(ctx: TaskContext, version: str, *, mode: str | None = None,
            connect: Connect = workspace_client, serving_timeout: timedelta | None = None) -> Promotion:
    with registry_errors(ctx.env.host, f"validating {ctx.model_name} v{version}", registry_needs(ctx)):
        validation = validate(ctx, version, mode=mode)
    deployment = deploy(ctx, connect, serving_timeout) if validation.challenger_set else None
    return Promotion(validation, deployment)
