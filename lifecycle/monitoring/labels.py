"""Ground truth that arrives after the prediction, merged into the processed table's label column.

The model's `data.ground_truth` names the table and how its rows find their prediction: by the AI
Gateway request id and the record's position in the request (`join: request_id`), or by the business
key (`data.key_cols`) and the first ground-truth time within `max_delay` after the request
(`join: business_key`). The merge is a Delta MERGE keyed by request id and record, so running it again
changes nothing, and a corrected label replaces the old one.
"""

from __future__ import annotations

from typing import Any

from infra.config import Environment, ModelConfig
from lifecycle.monitoring import sql


def ground_truth_of(model: ModelConfig) -> Any | None:
    """The model's ground-truth settings, or None when its labels never come back."""
    data = getattr(model, "data", None)
    return getattr(data, "ground_truth", None) if data is not None else None


def merge_labels_sql(env: Environment, model: ModelConfig) -> str | None:
    """The MERGE for this model's ground truth, or None when it has none (or no label column)."""
    truth = ground_truth_of(model)
    if truth is None or not model.label_col:
        return None
    return sql.label_merge_sql(env, model, env.ground_truth_table(model), truth.join, truth.max_delay)


def table_exists(spark: Any, name: str) -> bool:
    return bool(spark.catalog.tableExists(name))
