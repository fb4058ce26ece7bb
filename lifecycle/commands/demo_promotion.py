"""`lakestack demo --deploy-model`: the deploy-model path offline, one version moved dev -> staging -> prod.

A deploy-model model is trained once, in the first environment of its path; each later environment
receives a copy of the previous one's champion and judges it against its own champion on its own
evaluation data (`lifecycle.deployment.cross_env`). Locally every environment's tables are seeded
with the example generator in one Spark session, and one MLflow store holds every environment's
registered model, as one Unity Catalog metastore does.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path

from infra.config import ModelConfig, PlatformConfig
from lakestack.errors import InputError
from lifecycle.context import TaskContext, find_model
from lifecycle.deployment.cross_env import SOURCE_TAG, promote_across
from lifecycle.deployment.promote import promote
from lifecycle.examples.seed import seed_model_tables
from lifecycle.spark import local_session
from lifecycle.training.train import describe, train

Print = Callable[[str], None]


def deploy_model_model(config: PlatformConfig, model_name: str | None) -> ModelConfig:
    """The named model, or the first deploy-model model of the config; it must use deploy-model."""
    if model_name is None:
        found = next((m for m in config.models if config.promotion_path(m)), None)
        if found is None:
            raise InputError("no model uses deployment.strategy: deploy-model",
                             hint="set models[].deployment: {strategy: deploy-model} on one model")
        model_name = found.name
    model = find_model(config, model_name)
    if not config.promotion_path(model):
        raise InputError(f"model '{model.name}' uses strategy deploy-code: every environment trains its own version",
                         hint="run `lakestack demo` for it, or set models[].deployment.strategy: deploy-model")
    return model


def run_promotion_demo(config: PlatformConfig, model_name: str | None, store: Path, out: Print = print) -> str:
    """Train in the path's first environment, then promote step by step; returns the last copy's lineage line."""
    model = deploy_model_model(config, model_name)
    path = config.promotion_path(model)
    uri = f"sqlite:///{store / 'mlflow.db'}"
    started = time.monotonic()
    out(f"deploy-model demo: {model.name} along {' -> '.join(path)}, MLflow store {uri}")
    spark = local_session(config, store / "warehouse", persistent=False, out=out)
    for name in path:
        seeded = seed_model_tables(spark, config.env(name), model)
        out(f"[+{time.monotonic() - started:.1f}s] seeded {seeded.describe()}")
    source = TaskContext.resolve(config, path[0], model.name, tracking_uri=uri, registry_uri=uri)
    trained = train(source)
    out(f"[+{time.monotonic() - started:.1f}s] {describe(source, trained)}")
    out(promote(source, trained.version, mode="enabled").render())
    for before, after in itertools.pairwise(path):
        out(f"\n[+{time.monotonic() - started:.1f}s] promote {model.name} from {before} to {after}")
        out(promote_across(config, model.name, before, after, tracking_uri=uri, registry_uri=uri).render())
    last = TaskContext.resolve(config, path[-1], model.name, tracking_uri=uri, registry_uri=uri)
    champion = last.client.get_model_version_by_alias(last.model_name, "Champion")
    tags = champion.tags
    lineage = (f"{last.model_name} v{champion.version} <- {tags.get(SOURCE_TAG)} <- "
               f"{tags.get('lakestack.training_table')}@{tags.get('lakestack.training_version')}")
    out(f"\nlineage: {lineage}\ndone in {time.monotonic() - started:.0f}s")
    return lineage
