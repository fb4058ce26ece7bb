"""The Databricks job runtime, seen from task code: detection and job task values.

Task code runs in two places: inside a Databricks job (where `spark`, `dbutils` and the workspace's
own credentials exist) and on a laptop or CI machine against a local MLflow store and local Spark
(`lifecycle.spark`). Everything that only exists on Databricks is reached through this module or
that one, so the rest of the task code stays runnable offline. Offline, task values live in this
process (the demo runs train and validate in one process, as a job run's tasks share values).
"""

from __future__ import annotations

import os
from typing import Any

# Key under which the train task publishes the version it registered (read by validate).
MODEL_VERSION_KEY = "model_version"


def on_databricks() -> bool:
    """True inside a Databricks cluster (the runtime sets this variable for every process)."""
    return bool(os.environ.get("DATABRICKS_RUNTIME_VERSION"))


def spark_session(config: Any = None) -> Any:
    """The engine's session (see `lifecycle.spark.spark_session`)."""
    from lifecycle.spark import spark_session as engine_session

    return engine_session(config)


def set_task_value(key: str, value: str) -> None:
    """Publish a value to later tasks of the same job run; a no-op offline (callers pass versions explicitly)."""
    if on_databricks():
        from databricks.sdk.runtime import dbutils

        dbutils.jobs.taskValues.set(key=key, value=value)


def get_task_value(task_key: str, key: str) -> str | None:
    """A value an upstream task of this job run published, or None offline or when it is absent."""
    if not on_databricks():
        return None
    from databricks.sdk.runtime import dbutils

    # The SDK's local stub types get() as returning None; on a cluster it returns the published value.
    value = dbutils.jobs.taskValues.get(taskKey=task_key, key=key, default="", debugValue="")  # type: ignore[func-returns-value]
    return str(value) if value not in (None, "") else None
