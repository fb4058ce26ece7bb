"""Sanity checks before any comparison: a signature, and predictions of the right length without NaN."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.deployment.promote import promote
from lifecycle.spark import spark_session
from lifecycle.training import dataset
from lifecycle.training.columns import features_of, label_name
from lifecycle.training.train import PIP_REQUIREMENTS, build_estimator
from lifecycle.validation.validate import Candidate, sanity_problem
from tests.lifecycle.conftest import WEAK

SAMPLE = pd.DataFrame({"x": [1.0, 2.0, 3.0]})


class ServedModel:
    """What validation reads from a loaded pyfunc: its input schema and its predictions."""

    def __init__(self, predictions: list[float], schema: object = "schema") -> None:
        self.metadata = SimpleNamespace(get_input_schema=lambda: schema)
        self._predictions = predictions

    def predict(self, _sample: pd.DataFrame) -> np.ndarray:
        return np.array(self._predictions)


@pytest.mark.parametrize(("model", "problem"), [
    (ServedModel([0, 1, 0]), None),
    (ServedModel([0, 1, 0], schema=None), "the logged model has no signature (log it with signature=...)"),
    (ServedModel([0, 1]), "predicted 2 rows for a sample of 3"),
    (ServedModel([0.1, float("nan"), 0.3]), "predictions contain NaN"),
])
def test_sanity_problems(model: ServedModel, problem: str | None) -> None:
    assert sanity_problem(Candidate("9", model, None), SAMPLE) == problem


def test_registered_version_without_signature_is_rejected(ctx: TaskContext) -> None:
    import mlflow

    promote(ctx, WEAK)
    spark = spark_session(ctx.config)
    frames = dataset.load(spark, ctx.env, ctx.model, dataset.pin(spark, ctx.env, ctx.model, 0))
    x = features_of(ctx.model, frames.train)
    estimator = build_estimator(ctx.model.problem_type, len(x)).fit(x, frames.train[label_name(ctx.model)])
    with mlflow.start_run(experiment_id=ctx.experiment_id()):
        mlflow.log_metric("roc_auc", 0.99)
        info = mlflow.sklearn.log_model(estimator, name="model", pip_requirements=PIP_REQUIREMENTS,
                                        registered_model_name=ctx.model_name)
    result = promote(ctx, str(info.registered_model_version))
    assert result.decision == "rejected"
    assert result.validation.reason.startswith("sanity check failed: the logged model has no signature")
    assert registry.aliases(ctx.client, ctx.model_name) == {"Champion": WEAK}
