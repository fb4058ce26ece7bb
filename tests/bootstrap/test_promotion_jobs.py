"""Jobs of a deploy-model model: only its training environment trains; the others receive and promote."""

from __future__ import annotations

from infra.config import PlatformConfig
from tests.bootstrap.test_jobs import option, specs_of

MODEL = "inventory_demand"  # deploy-model in the example, trained in dev


def kinds(config: PlatformConfig, env: str, model: str = MODEL) -> set[str]:
    return {s.kind for s in specs_of(config, env) if s.model == model}


def test_only_the_training_environment_trains_a_deploy_model_model(example_config: PlatformConfig) -> None:
    assert example_config.promotion_path(example_config.model(MODEL)) == ["dev", "staging", "prod"]
    assert "training" in kinds(example_config, "dev") and "promotion" not in kinds(example_config, "dev")
    for env in ("staging", "prod"):
        assert "training" not in kinds(example_config, env) and "promotion" in kinds(example_config, env)


def test_a_promotion_job_copies_from_the_previous_step_on_demand(example_config: PlatformConfig) -> None:
    for env, source in (("staging", "dev"), ("prod", "staging")):
        spec = next(s for s in specs_of(example_config, env) if s.model == MODEL and s.kind == "promotion")
        assert option(spec, "promote", "--from") == source
        assert spec.settings.tasks[0].spark_python_task.python_file == "lifecycle/jobs/promote.py"
        assert spec.settings.schedule is None  # started by the deploy workflow or by hand, not by a clock


def test_deploy_code_models_keep_a_training_job_everywhere(example_config: PlatformConfig) -> None:
    for env in ("dev", "staging", "prod"):
        assert kinds(example_config, env, "product_recommender") >= {"training"}
        assert "promotion" not in kinds(example_config, env, "product_recommender")
