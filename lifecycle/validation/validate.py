"""Validate task: judge a candidate version against the current `Champion` and set `Challenger` if it wins.

Both models are scored on the same evaluation rows, the candidate's own evaluation data at the Delta
versions its training recorded on the model version (a version without those tags: the configured
tables at their latest versions); the data read is reported and tagged on the candidate
(`lakestack.validation_data`). The metric comes from config
(`validation.metric`, `higher_is_better`, `threshold`, `min_improvement`). A candidate passes when
it loads, predicts on a sample and carries a signature; meets the absolute threshold (if any); and
beats the champion by at least `min_improvement` (0 means "not worse"). The first version of a model
has no champion to beat, so only the sanity checks and the threshold apply.

Modes (`validation.mode`, or `--mode`), after MLOps Stacks:
- `enabled`: a passing candidate gets the `Challenger` alias; a failing one changes nothing and the
  task exits 1, which stops the job before the deploy task.
- `dry_run`: everything is computed and reported, nothing is changed, exit 0 either way.
- `disabled`: nothing is compared and nothing is changed; the deploy task then finds no new
  challenger. Unlike MLOps Stacks, where `disabled` ships unvalidated models, an unvalidated model
  never reaches `Champion` through a configuration switch.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from lakestack.errors import EXIT_FINDINGS, EXIT_OK, InputError
from lifecycle.context import TaskContext
from lifecycle.deployment import registry
from lifecycle.entry import run_task, task_parser
from lifecycle.runtime import MODEL_VERSION_KEY, get_task_value
from lifecycle.spark import spark_session
from lifecycle.training import dataset
from lifecycle.training.columns import features_of
from lifecycle.training.evaluation import METRICS, evaluate

MODES = ("enabled", "dry_run", "disabled")
SANITY_ROWS = 20
VALIDATION_DATA_TAG = "lakestack.validation_data"


@dataclass(frozen=True)
class Validation:
    """The outcome of one validation, with everything a report needs."""

    model_name: str
    candidate: str
    champion: str | None
    mode: str
    metric: str
    higher_is_better: bool
    threshold: float | None
    min_improvement: float
    candidate_value: float | None = None
    champion_value: float | None = None
    passed: bool | None = None  # None: not judged (disabled)
    reason: str = ""
    challenger_set: bool = False
    evaluation_data: str | None = None  # table@version both models were scored on

    @property
    def exit_code(self) -> int:
        return EXIT_FINDINGS if self.mode == "enabled" and self.passed is False else EXIT_OK

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


@dataclass(frozen=True)
class Candidate:
    """A loaded model version: the pyfunc serving would run, and the estimator inside it."""

    version: str
    pyfunc: Any
    estimator: Any


def _load(ctx: TaskContext, version: str) -> Candidate:
    import mlflow

    pyfunc = mlflow.pyfunc.load_model(f"models:/{ctx.model_name}/{version}")
    return Candidate(version, pyfunc, pyfunc.get_raw_model())


def _require_metric(ctx: TaskContext, metric: str, run_id: str | None) -> None:
    """The configured metric must be one the candidate's run logged (bad config otherwise: exit 2)."""
    logged = set(ctx.client.get_run(run_id).data.metrics) if run_id else set(METRICS[ctx.model.problem_type])
    if metric not in logged:
        raise InputError(
            f"model '{ctx.model.name}': validation.metric '{metric}' is missing from the candidate's run "
            f"(it logged: {', '.join(sorted(logged)) or 'nothing'})",
            hint=f"use one of: {', '.join(METRICS[ctx.model.problem_type])}",
        )


def sanity_problem(candidate: Candidate, sample: Any) -> str | None:
    """Why the candidate is unfit to serve, or None: it needs a signature and sane predictions."""
    if candidate.pyfunc.metadata.get_input_schema() is None:
        return "the logged model has no signature (log it with signature=...)"
    predictions = candidate.pyfunc.predict(sample)
    if len(predictions) != len(sample):
        return f"predicted {len(predictions)} rows for a sample of {len(sample)}"
    if np.isnan(np.asarray(predictions, dtype=float)).any():
        return "predictions contain NaN"
    return None


# Metric differences are floats: 0.85 - 0.80 must count as an improvement of 0.05.
TOLERANCE = 1e-9


def _better(result: Validation, candidate: float, reference: float) -> float:
    return candidate - reference if result.higher_is_better else reference - candidate


