"""Monitoring task: unpack served requests, refresh the quality monitor, check drift, retrain if needed.

On Databricks (the monitoring job): new rows of the endpoint's payload table become typed rows of
the processed table (Spark SQL from `sql.py`); the quality monitor on that table is refreshed; the
drift check reads the monitor's drift metrics table; when it fires, the model's training job
(`env.job_name(model, "training")`) is started. A refresh runs in the background, so the check
reads the metrics of the previous refresh: drift is acted on one monitoring run after it is
computed. Offline: `--drift-metrics FILE` gives the metrics, and the retraining job is only named.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from infra.config import Environment, ModelConfig
from lakestack.errors import InputError
from lakestack.workspace import Workspace
from lifecycle.context import TaskContext
from lifecycle.deployment.serving import Connect, workspace_client
from lifecycle.entry import run_task, task_parser
from lifecycle.monitoring import drift, sql
from lifecycle.runtime import on_databricks, spark_session

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient

RunSql = Callable[[str], Any]


def unpack_payloads(run_sql: RunSql, env: Environment, model: ModelConfig) -> None:
    run_sql(sql.create_processed_sql(env, model))
    run_sql(sql.payload_unpack_sql(env, model))


def refresh_monitor(workspace: WorkspaceClient, env: Environment, model: ModelConfig) -> str:
    info = workspace.quality_monitors.run_refresh(table_name=env.processed_table(model))
    return str(info.refresh_id)


def trigger_retraining(workspace: WorkspaceClient, env: Environment, model: ModelConfig) -> int:
    """Start the model's training job; the job must have been seeded by `lakestack bootstrap`."""
    name = env.job_name(model, "training")
    job = next(iter(workspace.jobs.list(name=name)), None)
    if job is None or job.job_id is None:
        raise InputError(f"training job '{name}' not found in {env.host}",
                         hint=f"seed the jobs first: lakestack bootstrap --env {env.name} --apply")
    return int(workspace.jobs.run_now(job_id=job.job_id).run_id)


def run_monitor(ctx: TaskContext, *, metrics: pd.DataFrame | None = None, run_sql: RunSql | None = None,
                connect: Connect = workspace_client) -> tuple[drift.DriftDecision, list[str]]:
    """One monitoring pass; returns the drift decision and a line per step taken."""
    env, model = ctx.env, ctx.model
    if model.monitor is None:
        raise InputError(f"model '{model.name}' has no monitor block in the config")
    lines: list[str] = []
    connection = connect(env)
    workspace = Workspace.wrap(connection) if connection is not None else None
    if run_sql is not None:
        unpack_payloads(run_sql, env, model)
        lines.append(f"unpacked {env.payload_table(model)} into {env.processed_table(model)}")
    if workspace is not None:
        table = env.processed_table(model)
        refresh = workspace.call(f"queuing a refresh of the monitor on {table}", f"MANAGE on table {table}",
                                 lambda: refresh_monitor(workspace.client, env, model))
        lines.append(f"refresh {refresh} queued for the monitor on {env.processed_table(model)}")
    if metrics is None:
        if run_sql is None:
            raise InputError("no drift metrics: pass --drift-metrics FILE (offline) or run on Databricks")
        metrics = run_sql(sql.drift_query_sql(env, model)).toPandas()
    decision = drift.check(model, metrics)
    lines.append(f"drift check: {'retrain' if decision.retrain else 'no retraining'}: {decision.reason}")
    if decision.retrain:
        job = env.job_name(model, "training")
        if workspace is None:
            lines.append(f"offline: would start the training job {job}")
        else:
            run = workspace.call(f"starting the training job {job}", f"CAN_MANAGE_RUN on job {job}",
                                 lambda: trigger_retraining(workspace.client, env, model))
            lines.append(f"started training job {job} (run {run})")
    return decision, lines


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Unpack inference payloads, refresh the monitor, check drift, trigger retraining.")
    parser.add_argument("--drift-metrics", type=Path, metavar="FILE",
                        help="offline: drift metrics as CSV or parquet (window_start, column_name, drift_value)")
    return parser


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    metrics = drift.read_metrics(args.drift_metrics) if args.drift_metrics else None
    run_sql = spark_session().sql if on_databricks() else None
    _, lines = run_monitor(ctx, metrics=metrics, run_sql=run_sql)
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

