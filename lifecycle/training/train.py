"""Train task: fit the model on the generated retail data, log it to MLflow, register a new version.

Run by the training job (`python lifecycle/jobs/train.py --config ... --env ... --model ...
--data-fraction F`) and by `lakestack demo`. The version it registers is published as the job task
value `model_version`, which the validate task reads.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lakestack.errors import InputError
from lifecycle.context import TaskContext
from lifecycle.entry import run_task, task_parser
from lifecycle.examples import generator as data
from lifecycle.runtime import MODEL_VERSION_KEY, set_task_value
from lifecycle.training.evaluation import evaluate

# Pinned so serving and load_model do not infer requirements (slow) or drift from what was trained.
PIP_REQUIREMENTS = ["scikit-learn", "pandas", "numpy"]


@dataclass(frozen=True)
class TrainResult:
    version: str
    run_id: str
    metrics: dict[str, float]
    rows: int


def build_estimator(problem_type: str, rows: int) -> Any:
    """A linear model on quantile-normalised features: fast, and unbothered by skewed retail amounts."""
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import QuantileTransformer

    normalise = QuantileTransformer(n_quantiles=min(200, rows), output_distribution="normal", random_state=0)
    if problem_type == "classification":
        return make_pipeline(normalise, LogisticRegression(max_iter=500))
    return make_pipeline(normalise, Ridge(alpha=1.0))


def train(ctx: TaskContext, *, data_fraction: float = 1.0, drift: float = 0.0, seed: int = 0) -> TrainResult:
    import mlflow
    from mlflow.models import infer_signature

    if not 0 < data_fraction <= 1:
        raise InputError(f"--data-fraction must be in (0, 1], got {data_fraction}")
    frames = data.split(data.load_frame(ctx.model, drift=drift, seed=seed), data_fraction=data_fraction, seed=seed)
    x_train = data.features_of(ctx.model, frames.train)
    labels = frames.train[data.label_name(ctx.model)]
    estimator = build_estimator(ctx.model.problem_type, len(x_train)).fit(x_train, labels)
    scores = evaluate(estimator, ctx.model, frames.evaluation)

    client = ctx.client  # sets the process-wide URIs that the fluent API below uses
    with mlflow.start_run(experiment_id=ctx.experiment_id()) as run:
        mlflow.log_params({"data_fraction": data_fraction, "drift": drift, "seed": seed,
                           "estimator": type(estimator).__name__, "train_rows": len(frames.train)})
        mlflow.log_metrics(scores)
        example = x_train.head(5)
        info = mlflow.sklearn.log_model(
            estimator, name="model", signature=infer_signature(example, estimator.predict(example)),
            input_example=example, pip_requirements=PIP_REQUIREMENTS, registered_model_name=ctx.model_name,
        )
    version = str(info.registered_model_version)
    client.set_model_version_tag(ctx.model_name, version, "drift", str(drift))
    set_task_value(MODEL_VERSION_KEY, version)
    return TrainResult(version, run.info.run_id, scores, len(frames.train))


def describe(ctx: TaskContext, result: TrainResult) -> str:
    scores = ", ".join(f"{k}={v:.4f}" for k, v in sorted(result.metrics.items()))
    return f"trained {ctx.model_name} version {result.version} on {result.rows} rows ({scores})"


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Train the model and register a new version.")
    parser.add_argument("--data-fraction", type=float, default=1.0, metavar="F",
                        help="share of the training rows to use (staging trains on a subset)")
    parser.add_argument("--drift", type=float, default=0.0, metavar="D",
                        help="simulated drift of the generated data, 0 (none) to 1 (fully shifted)")
    return parser


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    print(describe(ctx, train(ctx, data_fraction=args.data_fraction, drift=args.drift)))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

