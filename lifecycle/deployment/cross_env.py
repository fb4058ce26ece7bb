"""The deploy-model path: copy a registered version into the next environment, then promote it there.

A version trained in one environment (`deployment.train_in`) moves along `deployment.path` one step
at a time. Each step copies the version into the target environment's registered model with
`MlflowClient.copy_model_version` (so the target keeps its own versions, aliases and grants), tags
the copy with where it came from (source model and version, its run, and the source version's
data-lineage tags), then runs the target's own validation against its champion on the target's
evaluation data, exactly like `lakestack promote`. A rejected copy stays a version without aliases.
The copy is found again by its source tag, so a rerun of a step copies nothing and decides nothing
twice.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from infra.config import PlatformConfig, load_config
from lakestack.errors import EXIT_OK, InputError
from lifecycle.context import TaskContext, config_path, find_model
from lifecycle.deployment import registry
from lifecycle.deployment.promote import Promotion, promote
from lifecycle.deployment.serving import Connect, workspace_client
from lifecycle.entry import run_task, task_parser

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

SOURCE_TAG = "lakestack.source"  # "<source full name>/<version>": what a copy was made from
SOURCE_RUN_TAG = "lakestack.source_run_id"
DECISION_TAG = "lakestack.promotion_decision"  # the target's decision on a copy, so a rerun does nothing
LINEAGE_PREFIX = "lakestack."  # source version tags carried along (training data tables and versions)


@dataclass(frozen=True)
class CrossPromotion:
    source: str
    source_version: str
    target: str
    target_version: str
    copied: bool
    promotion: Promotion | None  # None: this step was decided before (a rerun)
    earlier_decision: str | None = None

    @property
    def decision(self) -> str:
        return self.promotion.decision if self.promotion is not None else str(self.earlier_decision)

    @property
    def exit_code(self) -> int:
        return self.promotion.exit_code if self.promotion is not None else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "source_version": self.source_version, "target": self.target,
                "target_version": self.target_version, "copied": self.copied, "decision": self.decision,
                "rerun": self.promotion is None,
                "promotion": self.promotion.as_dict() if self.promotion is not None else None}

    def render(self) -> str:
        how = "copied" if self.copied else "already copied"
        head = f"{self.source} v{self.source_version} -> {self.target} v{self.target_version} ({how})"
        if self.promotion is None:
            return f"{head}\n  {self.decision} earlier; nothing to do"
        return f"{head}\n{self.promotion.render()}"


def check_step(config: PlatformConfig, model_name: str, source_env: str, target_env: str) -> None:
    """The step must be one of the model's deploy-model path, in its direction."""
    model = find_model(config, model_name)
    path = config.promotion_path(model)
    if not path:
        raise InputError(f"model '{model_name}' uses strategy deploy-code: every environment trains its own "
                         "version", hint="set models[].deployment.strategy: deploy-model to promote across "
                                         "environments, or use `lakestack promote --env ENV --version N`")
    steps = list(itertools.pairwise(path))
    if (source_env, target_env) not in steps:
        shown = " -> ".join(path)
        raise InputError(f"model '{model_name}' moves {shown}; '{source_env}' -> '{target_env}' is not a step of it",
                         hint="promote one step at a time along models[].deployment.path")


def find_copy(client: MlflowClient, target: str, source: str, version: str) -> ModelVersion | None:
    """The target's version copied from `source` version `version`, if a step already made it."""
    from mlflow.exceptions import MlflowException

    try:
        candidates = client.search_model_versions(f"name='{target}'")
    except MlflowException:
        return None
    origin = f"{source}/{version}"
    return next((v for v in candidates if (v.tags or {}).get(SOURCE_TAG) == origin), None)


def copy_version(source_ctx: TaskContext, target_ctx: TaskContext, version: str) -> tuple[ModelVersion, bool]:
    """The target's copy of the source version, made now (True) or found from an earlier run (False)."""
    client = target_ctx.client
    source, target = source_ctx.model_name, target_ctx.model_name
    existing = find_copy(client, target, source, version)
    if existing is not None:
        return existing, False
    original = registry.require_version(source_ctx.client, source, version)
    copy = client.copy_model_version(src_model_uri=f"models:/{source}/{version}", dst_name=target)
    tags = {key: value for key, value in (original.tags or {}).items()
            if key.startswith(LINEAGE_PREFIX) and key != DECISION_TAG}
    tags |= {SOURCE_TAG: f"{source}/{version}", SOURCE_RUN_TAG: str(original.run_id or "")}
    for key, value in tags.items():
        client.set_model_version_tag(target, str(copy.version), key, value)
    if DECISION_TAG in (copy.tags or {}):
        # MLflow copies every tag; the source's decision is not the target's (staging's copy moves on undecided).
        client.delete_model_version_tag(target, str(copy.version), DECISION_TAG)
    return client.get_model_version(target, str(copy.version)), True


def promote_across(config: PlatformConfig, model_name: str, source_env: str, target_env: str, *,
                   version: str | None = None, mode: str | None = None, connect: Connect = workspace_client,
                   serving_timeout: timedelta | None = None, tracking_uri: str | None = None,
                   registry_uri: str | None = None) -> CrossPromotion:
    """One step of the path: copy `version` (default: the source's champion), validate and deploy in the target."""
    check_step(config, model_name, source_env, target_env)
    source_ctx = TaskContext.resolve(config, source_env, model_name, tracking_uri, registry_uri)
    target_ctx = TaskContext.resolve(config, target_env, model_name, tracking_uri, registry_uri)
    chosen = version or registry.alias_version(source_ctx.client, source_ctx.model_name, registry.CHAMPION)
    if chosen is None:
        raise InputError(f"{source_ctx.model_name} has no {registry.CHAMPION} to promote",
                         hint="give --version N, or promote a version to champion in the source first")
    copy, copied = copy_version(source_ctx, target_ctx, chosen)
    target_version = str(copy.version)
    earlier = (copy.tags or {}).get(DECISION_TAG)
    if earlier is not None:
        return CrossPromotion(source_ctx.model_name, chosen, target_ctx.model_name, target_version, copied,
                              None, earlier)
    promotion = promote(target_ctx, target_version, mode=mode, connect=connect, serving_timeout=serving_timeout)
    if promotion.decision in ("promoted", "rejected", "unchanged"):
        target_ctx.client.set_model_version_tag(target_ctx.model_name, target_version, DECISION_TAG,
                                                promotion.decision)
    return CrossPromotion(source_ctx.model_name, chosen, target_ctx.model_name, target_version, copied, promotion)


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Copy the source environment's champion into this environment and promote it here.")
    parser.add_argument("--from", dest="source", required=True, metavar="ENV",
                        help="the previous environment of the model's deployment path")
    parser.add_argument("--version", metavar="N", help="source version (default: the source's Champion)")
    parser.add_argument("--mode", choices=("enabled", "dry_run", "disabled"),
                        help="override validation.mode from the config")
    return parser


def _handle(args: argparse.Namespace) -> int:
    result = promote_across(load_config(config_path(args.config)), args.model, args.source, args.env,
                            version=args.version, mode=args.mode)
    print(result.render())
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)
