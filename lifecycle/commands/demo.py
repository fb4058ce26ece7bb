"""`lakestack demo`: the whole model lifecycle offline, on local Spark + Delta Lake and a local MLflow store.

seed the example tables -> train at a pinned Delta version -> validate and promote -> batch score ->
serve calm traffic (payloads logged like the AI Gateway does) and labels arriving late -> monitoring
pass (quiet) -> customer behaviour shifts: drifted traffic and its late labels -> monitoring pass
(data drift and a drop in accuracy: retrain) -> the training table is refreshed with the new weeks ->
retrain at its new version -> champion/challenger validation and promotion -> the lineage of the new champion.

Every step runs the code the Databricks jobs run, on tables with the configured three-level names;
only the tables' contents are generated (`lifecycle.examples`), and the monitor's metric tables are
computed locally by its stand-in.
"""

from __future__ import annotations

import logging
import shutil
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lakestack.options import check_env
from lifecycle.batch_inference.score import champion_uri, score
from lifecycle.context import TaskContext, find_model
from lifecycle.deployment import registry
from lifecycle.deployment.promote import promote
from lifecycle.examples import generator
from lifecycle.examples.seed import seed_model_tables
from lifecycle.monitoring import gateway
from lifecycle.monitoring.monitor import run_monitor
from lifecycle.spark import local_session, warehouse_of
from lifecycle.training.columns import features_of, label_name
from lifecycle.training.train import describe, train

DEFAULT_WORKDIR = Path(".lakestack/demo")
MARKER = ".lakestack-demo"
REQUESTS_PER_DAY = 300
CALM_DAYS = 3
SHIFTED_DAYS = 3
SHIFTED = 1.0
SHIFTED_TRAINING_ROWS = 4000
STEPS = 9

Print = Callable[[str], None]


def default_env(config: PlatformConfig, model_name: str) -> str:
    """The first environment that serves the model (so the serving step shows), else the first one."""
    model = find_model(config, model_name)
    return next((e.name for e in config.envs() if model in e.served_models), next(iter(config.environments)))


def fresh_workdir(path: Path) -> Path:
    """Empty `path` for a new store; refuse to wipe a directory this demo did not create."""
    if path.exists() and any(path.iterdir()) and not (path / MARKER).exists():
        raise InputError(f"{path} exists and is not a demo directory; choose another --workdir")
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    (path / MARKER).touch()
    return path.resolve()


def _quiet() -> None:
    """MLflow sets its logger to INFO when imported; its set-up chatter would hide the steps."""
    import mlflow  # noqa: F401 - imported for its logging set-up, which this then overrides

    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", module="mlflow")
    # pandas' Arrow-backed strings: pyspark falls back to its row path, which works; the notice says nothing new
    warnings.filterwarnings("ignore", message="createDataFrame attempted Arrow optimization")


class Steps:
    """`[n/9 +12.3s] title`: one line per step, with the time since the demo started."""

    def __init__(self, out: Print) -> None:
        self.out, self.started, self.count = out, time.monotonic(), 0

    def __call__(self, title: str) -> None:
        self.count += 1
        self.out(f"\n[{self.count}/{STEPS} +{time.monotonic() - self.started:.1f}s] {title}")


def _serve_days(ctx: TaskContext, spark: Any, first_day: int, days: int, shift: float) -> pd.DataFrame:
    """Requests to the endpoint, answered by the Champion and logged like the AI Gateway; their true labels."""
    import mlflow

    champion = registry.alias_version(ctx.client, ctx.model_name, registry.CHAMPION)
    served_entity = f"{ctx.model.name}-{champion}"
    gateway.register_served_entity(spark, ctx.env, ctx.model, served_entity, str(champion))
    model = mlflow.pyfunc.load_model(champion_uri(ctx))
    start = generator.START + pd.Timedelta(days=generator.DAYS + 2 + first_day)
    truth = []
    for day in range(days):
        records = generator.load_frame(ctx.model, rows=REQUESTS_PER_DAY, drift=shift, seed=500 + first_day + day,
                                       start=start + pd.Timedelta(days=day), days=1)
        answers = model.predict(features_of(ctx.model, records))
        placed = gateway.log_requests(spark, ctx.env, ctx.model, records, answers,
                                      list(records[ctx.model.timestamp_col]), served_entity_id=served_entity)
        truth.append(placed.assign(**{label_name(ctx.model): records[label_name(ctx.model)].to_numpy()}))
    return pd.concat(truth, ignore_index=True)


