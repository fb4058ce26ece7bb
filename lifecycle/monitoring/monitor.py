"""Monitoring task: unpack served requests, merge late labels, refresh the metrics, decide, retrain.

One pass, the same Spark code locally and on Databricks:

1. **Unpack** new payload rows of the endpoint's AI Gateway table into the processed table and fill
   model versions the system table did not know yet (`sql.py`); unreadable payloads are counted.
2. **Labels**: ground truth that has arrived is merged into the label column (`labels.py`).
3. **Metrics**: on Databricks the quality monitor on the processed table is refreshed; locally the
   stand-in (`metrics_standin.py`) writes the monitor's two metric tables from the processed table.
4. **Decide** (`drift.py`) on `sql.decision_query_sql`, the query the Terraform alert reads too.
5. **Retrain**: when the decision fires, the model's training job (`env.job_name(model, "training")`)
   is started on Databricks; offline it is only named.

A refresh on Databricks runs in the background, so the decision reads the metrics of the previous
refresh: drift is acted on one monitoring run after it is computed. Locally the stand-in is computed
before the decision, so the pass decides on its own metrics.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.config import Environment, ModelConfig
from lakestack.errors import InputError
from lakestack.workspace import Workspace
from lifecycle.context import TaskContext
from lifecycle.deployment.serving import Connect, workspace_client
from lifecycle.entry import run_task, task_parser
from lifecycle.monitoring import drift, labels, sql
from lifecycle.runtime import spark_session

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient


@dataclass(frozen=True)
class Unpacked:
    inserted: int
    versions_filled: int
    rejected: int


def _affected(result: Any) -> int:
    """Rows a Delta INSERT or MERGE touched (its first output column)."""
    rows = result.collect()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _count(spark: Any, table: str) -> int:
    return _affected(spark.sql(f"SELECT count(*) FROM {table}"))


def unpack_payloads(spark: Any, env: Environment, model: ModelConfig) -> Unpacked:
    spark.sql(sql.create_processed_sql(env, model))
    before = _count(spark, env.processed_table(model))
    spark.sql(sql.payload_unpack_sql(env, model))
    inserted = _count(spark, env.processed_table(model)) - before
    filled = _affected(spark.sql(sql.fill_versions_sql(env, model)))
    rejected = _affected(spark.sql(sql.rejected_count_sql(env, model)))
    return Unpacked(inserted, filled, rejected)


def merge_labels(spark: Any, env: Environment, model: ModelConfig) -> int | None:
    """Labels merged into the processed table; None when the model has no ground truth or none arrived."""
    statement = labels.merge_labels_sql(env, model)
    if statement is None or not labels.table_exists(spark, env.ground_truth_table(model)):
        return None
    return _affected(spark.sql(statement))


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


def _metrics(spark: Any, workspace: Workspace | None, env: Environment, model: ModelConfig) -> str:
    if workspace is not None:
        table = env.processed_table(model)
        refresh = workspace.call(f"queuing a refresh of the monitor on {table}", f"MANAGE on table {table}",
                                 lambda: refresh_monitor(workspace.client, env, model))
        return f"refresh {refresh} queued for the monitor on {table}"
    from lifecycle.monitoring import metrics_standin

    done = metrics_standin.refresh(spark, env, model)
    return (f"local monitor stand-in: {done.profile_rows} profile and {done.drift_rows} drift metric rows "
            f"in {env.monitoring_schema}")


def run_monitor(ctx: TaskContext, *, spark: Any, connect: Connect = workspace_client,
                ) -> tuple[drift.DriftDecision, list[str]]:
    """One monitoring pass; returns the decision and a line per step taken."""
    env, model = ctx.env, ctx.model
    if model.monitor is None:
        raise InputError(f"model '{model.name}' has no monitor block in the config")
    connection = connect(env)
    workspace = Workspace.wrap(connection) if connection is not None else None
    if workspace is None:  # locally nothing else creates the tables the pass reads
        from lifecycle.monitoring import gateway

        gateway.ensure_tables(spark, env, model)
    unpacked = unpack_payloads(spark, env, model)
    lines = [f"unpacked {unpacked.inserted} prediction row(s) from {env.payload_table(model)} into "
             f"{env.processed_table(model)}; {unpacked.versions_filled} model version(s) filled in; "
             f"{unpacked.rejected} unreadable request(s) left in the payload table"]
    merged = merge_labels(spark, env, model)
    if merged is not None:
        lines.append(f"merged {merged} label(s) from {env.ground_truth_table(model)}")
    lines.append(_metrics(spark, workspace, env, model))
    decision = drift.check(model, spark.sql(sql.decision_query_sql(env, model)).toPandas())
    lines.append(f"drift check: {'retrain' if decision.retrain else 'no retraining'}: {decision.reason}")
    if decision.retrain and not env.trains(model):
        path = env.platform.promotion_path(model)
        lines.append(f"deploy-model: {model.name} is trained in {path[0]}; retrain there, then promote the new "
                     f"version along {' -> '.join(path)}")
    elif decision.retrain:
        job = env.job_name(model, "training")
        if workspace is None:
            lines.append(f"offline: would start the training job {job}")
        else:
            run = workspace.call(f"starting the training job {job}", f"CAN_MANAGE_RUN on job {job}",
                                 lambda: trigger_retraining(workspace.client, env, model))
            lines.append(f"started training job {job} (run {run})")
    return decision, lines


def build_parser() -> argparse.ArgumentParser:
    return task_parser("Unpack inference payloads, merge labels, refresh the monitor, check drift, retrain.")


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    _, lines = run_monitor(ctx, spark=spark_session(ctx.config))
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)
