"""A retail-shaped data set generated from a model's config: deterministic, offline, with a drift knob.

The example models need data that behaves like the real thing (skewed amounts and counts, flags,
ratios, a label that depends on the features plus noise) without a download. Everything follows
from the model's name, features and problem type and a seed, so train, validate, batch inference
and the demo regenerate exactly the same rows. `drift` (0 = the world the first model learnt, 1 =
fully shifted) moves the feature distributions and rotates the relationship between features and
label, the way customer behaviour moves: a model trained before the shift degrades after it, and a
model retrained on shifted data recovers. Replace `load_frame` with a table read for real data.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from infra.config import ModelConfig

DEFAULT_ROWS = 4000
EVAL_SHARE = 0.25
START = pd.Timestamp("2025-01-01")
# Standardised features move this many standard deviations at drift 1.
SHIFT_AT_FULL_DRIFT = 1.5


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    evaluation: pd.DataFrame


def feature_names(model: ModelConfig) -> list[str]:
    return [f.name for f in model.features]


def label_name(model: ModelConfig) -> str:
    return model.label_col or "label"


def _model_seed(model: ModelConfig) -> int:
    """A stable seed per model name (Python's hash() is salted per process)."""
    return zlib.crc32(model.name.encode())


def _raw_feature(name: str, latent: np.ndarray) -> np.ndarray:
    """Turn a standard-normal column into a retail-looking one, chosen by the feature's name."""
    if name.endswith("_flag"):
        return (latent > 0.8).astype(float)
    if any(word in name for word in ("units", "value", "traffic", "days")):
        return np.round(np.exp(2.5 + 0.5 * latent), 2)  # positive, right-skewed amounts and counts
    if any(word in name for word in ("pct", "ratio", "gap", "depth")):
        return np.round(0.1 * latent, 4)  # small signed relative changes
    return np.round(1 / (1 + np.exp(-latent)), 4)  # scores and indexes in (0, 1)


def load_frame(model: ModelConfig, *, rows: int = DEFAULT_ROWS, drift: float = 0.0, seed: int = 0) -> pd.DataFrame:
    """`rows` rows of features, label and event timestamp for `model` under `drift`."""
    names = feature_names(model)
    weights_rng = np.random.default_rng(_model_seed(model))
    before = weights_rng.normal(0, 1, len(names))
    after = weights_rng.normal(0, 1, len(names))
    weights = (1 - drift) * before + drift * after

    rng = np.random.default_rng([_model_seed(model), seed, round(drift * 1000)])
    latent = rng.normal(0, 1, (rows, len(names))) + drift * SHIFT_AT_FULL_DRIFT
    signal = (latent - drift * SHIFT_AT_FULL_DRIFT) @ weights
    frame = pd.DataFrame({name: _raw_feature(name, latent[:, i]) for i, name in enumerate(names)})
    if model.problem_type == "classification":
        probability = 1 / (1 + np.exp(-(1.5 * signal - 0.5)))
        frame[label_name(model)] = (rng.uniform(size=rows) < probability).astype(int)
    else:
        frame[label_name(model)] = np.round(signal + rng.normal(0, 1.0, rows), 3)
    frame[model.timestamp_col] = START + pd.to_timedelta(np.sort(rng.uniform(0, 28, rows)), unit="D")
    return frame


def split(frame: pd.DataFrame, *, data_fraction: float = 1.0, seed: int = 0) -> Split:
    """The last EVAL_SHARE of rows (by time) are held out; training keeps `data_fraction` of the rest."""
    cut = int(len(frame) * (1 - EVAL_SHARE))
    train, evaluation = frame.iloc[:cut], frame.iloc[cut:]
    if data_fraction < 1.0:
        keep = max(int(len(train) * data_fraction), 20)
        train = train.sample(n=min(keep, len(train)), random_state=seed).sort_index()
    return Split(train.reset_index(drop=True), evaluation.reset_index(drop=True))


def features_of(model: ModelConfig, frame: pd.DataFrame) -> pd.DataFrame:
    return frame[feature_names(model)]