def _monitor(ctx: TaskContext, spark: Any, out: Print) -> bool:
    decision, lines = run_monitor(ctx, spark=spark)
    for line in lines:
        out(line)
    return decision.retrain


def run_demo(config: PlatformConfig, env_name: str | None, model_name: str | None, workdir: Path,
             out: Print = print) -> TaskContext:
    model_name = model_name or (config.models[0].name if config.models else "")
    env_name = env_name or default_env(config, model_name)
    check_env(config, env_name)
    if find_model(config, model_name).monitor is None:
        raise InputError(f"model '{model_name}' has no monitor: the demo needs one to show drift")
    store = fresh_workdir(workdir)
    _quiet()
    uri = f"sqlite:///{store / 'mlflow.db'}"
    ctx = TaskContext.resolve(config, env_name, model_name, tracking_uri=uri, registry_uri=uri)
    step = Steps(out)
    out(f"lifecycle demo: {ctx.model_name} in environment '{env_name}', MLflow store {uri}")
    # One process: an in-memory catalog is enough and starts faster than a metastore.
    spark = local_session(config, store / "warehouse", persistent=False, out=out)
    out(f"Spark warehouse: {warehouse_of(spark)}")
    model, env = ctx.model, ctx.env

    step("seed the example tables (generated rows, the configured names)")
    out("wrote " + seed_model_tables(spark, env, model).describe())

    step("train at the training table's latest Delta version")
    first = train(ctx)
    out(describe(ctx, first))

    step("validate and promote (no champion yet)")
    out(promote(ctx, first.version, mode="enabled").render())

    step("batch score the scoring table with the Champion")
    out(score(ctx, run_id="demo-batch-1").describe(champion_uri(ctx)))

    step(f"serve {CALM_DAYS} days of requests like the training data; their labels arrive late; monitor")
    calm_truth = _serve_days(ctx, spark, 0, CALM_DAYS, 0.0)
    _monitor(ctx, spark, out)  # requests unpacked, no labels yet
    gateway.write_ground_truth(spark, env, model, calm_truth, "request_id")
    out(f"{len(calm_truth)} labels arrived in {env.ground_truth_table(model)}")
    _monitor(ctx, spark, out)

    step(f"customer behaviour shifts: {SHIFTED_DAYS} more days of requests, then their labels; monitor")
    shifted_truth = _serve_days(ctx, spark, CALM_DAYS, SHIFTED_DAYS, SHIFTED)
    gateway.write_ground_truth(spark, env, model, shifted_truth, "request_id")
    out(f"{len(shifted_truth)} labels arrived in {env.ground_truth_table(model)}")
    if not _monitor(ctx, spark, out):
        out("the drift check did not fire; the demo stops here")
        return ctx

    step("the training table is refreshed with the shifted weeks; retrain at its new version")
    landed = seed_model_tables(spark, env, model, rows=SHIFTED_TRAINING_ROWS, drift=SHIFTED, seed=1,
                               start=generator.START + pd.Timedelta(days=generator.DAYS + 2))
    out("wrote " + landed.describe() + " (earlier versions stay readable: Delta time travel)")
    second = train(ctx)
    out(describe(ctx, second))

    step("champion/challenger on the challenger's evaluation data, then promote")
    out(promote(ctx, second.version, mode="enabled").render())

    step("lineage of the champion")
    champion = registry.alias_version(ctx.client, ctx.model_name, registry.CHAMPION)
    tags = ctx.client.get_model_version(ctx.model_name, str(champion)).tags
    out(f"model v{champion} <- {tags['lakestack.training_table']}@{tags['lakestack.training_version']}")
    history = registry.champion_history(ctx.client, ctx.model_name)
    out(f"\ndone in {time.monotonic() - step.started:.0f}s: aliases {registry.aliases(ctx.client, ctx.model_name)}, "
        f"previous champions {history}")
    out(f"roll back with: MLFLOW_TRACKING_URI={uri} lakestack rollback --env {env_name} --model {model_name}")
    return ctx
