"""The MLOps jobs of one environment, as `databricks-sdk` job settings built from the platform config.

Modelled on MLOps Stacks: a training job (train -> validate -> deploy), a batch inference job that
scores with the `@Champion` alias, and for monitored models a monitoring job whose task unpacks the
endpoint's payload table into the processed inference table, refreshes the quality monitor, checks
drift against the model's threshold and starts the training job (found by its name) when it is crossed.
Every job runs the task code in `lifecycle/jobs/` from Git at the environment's ref, on serverless
job compute, as the environment's deployer service principal, and carries the managed tags by which
the seeder finds it again.
"""

from __future__ import annotations

from dataclasses import dataclass

from databricks.sdk.service import compute, jobs

from infra.config.model import MODEL_SCHEMA, Environment, ModelConfig

MANAGED_TAG = "managed-by"
MANAGED_VALUE = "lakestack"
PROJECT_TAG = "lakestack-project"
ENV_TAG = "lakestack-env"
MODEL_TAG = "lakestack-model"
KIND_TAG = "lakestack-job"
KINDS = ("training", "promotion", "batch-inference", "monitoring")

# The config the tasks read is the one in the Git checkout at the environment's ref, not a local copy.
TASK_CONFIG_PATH = "infra/platform.yaml"
TASKS_DIR = "lifecycle/jobs"
TRAIN_TASK_KEY = "train"

ENVIRONMENT_KEY = "lakestack"
SERVERLESS_ENVIRONMENT_VERSION = "3"
# What the task code imports at run time; the repository itself is on the path through the Git checkout.
# pyspark and Delta Lake come with the job's runtime: the tasks use its Spark session, never their own.
TASK_DEPENDENCIES = (
    "mlflow==3.17.2",
    "databricks-sdk>=0.60,<1",
    "pydantic>=2.7,<3",
    "pyyaml>=6.0",
    "scikit-learn>=1.4",
    "pandas>=2.1",
)


@dataclass(frozen=True)
class JobSpec:
    """One declared job: which model and kind it serves, and its full settings."""

    model: str
    kind: str
    settings: jobs.JobSettings
    permissions: dict[str, str]

    @property
    def name(self) -> str:
        assert self.settings.name
        return self.settings.name

    def access_control(self) -> list[jobs.JobAccessControlRequest]:
        return [
            jobs.JobAccessControlRequest(group_name=group, permission_level=jobs.JobPermissionLevel(level))
            for group, level in sorted(self.permissions.items())
        ]


def managed_tags(env: Environment, model: ModelConfig, kind: str) -> dict[str, str]:
    return {
        MANAGED_TAG: MANAGED_VALUE,
        PROJECT_TAG: env.platform.project,
        ENV_TAG: env.name,
        MODEL_TAG: model.name,
        KIND_TAG: kind,
    }


def is_managed(tags: dict[str, str] | None) -> bool:
    return (tags or {}).get(MANAGED_TAG) == MANAGED_VALUE


def is_seeded_for(tags: dict[str, str] | None, env: Environment) -> bool:
    """Whether lakestack seeded the job for this project and environment: the only jobs prune may delete."""
    tags = tags or {}
    return is_managed(tags) and tags.get(PROJECT_TAG) == env.platform.project and tags.get(ENV_TAG) == env.name


def build_job_specs(env: Environment, run_as_application_id: str) -> list[JobSpec]:
    """Every job of `env`, per model in config order: training (or promotion), batch inference, then monitoring.

    Under deploy-model only the training environment trains; the others get a promotion job that copies
    the previous environment's champion and validates it against their own.
    """
    return [
        _spec(env, model, kind, _tasks(env, model, kind), run_as_application_id)
        for model in env.platform.models
        for kind in env.job_kinds(model)
    ]


def _tasks(env: Environment, model: ModelConfig, kind: str) -> list[jobs.Task]:
    source = env.promotion_source(model)
    if kind == "training":
        return _training_tasks(env, model)
    if kind == "promotion" and source is not None:
        return _promotion_tasks(model, source)
    return _batch_tasks() if kind == "batch-inference" else _monitoring_tasks()