def judge(result: Validation) -> Validation:
    """Apply the threshold and the champion comparison to computed metric values."""
    value, direction = result.candidate_value, ">=" if result.higher_is_better else "<="
    if value is None:
        return replace(result, passed=False, reason=f"{result.metric} could not be computed on the evaluation data")
    if result.threshold is not None and _better(result, value, result.threshold) < -TOLERANCE:
        return replace(result, passed=False, reason=(
            f"{result.metric} {value:.4f} misses the threshold ({direction} {result.threshold})"))
    if result.champion is None:
        return replace(result, passed=True, reason="first version to pass: no champion to beat")
    if result.champion_value is None:
        return replace(result, passed=True, reason=f"champion v{result.champion} has no {result.metric} to compare")
    gain = _better(result, value, result.champion_value)
    versus = f"{result.metric} {value:.4f} vs champion v{result.champion} {result.champion_value:.4f}"
    if gain < result.min_improvement - TOLERANCE:
        need = "not worse" if result.min_improvement == 0 else f"at least {result.min_improvement} better"
        return replace(result, passed=False, reason=f"{versus}: needs to be {need}")
    return replace(result, passed=True, reason=f"{versus}: improves by {gain:.4f}")


def evaluation_pins(ctx: TaskContext, tags: dict[str, str]) -> dataset.Pins:
    """The data versions the candidate was trained and evaluated on, else the latest of the configured tables."""
    return dataset.Pins.from_tags(tags) or dataset.pin(spark_session(ctx.config), ctx.env, ctx.model)


def validate(ctx: TaskContext, version: str, *, mode: str | None = None) -> Validation:
    """Compare candidate `version` with the champion; set `Challenger` when it passes in enabled mode."""
    rules = ctx.model.validation_or_default
    mode = mode or rules.mode
    if mode not in MODES:
        raise InputError(f"validation mode '{mode}' is not one of: {', '.join(MODES)}")
    version_info = registry.require_version(ctx.client, ctx.model_name, version)
    champion = registry.alias_version(ctx.client, ctx.model_name, registry.CHAMPION)
    result = Validation(ctx.model_name, str(version), champion, mode, rules.metric, rules.higher_is_better,
                        rules.threshold, rules.min_improvement)
    if mode == "disabled":
        return replace(result, reason="validation is disabled for this model: nothing compared, no alias changed")
    _require_metric(ctx, rules.metric, version_info.run_id)
    if champion == str(version):
        return replace(result, passed=True, reason=f"version {version} is already the champion")

    pins = evaluation_pins(ctx, version_info.tags or {})
    evaluation = dataset.evaluation_frame(spark_session(ctx.config), ctx.env, ctx.model, pins)
    result = replace(result, evaluation_data=str(pins.evaluation or pins.training))
    ctx.client.set_model_version_tag(ctx.model_name, str(version), VALIDATION_DATA_TAG, result.evaluation_data)
    candidate = _load(ctx, str(version))
    problem = sanity_problem(candidate, features_of(ctx.model, evaluation).head(SANITY_ROWS))
    if problem:
        return replace(result, passed=False, reason=f"sanity check failed: {problem}")
    result = replace(result, candidate_value=evaluate(candidate.estimator, ctx.model, evaluation).get(rules.metric))
    if champion is not None:
        reference = _load(ctx, champion)
        result = replace(result, champion_value=evaluate(reference.estimator, ctx.model, evaluation).get(rules.metric))
    result = judge(result)
    if result.passed and mode == "enabled":
        ctx.client.set_registered_model_alias(ctx.model_name, registry.CHALLENGER, str(version))
        result = replace(result, challenger_set=True)
    return result


def describe(result: Validation) -> str:
    verdict = {True: "passed", False: "rejected", None: "not judged"}[result.passed]
    action = ("alias Challenger set" if result.challenger_set
              else "dry run: no alias changed" if result.mode == "dry_run" else "no alias changed")
    head = f"validation of {result.model_name} v{result.candidate} ({result.mode})"
    data = f" on {result.evaluation_data}" if result.evaluation_data else ""
    return f"{head}{data}: {verdict}: {result.reason}; {action}"


def candidate_version(ctx: TaskContext, explicit: str | None, train_task_key: str) -> str:
    """`--version`, else the version the train task of this job run registered, else the latest one."""
    return (explicit or get_task_value(train_task_key, MODEL_VERSION_KEY)
            or registry.latest_version(ctx.client, ctx.model_name))


def build_parser() -> argparse.ArgumentParser:
    parser = task_parser("Validate a candidate version against the champion.")
    parser.add_argument("--mode", choices=MODES, help="override validation.mode from the config")
    parser.add_argument("--version", metavar="N", help="candidate version (default: the train task's, or latest)")
    parser.add_argument("--train-task-key", default="train", metavar="KEY",
                        help="job task that published the candidate version (default: train)")
    return parser


def _handle(args: argparse.Namespace) -> int:
    ctx = TaskContext.from_args(args)
    result = validate(ctx, candidate_version(ctx, args.version, args.train_task_key), mode=args.mode)
    print(describe(result))
    return result.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    return run_task(build_parser(), _handle, argv)

