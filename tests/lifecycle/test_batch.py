"""Batch inference scores the scoring table with whatever `Champion` names, into the predictions table, once per run."""

from __future__ import annotations

from typing import Any

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


def rows_of(spark: Any, table: str, run_id: str) -> Any:
    return spark.table(table).where(f"run_id = '{run_id}'").toPandas()


def test_scores_follow_the_champion_and_a_rerun_adds_no_rows(ctx: TaskContext, spark: Any) -> None:
    with pytest.raises(InputError, match="has no Champion yet"):
        score(ctx)
    promote(ctx, WEAK)
    promote(ctx, STRONG)
    argv = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL, "--run-id", "run-a"]
    assert batch_main(argv) == 0
    table = ctx.env.batch_predictions_table(ctx.model)
    first = rows_of(spark, table, "run-a")
    assert set(first["model_version"]) == {STRONG} and set(first["prediction"]) <= {0.0, 1.0}
    assert len(first) == spark.table(ctx.env.scoring_table(ctx.model)).count() > 0
    assert first.groupby(["customer_id", "product_id", "event_ts"]).size().max() == 1
    assert set(first["scoring_version"]) == {score(ctx, "run-b").scoring.version}

    assert batch_main(argv) == 0  # the same job run again: its rows are replaced, not added
    again = rows_of(spark, table, "run-a")
    assert len(again) == len(first)
    assert again["scored_at"].min() >= first["scored_at"].max()

    rollback(ctx)
    score(ctx, "run-c")
    assert set(rows_of(spark, table, "run-c")["model_version"]) == {WEAK}
    assert set(rows_of(spark, table, "run-a")["model_version"]) == {STRONG}  # other runs untouched


def test_train_refuses_a_bad_data_fraction(store_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(EXAMPLE_CONFIG), "--env", ENV, "--model", MODEL, "--data-fraction", "0"]
    assert train_main(argv) == 2
    assert "--data-fraction must be in (0, 1], got 0.0" in capsys.readouterr().err
