"""What every lifecycle task needs: the config, the environment, the model and an MLflow client.

Resolved once from `--config --env --model` (the contract with the bootstrap job specs), with bad
names reported as `InputError` (exit 2) before anything touches the registry. MLflow URIs come from
the standard `MLFLOW_TRACKING_URI` / `MLFLOW_REGISTRY_URI` variables; inside a Databricks job they
default to the workspace tracking server and the Unity Catalog registry.
"""

from __future__ import annotations

import argparse
import difflib
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from infra.config import Environment, ModelConfig, PlatformConfig, load_config
from lakestack.errors import InputError
from lakestack.options import add_config_option, add_env_option, check_env
from lifecycle.runtime import on_databricks

if TYPE_CHECKING:
    from mlflow import MlflowClient

REPOSITORY_ROOT = Path(__file__).resolve().parents[1]


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """`--config --env --model`: the arguments every task and lifecycle subcommand takes."""
    add_config_option(parser)
    add_env_option(parser)
    parser.add_argument("--model", required=True, metavar="NAME", help="model name from the config")


def mlflow_uris(tracking_uri: str | None = None, registry_uri: str | None = None) -> tuple[str, str]:
    """(tracking, registry): explicit values, else the standard variables, else the runtime's defaults."""
    tracking = tracking_uri or os.environ.get("MLFLOW_TRACKING_URI")
    if not tracking:
        tracking = "databricks" if on_databricks() else "sqlite:///mlflow.db"
    registry = registry_uri or os.environ.get("MLFLOW_REGISTRY_URI")
    if not registry:
        registry = "databricks-uc" if tracking.startswith("databricks") else tracking
    return tracking, registry


def config_path(path: str | Path) -> Path:
    """A relative `--config` that is not under the working directory is read from the repository root.

    Job tasks pass `--config infra/platform.yaml` and may start in another directory of the checkout.
    """
    candidate = Path(path)
    if candidate.is_absolute() or candidate.exists() or not (REPOSITORY_ROOT / candidate).exists():
        return candidate
    return REPOSITORY_ROOT / candidate


def find_model(config: PlatformConfig, name: str) -> ModelConfig:
    model = config.model(name)
    if model is None:
        known = [m.name for m in config.models]
        guess = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else ""
        raise InputError(f"unknown model '{name}'{hint}; the config declares: {', '.join(known) or 'none'}")
    return model


@dataclass(frozen=True)
class TaskContext:
    """One model in one environment, with the MLflow store the task talks to."""

    config: PlatformConfig
    env: Environment
    model: ModelConfig
    tracking_uri: str
    registry_uri: str

    @classmethod
    def resolve(cls, config: PlatformConfig, env_name: str, model_name: str,
                tracking_uri: str | None = None, registry_uri: str | None = None) -> TaskContext:
        check_env(config, env_name)
        model = find_model(config, model_name)
        tracking, registry = mlflow_uris(tracking_uri, registry_uri)
        return cls(config, config.env(env_name), model, tracking, registry)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> TaskContext:
        return cls.resolve(load_config(config_path(args.config)), args.env, args.model)

    @property
    def model_name(self) -> str:
        """The registered model's three-level name, `<catalog>.ml.<model>`."""
        return self.env.model_full_name(self.model)

    @cached_property
    def client(self) -> MlflowClient:
        """The MLflow client, with the process-wide URIs set too (log_model and load_model use them)."""
        import mlflow

        mlflow.set_tracking_uri(self.tracking_uri)
        mlflow.set_registry_uri(self.registry_uri)
        return mlflow.MlflowClient(tracking_uri=self.tracking_uri, registry_uri=self.registry_uri)

    def experiment_id(self) -> str:
        """The model's experiment (`env.experiment_path`), created on first use.

        On a local sqlite store the artifacts go next to the database file rather than into the
        current directory, so a demo or test store is self-contained.
        """
        path = self.env.experiment_path(self.model)
        existing = self.client.get_experiment_by_name(path)
        if existing is not None:
            return existing.experiment_id
        return self.client.create_experiment(path, artifact_location=self._local_artifact_root())

    def _local_artifact_root(self) -> str | None:
        if not self.tracking_uri.startswith("sqlite:///"):
            return None
        database = Path(self.tracking_uri.removeprefix("sqlite:///"))
        return (database.parent / "artifacts").resolve().as_uri()
