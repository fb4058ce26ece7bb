"""Bad input to the lifecycle commands and tasks: a clear message, exit 2, no alias changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from lakestack.cli import main
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.deployment.promote import promote
from lifecycle.validation.validate import main as validate_main
from tests.conftest import EXAMPLE_CONFIG, ROOT
from tests.lifecycle.conftest import ENV, MODEL, STRONG, WEAK, model_entry, write_config


@pytest.fixture
def champion(ctx: TaskContext) -> dict[str, str]:
    """A model with a champion, so 'no alias changed' means something."""
    promote(ctx, WEAK)
    return registry.aliases(ctx.client, ctx.model_name)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(argv)
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.err


def test_unknown_model(ctx: TaskContext, champion: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["promote", "--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", "product_recomender",
                     "--version", STRONG], capsys)
    assert code == 2
    assert "unknown model 'product_recomender' (did you mean 'product_recommender'?)" in err
    assert registry.aliases(ctx.client, ctx.model_name) == champion


def test_missing_version(ctx: TaskContext, champion: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(["promote", "--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL,
                     "--version", "99"], capsys)
    assert code == 2
    assert "has no version 99; existing versions: 1, 2, 3" in err
    assert registry.aliases(ctx.client, ctx.model_name) == champion


def test_metric_missing_from_run(ctx: TaskContext, champion: dict[str, str], tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    def ask_for_unlogged_metric(raw: dict) -> None:
        model_entry(raw)["validation"]["metric"] = "f1_weighted"

    config = write_config(tmp_path, ask_for_unlogged_metric)
    code, err = run(["promote", "--config", str(config), "--env", ENV, "--model", MODEL, "--version", STRONG], capsys)
    assert code == 2
    assert "validation.metric 'f1_weighted' is missing from the candidate's run" in err
    assert "hint: use one of: roc_auc" in err
    assert registry.aliases(ctx.client, ctx.model_name) == champion


def test_unknown_environment_from_a_task(store_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = validate_main(["--config", str(EXAMPLE_CONFIG), "--env", "qa", "--model", MODEL])
    assert code == 2
    assert "unknown environment 'qa'" in capsys.readouterr().err


def test_validate_task_runs_as_a_file_like_a_job_task(ctx: TaskContext, champion: dict[str, str]) -> None:
    """`python lifecycle/jobs/validate.py ...` as `spark_python_task` runs it; latest version by default.

    Disabled mode reads no data: the store's tables live in this process's Spark session.
    """
    done = subprocess.run(
        [sys.executable, "lifecycle/jobs/validate.py", "--config", str(EXAMPLE_CONFIG), "--env", ENV,
         "--model", MODEL, "--mode", "disabled"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "validation of retail_staging.ml.product_recommender v3 (disabled): not judged" in done.stdout
    assert registry.aliases(ctx.client, ctx.model_name) == champion
