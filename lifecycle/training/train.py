"""Train task: fit the model on its governed data at pinned Delta versions, log it, register a new version.

Run by the training job (`python lifecycle/jobs/train.py --config ... --env ... --model ...
--data-fraction F [--training-version N]`) and by `lakestack demo`. The training table is read at the
configured or given version (else the latest at the start of the run), feature lookups join point in
time, and every table version read is logged as an MLflow input (a Delta dataset source: table name
and version) and tagged on the model version, so Unity Catalog links the version to its data and a
rerun at the same versions reproduces the same metrics. The version it registers is published as
the job task value `model_version`, which the validate task reads.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.entry import run_task, task_parser
from lifecycle.runtime import MODEL_VERSION_KEY, set_task_value
from lifecycle.spark import spark_session
from lifecycle.training import dataset
from lifecycle.training.columns import features_of, label_name
from lifecycle.training.evaluation import evaluate

# Pinned so serving and load_model do not infer requirements (slow) or drift from what was trained.
PIP_REQUIREMENTS = ["scikit-learn", "pandas", "numpy"]


@dataclass(frozen=True)
class TrainResult:
    version: str
    run_id: str
    metrics: dict[str, float]
    rows: int
    pins: dataset.Pins

    @property
    def lineage(self) -> str:
        return f"v{self.version} <- {self.pins.training}"


def build_estimator(problem_type: str, rows: int) -> Any:
    """A linear model on quantile-normalised features: fast, and unbothered by skewed retail amounts."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    normalise = QuantileTransformer(n_quantiles=min(200, rows), output_distribution="normal", random_state=0)
    if problem_type == "classification":
        return make_pipeline(normalise, LogisticRegression(max_iter=500))
    return make_pipeline(normalise, Ridge(alpha=1.0))


def log_delta_input(pinned: dataset.TableVersion, context: str, targets: str | None = None) -> None:
    """Record one Delta table version the run read (the digest names the version: no data is hashed)."""
    import mlflow

    digest = hashlib.sha256(str(pinned).encode()).hexdigest()[:8]
    # mlflow.data exports load_delta lazily, which its annotations do not show.
    source = mlflow.data.load_delta(  # type: ignore[attr-defined]
        table_name=pinned.table, version=str(pinned.version), targets=targets, digest=digest)
    mlflow.log_input(source, context=context)


def train(ctx: TaskContext, *, data_fraction: float = 1.0, training_version: int | None = None,
          training_table: str | None = None, seed: int = 0) -> TrainResult:
    import mlflow
    from mlflow.models import infer_signature

    if not 0 < data_fraction <= 1:
        raise InputError(f"--data-fraction must be in (0, 1], got {data_fraction}")
    spark = spark_session(ctx.config)
    pins = dataset.pin(spark, ctx.env, ctx.model, training_version, training_table)
    data = dataset.load(spark, ctx.env, ctx.model, pins, data_fraction=data_fraction, seed=seed)
    x_train = features_of(ctx.model, data.train)
    estimator = build_estimator(ctx.model.problem_type, len(x_train)).fit(x_train, data.train[label_name(ctx.model)])
    scores = evaluate(estimator, ctx.model, data.evaluation)

    client = ctx.client  # sets the process-wide URIs that the fluent API below uses
    with mlflow.start_run(experiment_id=ctx.experiment_id()) as run:
        mlflow.log_params({"data_fraction": data_fraction, "seed": seed, "estimator": type(estimator).__name__,
                           "train_rows": len(data.train), "evaluation_rows": len(data.evaluation),
                           "training_table": pins.training.table, "training_version": pins.training.version})
        log_delta_input(pins.training, "training", targets=label_name(ctx.model))
        for features in pins.features:
            log_delta_input(features, "feature_lookup")
        if pins.evaluation is not None:
            log_delta_input(pins.evaluation, "evaluation", targets=label_name(ctx.model))
        mlflow.log_metrics(scores)
        example = x_train.head(5)
        info = mlflow.sklearn.log_model(
            estimator, name="model", signature=infer_signature(example, estimator.predict(example)),
            input_example=example, pip_requirements=PIP_REQUIREMENTS, registered_model_name=ctx.model_name,
        )
    version = str(info.registered_model_version)
    for key, value in pins.tags().items():
        client.set_model_version_tag(ctx.model_name, version, key, value)
    set_task_value(MODEL_VERSION_KEY, version)
    return TrainResult(version, run.info.run_id, scores, len(data.train), pins)


def describe(ctx: TaskContext, result: TrainResult) -> str:
    scores = ", ".join(f"{k}={v:.4f}" for k, v in sorted(result.metrics.items()))
    rows = f"{result.rows} rows of {result.pins.training}"
    return f"trained {ctx.model_name} version {result.version} on {rows} ({scores})"


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Train the model and register a new version.")
    parser.add_argument("--data-fraction", type=float, default=1.0, metavar="F",
                        help="share of the training rows to use (staging trains on a subset)")
    parser.add_argument("--training-table", default="", metavar="TABLE",
                        help="training table for this run (default: data.training_table of the model)")
    parser.add_argument("--training-version", default="", metavar="N",
                        help="Delta version of the training table (default: data.training_version, else the latest)")
    return parser


def optional_version(text: str) -> int | None:
    """A job parameter's version: empty means unset (job parameters cannot be null)."""
    if text in ("", "latest"):
        return None
    if not text.isdigit():
        raise InputError(f"--training-version must be a Delta version number, got '{text}'")
    return int(text)


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    result = train(ctx, data_fraction=args.data_fraction, training_version=optional_version(args.training_version),
                   training_table=args.training_table or None)
    print(describe(ctx, result))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

