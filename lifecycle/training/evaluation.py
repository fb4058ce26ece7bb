"""The metrics a model is judged by, computed the same way at training and at validation.

Validation compares the candidate and the champion on the same rows with these functions, so the
metric named in `validation.metric` must be one of them; `METRICS` lists what each problem type has.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn import metrics as sk

from infra.config import ModelConfig
from lifecycle.training.columns import features_of, label_name


def _classification(model: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    predicted = model.predict(x)
    out = {
        "accuracy": sk.accuracy_score(y, predicted),
        "f1": sk.f1_score(y, predicted, zero_division=0),
        "precision": sk.precision_score(y, predicted, zero_division=0),
        "recall": sk.recall_score(y, predicted, zero_division=0),
    }
    if hasattr(model, "predict_proba") and y.nunique() > 1:
        probability = model.predict_proba(x)[:, 1]
        out["roc_auc"] = sk.roc_auc_score(y, probability)
        out["log_loss"] = sk.log_loss(y, probability, labels=[0, 1])
    return out


def _regression(model: Any, x: pd.DataFrame, y: pd.Series) -> dict[str, float]:
    predicted = model.predict(x)
    return {
        "rmse": math.sqrt(sk.mean_squared_error(y, predicted)),
        "mae": sk.mean_absolute_error(y, predicted),
        "r2": sk.r2_score(y, predicted),
    }


EVALUATORS: dict[str, Callable[[Any, pd.DataFrame, pd.Series], dict[str, float]]] = {
    "classification": _classification,
    "regression": _regression,
}
METRICS = {
    "classification": ("roc_auc", "log_loss", "accuracy", "f1", "precision", "recall"),
    "regression": ("rmse", "mae", "r2"),
}


def evaluate(model: Any, config: ModelConfig, frame: pd.DataFrame) -> dict[str, float]:
    """Every metric of the model's problem type on `frame` (a scikit-learn estimator)."""
    scores = EVALUATORS[config.problem_type](model, features_of(config, frame), frame[label_name(config)])
    return {name: float(value) for name, value in scores.items() if np.isfinite(value)}
