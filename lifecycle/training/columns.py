"""Which columns of a model's data are features and which is the label: read from the config, one way."""

from __future__ import annotations

import pandas as pd

from infra.config import ModelConfig


def feature_names(model: ModelConfig) -> list[str]:
    return [f.name for f in model.features]


def label_name(model: ModelConfig) -> str:
    return model.label_col or "label"


def features_of(model: ModelConfig, frame: pd.DataFrame) -> pd.DataFrame:
    """The model's input columns, in the declared order (the order of the logged signature)."""
    return frame[feature_names(model)]
