"""Job specs built from the config: identity, tags, data subset, which jobs exist, schedules, code."""

from __future__ import annotations

from pathlib import Path

import pytest
from databricks.sdk.service import jobs

from bootstrap.jobs import KINDS, MANAGED_TAG, MANAGED_VALUE, TASK_CONFIG_PATH, build_job_specs
from infra.config import PlatformConfig
from tests.configs import config_from_data, example_data

ROOT = Path(__file__).resolve().parents[2]
SP = "5f0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"


def specs_of(config: PlatformConfig, env: str) -> list:
    return build_job_specs(config.env(env), SP)


def python_tasks(spec) -> list[jobs.SparkPythonTask]:
    return [task.spark_python_task for task in spec.settings.tasks if task.spark_python_task]


def option(spec, task_key: str, name: str) -> str:
    task = next(t for t in spec.settings.tasks if t.task_key == task_key)
    parameters = task.spark_python_task.parameters
    return parameters[parameters.index(name) + 1]


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_every_job_runs_as_the_deployer_and_carries_the_managed_tags(example_config: PlatformConfig, env: str) -> None:
    specs = specs_of(example_config, env)
    assert specs
    for spec in specs:
        settings = spec.settings
        assert settings.run_as == jobs.JobRunAs(service_principal_name=SP)
        assert settings.tags[MANAGED_TAG] == MANAGED_VALUE
        assert settings.tags["lakestack-env"] == env
        assert settings.tags["lakestack-model"] == spec.model
        assert settings.tags["lakestack-job"] == spec.kind
        assert settings.name == example_config.env(env).job_name(example_config.model(spec.model), spec.kind)


def test_staging_trains_on_the_configured_data_subset_and_prod_on_all_of_it(example_config: PlatformConfig) -> None:
    fractions = {env: {option(s, "train", "--data-fraction") for s in specs_of(example_config, env)
                       if s.kind == "training"} for env in ("staging", "prod")}
    assert fractions == {"staging": {"0.1"}, "prod": {"1"}}


def test_training_runs_train_then_validate_then_deploy_with_the_validation_mode(example_config) -> None:
    spec = next(s for s in specs_of(example_config, "staging") if s.kind == "training")
    order = {t.task_key: [d.task_key for d in t.depends_on or []] for t in spec.settings.tasks}
    assert order == {"train": [], "validate": ["train"], "deploy": ["validate"]}
    assert option(spec, "validate", "--mode") == "enabled"


def test_monitoring_jobs_exist_only_for_monitored_models(tmp_path: Path, example_config) -> None:
    data = example_data()
    del data["models"][1]["monitor"]  # price_elasticity served but not monitored
    config = config_from_data(tmp_path, data)
    kinds = {(s.model, s.kind) for s in specs_of(config, "staging")}
    assert ("price_elasticity", "monitoring") not in kinds
    assert {("product_recommender", "monitoring"), ("inventory_demand", "monitoring")} <= kinds
    assert {kind for _, kind in kinds} == set(KINDS)
    # dev serves nothing, so nothing is monitored there
    assert not [s for s in specs_of(example_config, "dev") if s.kind == "monitoring"]


def test_tasks_run_the_task_files_from_git_with_config_env_and_model(example_config) -> None:
    for spec in specs_of(example_config, "prod"):
        git = spec.settings.git_source
        assert (git.git_url, git.git_branch, git.git_tag) == ("https://github.com/acme/retail-ml", "release", None)
        for task in python_tasks(spec):
            assert task.source == jobs.Source.GIT
            assert (ROOT / task.python_file).is_file(), f"{task.python_file} is not in the repository"
            assert task.parameters[:6] == ["--config", TASK_CONFIG_PATH, "--env", "{{job.parameters.env}}",
                                           "--model", "{{job.parameters.model}}"]
        parameters = {p.name: p.default for p in spec.settings.parameters}
        assert parameters == {"catalog": "retail_prod", "schema": "ml", "model": spec.model, "env": "prod",
                              "training_table": f"retail_prod.ml.{spec.model}_training",
                              "training_version": "latest", "scoring_table": f"retail_prod.ml.{spec.model}_scoring"}


def test_training_and_batch_tasks_take_the_data_settings_from_job_parameters(example_config) -> None:
    for spec in specs_of(example_config, "staging"):
        if spec.kind == "training":
            assert option(spec, "train", "--training-table") == "{{job.parameters.training_table}}"
            assert option(spec, "train", "--training-version") == "{{job.parameters.training_version}}"
        if spec.kind == "batch-inference":
            assert option(spec, "batch_inference", "--scoring-table") == "{{job.parameters.scoring_table}}"
            assert option(spec, "batch_inference", "--run-id") == "{{job.run_id}}"  # a rerun replaces its rows


def test_batch_and_monitoring_jobs_run_their_task_files(example_config) -> None:
    files = {s.kind: [t.python_file for t in python_tasks(s)] for s in specs_of(example_config, "staging")
             if s.model == "product_recommender"}
    assert files == {"training": ["lifecycle/jobs/train.py", "lifecycle/jobs/validate.py",
                                  "lifecycle/jobs/deploy.py"],
                     "batch-inference": ["lifecycle/jobs/batch_inference.py"],
                     "monitoring": ["lifecycle/jobs/monitor.py"]}


def test_a_git_tag_replaces_the_branch(tmp_path: Path) -> None:
    data = example_data()
    data["environments"]["prod"]["jobs"] = {"git_tag": "v1.4.0"}
    spec = specs_of(config_from_data(tmp_path, data), "prod")[0]
    assert (spec.settings.git_source.git_tag, spec.settings.git_source.git_branch) == ("v1.4.0", None)


def test_schedules_come_from_the_config_and_pause_when_jobs_are_paused(example_config) -> None:
    schedules = {s.kind: s.settings.schedule for s in specs_of(example_config, "staging")
                 if s.kind != "promotion"}  # a promotion runs when started (tests/bootstrap/test_promotion_jobs.py)
    assert schedules["training"].quartz_cron_expression == "0 0 3 ? * MON"
    assert schedules["batch-inference"].quartz_cron_expression == "0 0 5 * * ?"
    assert schedules["monitoring"].quartz_cron_expression == "0 0 7 * * ?"
    assert {s.pause_status for s in schedules.values()} == {jobs.PauseStatus.UNPAUSED}
    dev = {s.settings.schedule.pause_status for s in specs_of(example_config, "dev") if s.settings.schedule}
    assert dev == {jobs.PauseStatus.PAUSED}  # dev sets jobs.paused: true


def test_permissions_notifications_and_serverless_compute(example_config) -> None:
    for spec in specs_of(example_config, "staging"):
        assert spec.permissions == {"retail-ml-engineers": "CAN_MANAGE_RUN", "retail-data-scientists": "CAN_VIEW"}
        acl = {(a.group_name, a.permission_level) for a in spec.access_control()}
        assert acl == {("retail-ml-engineers", jobs.JobPermissionLevel.CAN_MANAGE_RUN),
                       ("retail-data-scientists", jobs.JobPermissionLevel.CAN_VIEW)}
        assert spec.settings.email_notifications.on_failure == ["ml-platform-oncall@acme.example"]
        (environment,) = spec.settings.environments
        assert environment.spec.environment_version and "mlflow==3.17.2" in environment.spec.dependencies
        assert all(t.environment_key == environment.environment_key for t in spec.settings.tasks)
        assert not spec.settings.job_clusters