def _spec(env: Environment, model: ModelConfig, kind: str, tasks: list[jobs.Task], run_as: str) -> JobSpec:
    settings = jobs.JobSettings(
        name=env.job_name(model, kind),
        description=(f"{kind} job for {env.model_full_name(model)} in {env.name}. Managed by lakestack: "
                     "edits made in the workspace are reset by `lakestack bootstrap --apply`."),
        tags=managed_tags(env, model, kind),
        run_as=jobs.JobRunAs(service_principal_name=run_as),
        git_source=_git_source(env),
        parameters=_job_parameters(env, model),
        environments=[_serverless_environment()],
        tasks=tasks,
        schedule=_schedule(env, kind),
        email_notifications=jobs.JobEmailNotifications(on_failure=env.notification_emails),
        max_concurrent_runs=1,
        queue=jobs.QueueSettings(enabled=True),
        edit_mode=jobs.JobEditMode.UI_LOCKED,
    )
    return JobSpec(model=model.name, kind=kind, settings=settings, permissions=env.job_permissions)


def _git_source(env: Environment) -> jobs.GitSource:
    ref_type, ref = env.git_ref
    return jobs.GitSource(
        git_url=env.platform.github.url,
        git_provider=jobs.GitProvider.GIT_HUB,
        git_branch=ref if ref_type == "branch" else None,
        git_tag=ref if ref_type == "tag" else None,
    )


# Job parameters cannot be null: "latest" stands for "the training table's latest version at the run's start".
LATEST = "latest"


def _job_parameters(env: Environment, model: ModelConfig) -> list[jobs.JobParameterDefinition]:
    """What a run reads, overridable per run ("Run now with different parameters": training_version=12)."""
    version = model.data.training_version
    values = {"catalog": env.catalog, "schema": MODEL_SCHEMA, "model": model.name, "env": env.name,
              "training_table": env.training_table(model),
              "training_version": LATEST if version is None else str(version),
              "scoring_table": env.scoring_table(model)}
    return [jobs.JobParameterDefinition(name=name, default=value) for name, value in values.items()]


def _serverless_environment() -> jobs.JobEnvironment:
    return jobs.JobEnvironment(
        environment_key=ENVIRONMENT_KEY,
        spec=compute.Environment(environment_version=SERVERLESS_ENVIRONMENT_VERSION,
                                 dependencies=list(TASK_DEPENDENCIES)),
    )


def _schedule(env: Environment, kind: str) -> jobs.CronSchedule | None:
    """Training, batch inference and monitoring run on their schedules; a promotion runs when started
    (by the deploy workflow or by hand) after the source environment has a new champion."""
    config = env.config.jobs
    cron = env.job_schedule(kind)
    if cron is None:
        return None
    pause = jobs.PauseStatus.PAUSED if config.paused else jobs.PauseStatus.UNPAUSED
    return jobs.CronSchedule(quartz_cron_expression=cron, timezone_id=config.timezone, pause_status=pause)


def _python_task(key: str, script: str, options: list[str] | None = None,
                 depends_on: str | None = None) -> jobs.Task:
    parameters = ["--config", TASK_CONFIG_PATH, "--env", "{{job.parameters.env}}",
                  "--model", "{{job.parameters.model}}", *(options or [])]
    return jobs.Task(
        task_key=key,
        depends_on=[jobs.TaskDependency(task_key=depends_on)] if depends_on else None,
        environment_key=ENVIRONMENT_KEY,
        spark_python_task=jobs.SparkPythonTask(
            python_file=f"{TASKS_DIR}/{script}", source=jobs.Source.GIT, parameters=parameters,
        ),
    )


def _training_tasks(env: Environment, model: ModelConfig) -> list[jobs.Task]:
    fraction = env.config.jobs.data_fraction
    return [
        _python_task(TRAIN_TASK_KEY, "train.py", ["--data-fraction", f"{fraction:g}",
                                                  "--training-table", "{{job.parameters.training_table}}",
                                                  "--training-version", "{{job.parameters.training_version}}"]),
        # validate reads the version the train task published as a task value of this key's task
        _python_task("validate", "validate.py", ["--mode", model.validation_or_default.mode,
                                                 "--train-task-key", TRAIN_TASK_KEY], depends_on=TRAIN_TASK_KEY),
        _python_task("deploy", "deploy.py", depends_on="validate"),
    ]


def _promotion_tasks(model: ModelConfig, source: str) -> list[jobs.Task]:
    return [_python_task("promote", "promote.py", ["--from", source, "--mode", model.validation_or_default.mode])]


def _batch_tasks() -> list[jobs.Task]:
    """The run id keys the predictions: a repaired or rerun run replaces its rows instead of adding them."""
    options = ["--scoring-table", "{{job.parameters.scoring_table}}", "--run-id", "{{job.run_id}}"]
    return [_python_task("batch_inference", "batch_inference.py", options)]


def _monitoring_tasks() -> list[jobs.Task]:
    """One task: unpack payloads, refresh the monitor, check drift, start the training job on drift."""
    return [_python_task("monitor", "monitor.py")]
