"""The monitoring task on Databricks: statements in order, monitor refresh and retraining through the real SDK."""

from __future__ import annotations

import pandas as pd
import pytest

from bootstrap.jobs import build_job_specs
from infra.config import PlatformConfig
from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.monitoring import drift, labels, sql
from lifecycle.monitoring.monitor import run_monitor
from tests.fakes.jobs_api import JobsState, install_jobs_api
from tests.fakes.monitoring_api import MonitoringState, install_monitoring_api
from tests.fakes.server import FakeDatabricks

MODEL = "product_recommender"  # drift_threshold 0.2, min_violating_windows 2


class Result:
    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def collect(self) -> list[tuple]:
        return [tuple(row) for row in self.frame.itertuples(index=False)]

    def toPandas(self) -> pd.DataFrame:
        return self.frame


class RecordingSpark:
    """Stands in for the job's `spark` (Spark itself is tested in test_monitor_spark.py): records statements,
    answers counts with 0, the ground-truth table as present, and the decision query with given windows."""

    def __init__(self, windows: pd.DataFrame, decision_sql: str) -> None:
        self.statements: list[str] = []
        self.windows, self.decision_sql = windows, decision_sql
        self.catalog = self

    def tableExists(self, _name: str) -> bool:  # the pyspark name
        return True

    def sql(self, statement: str) -> Result:
        self.statements.append(statement)
        return Result(self.windows if statement == self.decision_sql else pd.DataFrame({"n": [0]}))


def windows(*violations: bool) -> pd.DataFrame:
    return pd.DataFrame({"window_start": pd.date_range("2025-03-01", periods=len(violations)),
                         "model_version": "1", "data_drift": [0.3 if v else 0.05 for v in violations],
                         "performance": 0.9, "data_drift_violated": list(violations),
                         "performance_violated": False})[list(drift.REQUIRED_COLUMNS)]


@pytest.fixture
def monitored(example_config: PlatformConfig,
              fake_databricks: FakeDatabricks) -> tuple[TaskContext, MonitoringState, JobsState]:
    """The prod workspace with the jobs `lakestack bootstrap` seeds, found by name as the task does."""
    ctx = TaskContext.resolve(example_config, "prod", MODEL, tracking_uri="sqlite:///unused.db")
    jobs = install_jobs_api(fake_databricks)
    for spec in build_job_specs(ctx.env, "deployer-application-id"):
        jobs.add_job(spec.settings.as_dict())
    return ctx, install_monitoring_api(fake_databricks, jobs), jobs


def spark_for(ctx: TaskContext, *violations: bool) -> RecordingSpark:
    return RecordingSpark(windows(*violations), sql.decision_query_sql(ctx.env, ctx.model))


def training_job_id(jobs: JobsState, ctx: TaskContext) -> int:
    name = ctx.env.job_name(ctx.model, "training")
    return next(job_id for job_id, settings in jobs.jobs.items() if settings["name"] == name)


def test_drift_starts_the_training_job(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                       fake_databricks: FakeDatabricks) -> None:
    ctx, state, jobs = monitored
    env, model = ctx.env, ctx.model
    spark = spark_for(ctx, False, True, True)
    decision, lines = run_monitor(ctx, spark=spark, connect=lambda _env: fake_databricks.client())
    assert decision.retrain
    assert state.runs == [training_job_id(jobs, ctx)]
    assert state.refreshed == [env.processed_table(model)]
    count = f"SELECT count(*) FROM {env.processed_table(model)}"
    assert spark.statements == [sql.create_processed_sql(env, model), count, sql.payload_unpack_sql(env, model),
                                count, sql.fill_versions_sql(env, model), sql.rejected_count_sql(env, model),
                                labels.merge_labels_sql(env, model), sql.decision_query_sql(env, model)]
    assert lines[-1] == f"started training job {env.job_name(model, 'training')} (run 1001)"


def test_no_drift_starts_nothing(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                 fake_databricks: FakeDatabricks) -> None:
    ctx, state, _jobs = monitored
    decision, _ = run_monitor(ctx, spark=spark_for(ctx, True, False, True),
                              connect=lambda _env: fake_databricks.client())
    assert not decision.retrain
    assert state.runs == [] and len(state.refreshed) == 1


def test_missing_training_job_is_reported(monitored: tuple[TaskContext, MonitoringState, JobsState],
                                          fake_databricks: FakeDatabricks) -> None:
    ctx, _state, jobs = monitored
    jobs.jobs.clear()
    with pytest.raises(InputError, match="training job 'retail-ml-prod-product_recommender-training' not found"):
        run_monitor(ctx, spark=spark_for(ctx, True, True), connect=lambda _env: fake_databricks.client())


def test_a_received_model_is_retrained_where_it_trains(example_config: PlatformConfig,
                                                       fake_databricks: FakeDatabricks) -> None:
    """inventory_demand is deploy-model (trained in dev): drift in prod names the path and starts no job."""
    ctx = TaskContext.resolve(example_config, "prod", "inventory_demand", tracking_uri="sqlite:///unused.db")
    jobs = install_jobs_api(fake_databricks)
    state = install_monitoring_api(fake_databricks, jobs)
    decision, lines = run_monitor(ctx, spark=spark_for(ctx, True, True, True),
                                  connect=lambda _env: fake_databricks.client())
    assert decision.retrain and state.runs == []
    assert lines[-1] == ("deploy-model: inventory_demand is trained in dev; retrain there, then promote the new "
                         "version along dev -> staging -> prod")
