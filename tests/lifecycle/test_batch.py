"""Batch inference scores with whatever `Champion` names, so promotion and rollback move it too."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lakestack.errors import InputError
from lifecycle.batch_inference.score import main as batch_main
from lifecycle.batch_inference.score import score
from lifecycle.context import TaskContext
from lifecycle.deployment.deploy import rollback
from lifecycle.deployment.promote import promote
from lifecycle.training.train import main as train_main
from tests.conftest import EXAMPLE_CONFIG
from tests.lifecycle.conftest import ENV, MODEL, STRONG, WEAK


def test_scores_follow_the_champion(ctx: TaskContext, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="has no Champion yet"):
        score(ctx)
    promote(ctx, WEAK)
    promote(ctx, STRONG)
    output = tmp_path / "scores.parquet"
    argv = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL, "--output", str(output)]
    assert batch_main(argv) == 0
    scored = pd.read_parquet(output)
    assert set(scored["model_version"]) == {STRONG}
    assert set(scored["prediction"]) <= {0, 1} and len(scored) > 0
    rollback(ctx)
    assert set(score(ctx)["model_version"]) == {WEAK}


def test_train_refuses_a_bad_data_fraction(store_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL, "--data-fraction", "0"]
    assert train_main(argv) == 2
    assert "--data-fraction must be in (0, 1], got 0.0" in capsys.readouterr().err
