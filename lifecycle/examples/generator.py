"""A retail-shaped data set generated from a model's config: deterministic, offline, with a drift knob.

The example models need data that behaves like the real thing (skewed amounts and counts, flags,
ratios, a label that depends on the features plus noise) without a download. Everything follows
from the model's name, features and problem type and a seed, so train, validate, batch inference
and the demo regenerate exactly the same rows. `drift` (0 = the world the first model learnt, 1 =
fully shifted) moves the feature distributions and rotates the relationship between features and
label, the way customer behaviour moves: a model trained before the shift degrades after it, and a
model retrained on shifted data recovers. Rows carry integer ids for the model's business key and
feature lookup keys. Only `lifecycle.examples.seed` (example tables for the demo and tests) uses it:
the jobs read the configured tables.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from infra.config import ModelConfig
from lifecycle.training.columns import feature_names, features_of, label_name

__all__ = ["DEFAULT_ROWS", "START", "feature_names", "features_of", "id_columns", "label_name", "load_frame"]

DEFAULT_ROWS = 4000
START = pd.Timestamp("2025-01-01")
DAYS = 28.0
# Standardised features move this many standard deviations at drift 1.
SHIFT_AT_FULL_DRIFT = 1.5
# Distinct ids per key column: customers and products come back, so point-in-time lookups have history.
ID_POOL = 400


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


def id_columns(model: ModelConfig) -> list[str]:
    """The business key and the feature lookup keys of the model, in config order."""
    keys = list(model.data.key_cols)
    for lookup in model.data.feature_lookups:
        keys += [k for k in lookup.lookup_keys if k not in keys]
    return keys


def load_frame(model: ModelConfig, *, rows: int = DEFAULT_ROWS, drift: float = 0.0, seed: int = 0,
               start: pd.Timestamp = START, days: float = DAYS) -> pd.DataFrame:
    """`rows` rows of ids, features, label and event timestamp (within `days` from `start`) under `drift`."""
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
    # Whole milliseconds: what a Delta timestamp keeps, so a row read back equals the row written.
    offsets = pd.to_timedelta(np.sort(rng.uniform(0, days * 86_400_000, rows)).round(), unit="ms")
    frame[model.timestamp_col] = start + offsets
    ids = np.random.default_rng([_model_seed(model), seed, 7])
    for key in id_columns(model):
        frame[key] = ids.integers(1, ID_POOL + 1, rows).astype("int64")
    return frame
