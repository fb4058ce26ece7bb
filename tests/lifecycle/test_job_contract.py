"""The contract with the bootstrap job specs: every task file they name exists and accepts their arguments."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path

import pytest

from bootstrap.jobs import build_job_specs
from infra.config import PlatformConfig
from lifecycle.context import config_path
from lifecycle.training.train import optional_version
from tests.conftest import ROOT


@pytest.mark.parametrize("env_name", ["dev", "staging", "prod"])
def test_every_seeded_python_task_parses_its_parameters(example_config: PlatformConfig, env_name: str) -> None:
    env = example_config.env(env_name)
    seen = set()
    for spec in build_job_specs(env, "deployer-application-id"):
        for task in spec.settings.tasks:
            python_task = task.spark_python_task
            assert (ROOT / python_task.python_file).is_file(), python_task.python_file
            module = import_module(python_task.python_file.removesuffix(".py").replace("/", "."))
            defaults = {f"{{{{job.parameters.{p.name}}}}}": p.default for p in spec.settings.parameters}
            defaults["{{job.run_id}}"] = "1234"
            argv = [defaults.get(p, p) for p in python_task.parameters]
            assert not [p for p in argv if "{{" in p], argv  # every reference names a job parameter
            args = module.build_parser().parse_args(argv)
            assert (args.env, args.model) == (env.name, spec.model)
            model = example_config.model(spec.model)
            if hasattr(args, "training_version"):
                assert args.training_table == env.training_table(model)
                assert optional_version(args.training_version) == model.data.training_version
            if hasattr(args, "scoring_table"):
                assert args.scoring_table == env.scoring_table(model) and args.run_id == "1234"
            if hasattr(args, "train_task_key"):  # reads a task value published by that upstream task
                upstream = {d.task_key for d in task.depends_on or []}
                assert args.train_task_key in upstream, (task.task_key, args.train_task_key, upstream)
            seen.add(task.task_key)
    receives = any(env.promotion_source(model) for model in example_config.models)
    expected = ({"train", "validate", "deploy", "batch_inference"} | ({"monitor"} if env.monitored_models else set())
                | ({"promote"} if receives else set()))
    assert seen == expected


def test_relative_config_is_found_from_another_working_directory(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert config_path("infra/platform.yaml") == ROOT / "infra" / "platform.yaml"
    assert config_path("missing.yaml") == Path("missing.yaml")  # left for load_config to report
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "platform.yaml").write_text("project: local\n")
    assert config_path("infra/platform.yaml") == Path("infra/platform.yaml")  # the working directory wins
