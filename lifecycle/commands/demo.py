"""`lakestack demo`: the whole model lifecycle on a local MLflow store, no Databricks needed.

train -> validate and promote -> batch score -> traffic without drift -> drift check (quiet) ->
simulated drift -> drift check (fires) -> retrain on the drifted data -> validate and promote.
Every step calls the same task code the Databricks jobs run; only the data and the drift metrics
are local (generated rows, and drift computed like the monitor's instead of read from its table).
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lakestack.options import check_env
from lifecycle.batch_inference.score import score
from lifecycle.context import TaskContext, find_model
from lifecycle.deployment import registry
from lifecycle.deployment.promote import promote
from lifecycle.examples import generator as data
from lifecycle.monitoring import drift
from lifecycle.monitoring.monitor import run_monitor
from lifecycle.training.train import describe, train

DEFAULT_WORKDIR = Path(".lakestack/demo")
MARKER = ".lakestack-demo"
WINDOW_ROWS = 300
CALM_WINDOWS = (0.0,) * 5
DRIFTING_WINDOWS = (0.3, 0.6, 0.9, 1.0)
DRIFTED = 1.0

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


def _traffic(ctx: TaskContext, drifts: tuple[float, ...], first_day: int) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """One day of served requests per drift level."""
    return [(data.START + pd.Timedelta(days=first_day + i), data.load_frame(ctx.model, rows=WINDOW_ROWS, drift=d,
                                                                              seed=100 + first_day + i))
            for i, d in enumerate(drifts)]


def _quiet_mlflow() -> None:
    """MLflow sets its logger to INFO when imported; the store's set-up chatter would hide the steps."""
    import mlflow  # noqa: F401 - imported for its logging set-up, which this then overrides

    logging.getLogger("mlflow").setLevel(logging.WARNING)


def run_demo(config: PlatformConfig, env_name: str | None, model_name: str | None, workdir: Path,
             out: Print = print) -> TaskContext:
    model_name = model_name or (config.models[0].name if config.models else "")
    env_name = env_name or default_env(config, model_name)
    check_env(config, env_name)
    find_model(config, model_name)
    store = fresh_workdir(workdir)
    _quiet_mlflow()
    uri = f"sqlite:///{store / 'mlflow.db'}"
    ctx = TaskContext.resolve(config, env_name, model_name, tracking_uri=uri, registry_uri=uri)
    steps = iter(range(1, 8))

    def step(title: str) -> None:
        out(f"\n[{next(steps)}/7] {title}")

    out(f"lifecycle demo: {ctx.model_name} in environment '{env_name}', MLflow store {uri}")
    step("train on the current data")
    first = train(ctx)
    out(describe(ctx, first))

    step("validate and promote (no champion yet)")
    out(promote(ctx, first.version, mode="enabled").render())

    step("batch score with the Champion")
    scored = score(ctx)
    scored.to_parquet(store / "batch_predictions.parquet", index=False)
    out(f"scored {len(scored)} rows with models:/{ctx.model_name}@Champion "
        f"(v{scored[ctx.model.model_id_col].iloc[0]}) -> {store / 'batch_predictions.parquet'}")

    baseline = data.split(data.load_frame(ctx.model)).train
    calm = _traffic(ctx, CALM_WINDOWS, 0)
    step(f"serve {len(calm)} days of traffic like the training data, then run the monitoring task")
    _check(ctx, store, baseline, calm, out)

    drifting = _traffic(ctx, DRIFTING_WINDOWS, len(calm))
    step(f"simulate drift: {len(drifting)} more days as customer behaviour shifts, then run the monitoring task")
    decision = _check(ctx, store, baseline, calm + drifting, out)
    if not decision.retrain:
        out("the drift check did not fire; the demo stops here")
        return ctx

    step("retrain on the drifted data")
    second = train(ctx, drift=DRIFTED)
    out(describe(ctx, second))

    step("validate against the champion on the drifted data and promote")
    out(promote(ctx, second.version, mode="enabled", drift=DRIFTED).render())
    history = registry.champion_history(ctx.client, ctx.model_name)
    out(f"\ndone: aliases {registry.aliases(ctx.client, ctx.model_name)}, previous champions {history}")
    out(f"roll back with: MLFLOW_TRACKING_URI={uri} lakestack rollback --env {env_name} --model {model_name}")
    return ctx


def _check(ctx: TaskContext, store: Path, baseline: pd.DataFrame,
           windows: list[tuple[pd.Timestamp, pd.DataFrame]], out: Print) -> drift.DriftDecision:
    """Write the drift metrics like the monitor would, then run the monitoring task on them."""
    metrics = drift.local_drift_metrics(ctx.model, baseline, windows)
    metrics.to_parquet(store / "drift_metrics.parquet", index=False)
    decision, lines = run_monitor(ctx, metrics=drift.read_metrics(store / "drift_metrics.parquet"))
    out("largest feature drift per day (js_distance): " + ", ".join(f"{v:.2f}" for _, v in decision.window_scores))
    for line in lines:
        out(line)
    return decision
