"""The monitoring task: unpack, refresh, drift check, and retraining through the real databricks-sdk."""

from __future__ import annotations

import pandas as pd
import pytest

from bootstrap.jobs import build_job_specs
from infra.config import PlatformConfig
from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.monitoring import sql
from lifecycle.monitoring.monitor import run_monitor
from tests.fakes.jobs_api import JobsState, install_jobs_api
from tests.fakes.monitoring_api import MonitoringState, install_monitoring_api
from tests.fakes.server import FakeDatabricks

MODEL = "product_recommender"  # drift_threshold 0.2, min_violating_windows 2


class RecordingSql:
    """Stands in for `spark.sql` (no Spark here): records statements, answers the drift query."""

    def __init__(self, drift_metrics: pd.DataFrame) -> None:
        self.statements: list[str] = []
        self.drift_metrics = drift_metrics

    def __call__(self, statement: str) -> RecordingSql:
        self.statements.append(statement)
        return self

    def toPandas(self) -> pd.DataFrame:
        return self.drift_metrics


def metrics(*maxima: float) -> pd.DataFrame:
    return pd.DataFrame({"window_start": pd.date_range("2025-03-01", periods=len(maxima)),
                         "column_name": "basket_value_30d", "drift_value": list(maxima)})


@pytest.fixture
def monitored(example_config: PlatformConfig,
              fake_databricks: FakeDatabricks) -> tuple[TaskContext, MonitoringState, JobsState]:
    """The prod workspace with the jobs `lakestack bootstrap` seeds, found by name as the task does."""
    ctx = TaskContext.resolve(example_config, "prod", MODEL, tracking_uri="sqlite:///unused.db")
    jobs = install_jobs_api(fake_databricks)
    for spec in build_job_specs(ctx.env, "deployer-application-id"):
        jobs.add_job(spec.settings.as_dict())
    return ctx, install_monitoring_api(fake_databricks, jobs), jobs


def training_job_id(jobs: JobsState, ctx: TaskContext) -> int:
    name = ctx.env.job_name(ctx.model, "training")
    return next(job_id for job_id, settings in jobs.jobs.items() if settings["name"] == name)


def test_drift_starts_the_training_job(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                       fake_databricks: FakeDatabricks) -> None:
    ctx, state, jobs = monitored
    spark_sql = RecordingSql(metrics(0.05, 0.3, 0.35))
    decision, lines = run_monitor(ctx, run_sql=spark_sql, connect=lambda _env: fake_databricks.client())
    assert decision.retrain
    assert state.runs == [training_job_id(jobs, ctx)]
    assert state.refreshed == [ctx.env.processed_table(ctx.model)]
    assert spark_sql.statements == [sql.create_processed_sql(ctx.env, ctx.model),
                                    sql.payload_unpack_sql(ctx.env, ctx.model),
                                    sql.drift_query_sql(ctx.env, ctx.model)]
    assert lines[-1] == f"started training job {ctx.env.job_name(ctx.model, 'training')} (run 1001)"


def test_no_drift_starts_nothing(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                 fake_databricks: FakeDatabricks) -> None:
    ctx, state, _jobs = monitored
    decision, _ = run_monitor(ctx, run_sql=RecordingSql(metrics(0.3, 0.05, 0.3)),
                              connect=lambda _env: fake_databricks.client())
    assert not decision.retrain
    assert state.runs == [] and len(state.refreshed) == 1


def test_missing_training_job_is_reported(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                          fake_databricks: FakeDatabricks) -> None:
    ctx, _state, jobs = monitored
    jobs.jobs.clear()
    with pytest.raises(InputError, match="training job 'retail-ml-prod-product_recommender-training' not found"):
        run_monitor(ctx, run_sql=RecordingSql(metrics(0.3, 0.3)), connect=lambda _env: fake_databricks.client())


def test_offline_names_the_job_it_would_start(monitored: tuple[TaskContext, MonitoringState, JobsState]) -> None:
    ctx, state, _jobs = monitored
    decision, lines = run_monitor(ctx, metrics=metrics(0.3, 0.3), connect=lambda _env: None)
    assert decision.retrain and state.runs == []
    assert lines[-1] == f"offline: would start the training job {ctx.env.job_name(ctx.model, 'training')}"
