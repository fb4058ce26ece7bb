"""The deploy-model path on a real local MLflow store with three-level names: copy, validate, promote, reject.

`product_recommender` is trained in staging by the session's base store (versions WEAK, STRONG, STALE);
here it is switched to deploy-model with the path staging -> prod, so prod receives copies of staging's
versions and judges them against its own champion.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.config import PlatformConfig, load_config
from lakestack.cli import main
from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.deployment.cross_env import DECISION_TAG, SOURCE_RUN_TAG, SOURCE_TAG, promote_across
from lifecycle.deployment.promote import promote
from lifecycle.examples.seed import seed_model_tables
from tests.lifecycle.conftest import ENV, MODEL, STALE, STRONG, WEAK, model_entry, write_config

TARGET = "prod"


def deploy_model(raw: dict[str, Any]) -> None:
    model_entry(raw)["deployment"] = {"strategy": "deploy-model", "train_in": ENV, "path": [ENV, TARGET]}


@pytest.fixture(scope="module")
def target_tables(spark: Any, example_config: PlatformConfig) -> Iterator[None]:
    """The target's own data: a copy is validated on the receiving environment's evaluation data.

    Dropped afterwards: the session's catalog is shared, and other tests rely on prod having no tables.
    """
    seeded = seed_model_tables(spark, example_config.env(TARGET), example_config.model(MODEL))
    yield
    for table in seeded.versions:
        spark.sql(f"DROP TABLE IF EXISTS {table}")


@pytest.fixture
def config_file(tmp_path: Path, store_uri: str, target_tables: None) -> Path:
    return write_config(tmp_path, deploy_model)


@pytest.fixture
def config(config_file: Path) -> PlatformConfig:
    return load_config(config_file)


def target(config: PlatformConfig) -> TaskContext:
    return TaskContext.resolve(config, TARGET, MODEL)


def test_a_copy_keeps_its_lineage_and_becomes_the_targets_champion(config: PlatformConfig) -> None:
    result = promote_across(config, MODEL, ENV, TARGET, version=STRONG)
    assert result.decision == "promoted" and result.copied and result.exit_code == 0
    ctx = target(config)
    copy = ctx.client.get_model_version(ctx.model_name, result.target_version)
    source = TaskContext.resolve(config, ENV, MODEL)
    original = source.client.get_model_version(source.model_name, STRONG)
    assert copy.tags[SOURCE_TAG] == f"{source.model_name}/{STRONG}"
    assert copy.tags[SOURCE_RUN_TAG] == original.run_id
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": result.target_version}
    assert registry.aliases(source.client, source.model_name) == {}  # the source's aliases are its own


def test_a_version_the_source_itself_received_is_decided_again_in_the_target(config: PlatformConfig) -> None:
    """dev -> staging -> prod: staging's copy carries staging's decision; prod still validates it."""
    source = TaskContext.resolve(config, ENV, MODEL)
    source.client.set_model_version_tag(source.model_name, STRONG, DECISION_TAG, "promoted")
    result = promote_across(config, MODEL, ENV, TARGET, version=STRONG)
    assert result.promotion is not None and result.decision == "promoted"
    ctx = target(config)
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": result.target_version}


def test_the_sources_champion_is_the_default_candidate(config: PlatformConfig) -> None:
    promote(TaskContext.resolve(config, ENV, MODEL), STRONG)
    result = promote_across(config, MODEL, ENV, TARGET)
    assert result.source_version == STRONG and result.decision == "promoted"


def test_a_worse_copy_is_rejected_and_stays_a_version_without_aliases(config: PlatformConfig) -> None:
    first = promote_across(config, MODEL, ENV, TARGET, version=STRONG)
    result = promote_across(config, MODEL, ENV, TARGET, version=WEAK)
    assert result.decision == "rejected" and result.exit_code == 1
    ctx = target(config)
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": first.target_version}
    rejected = ctx.client.get_model_version(ctx.model_name, result.target_version)
    assert rejected.aliases == [] and rejected.tags[DECISION_TAG] == "rejected"


def test_a_rerun_of_the_same_step_copies_and_decides_nothing(config: PlatformConfig) -> None:
    first = promote_across(config, MODEL, ENV, TARGET, version=STALE)
    again = promote_across(config, MODEL, ENV, TARGET, version=STALE)
    ctx = target(config)
    versions = ctx.client.search_model_versions(f"name='{ctx.model_name}'")
    assert len(versions) == 1 and again.target_version == first.target_version
    assert not again.copied and again.promotion is None and again.decision == first.decision == "rejected"


@pytest.mark.parametrize(("source", "to", "needle"), [
    (TARGET, ENV, "is not a step"),        # downwards
    ("dev", TARGET, "is not a step"),      # off the path
])
def test_steps_off_the_path_are_refused(config: PlatformConfig, source: str, to: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        promote_across(config, MODEL, source, to, version=STRONG)
    ctx = target(config)
    assert ctx.client.search_model_versions(f"name='{ctx.model_name}'") == []


def test_deploy_code_models_do_not_promote_across(example_config: PlatformConfig, store_uri: str) -> None:
    with pytest.raises(InputError, match="deploy-code"):
        promote_across(example_config, MODEL, ENV, TARGET, version=STRONG)


def test_the_command_promotes_from_one_environment_to_the_next(config_file: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    args = ["promote", "--config", str(config_file), "--model", MODEL, "--from", ENV, "--to", TARGET,
            "--version", STRONG, "--format", "json"]
    assert main(args) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["decision"] == "promoted" and first["copied"]
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["rerun"] and again["target_version"] == first["target_version"]
