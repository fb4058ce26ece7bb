"""Registry state the lifecycle owns: the `Champion` and `Challenger` aliases and the champion history.

Aliases belong to these tasks, never to Terraform (DESIGN.md, Models). Every promotion appends the
outgoing champion to the registered-model tag `champion_history`, so a rollback is one command and
the registry itself records what served before. Lookups of things that do not exist raise
`InputError` (exit 2) before any alias moves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lakestack.errors import InputError

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities.model_registry import ModelVersion

CHAMPION = "Champion"
CHALLENGER = "Challenger"
HISTORY_TAG = "champion_history"
# Tag values have a length limit; twenty past champions are plenty to roll back through.
HISTORY_LIMIT = 20


def _missing(exc: Exception) -> bool:
    return getattr(exc, "error_code", "") in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND")


def require_model(client: MlflowClient, name: str) -> None:
    from mlflow.exceptions import MlflowException

    try:
        client.get_registered_model(name)
    except MlflowException as exc:
        if _missing(exc):
            raise InputError(f"registered model '{name}' does not exist; run the train task first") from None
        raise


def require_version(client: MlflowClient, name: str, version: str) -> ModelVersion:
    """The model version, or InputError naming the versions that do exist."""
    from mlflow.exceptions import MlflowException

    require_model(client, name)
    try:
        return client.get_model_version(name, str(version))
    except MlflowException as exc:
        if not _missing(exc):
            raise
    known = sorted(int(v.version) for v in client.search_model_versions(f"name='{name}'"))
    raise InputError(f"model '{name}' has no version {version}; existing versions: "
                     f"{', '.join(map(str, known)) or 'none'}")


def latest_version(client: MlflowClient, name: str) -> str:
    require_model(client, name)
    versions = [int(v.version) for v in client.search_model_versions(f"name='{name}'")]
    if not versions:
        raise InputError(f"registered model '{name}' has no versions; run the train task first")
    return str(max(versions))


def alias_version(client: MlflowClient, name: str, alias: str) -> str | None:
    """The version an alias points at, or None when the alias (or the model) is not set."""
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(name, alias).version)
    except MlflowException as exc:
        # Unity Catalog answers a missing alias with NOT_FOUND; the local store with INVALID_PARAMETER_VALUE.
        if _missing(exc) or (exc.error_code == "INVALID_PARAMETER_VALUE" and "alias" in str(exc)):
            return None
        raise


def champion_history(client: MlflowClient, name: str) -> list[str]:
    """Past champions, oldest first."""
    value = client.get_registered_model(name).tags.get(HISTORY_TAG, "")
    return [v for v in value.split(",") if v]


def _write_history(client: MlflowClient, name: str, history: list[str]) -> None:
    if history:
        client.set_registered_model_tag(name, HISTORY_TAG, ",".join(history[-HISTORY_LIMIT:]))
    else:
        client.delete_registered_model_tag(name, HISTORY_TAG)


def make_champion(client: MlflowClient, name: str, version: str) -> str | None:
    """Point `Champion` at `version`, remember the outgoing champion, clear a consumed `Challenger`.

    Returns the previous champion (None for the first one).
    """
    previous = alias_version(client, name, CHAMPION)
    if previous is not None and previous != version:
        _write_history(client, name, [*champion_history(client, name), previous])
    client.set_registered_model_alias(name, CHAMPION, version)
    if alias_version(client, name, CHALLENGER) == version:
        client.delete_registered_model_alias(name, CHALLENGER)
    return previous


def previous_champion(client: MlflowClient, name: str) -> str:
    """The champion before the current one, or InputError when none is recorded."""
    require_model(client, name)
    history = champion_history(client, name)
    if not history:
        raise InputError(f"model '{name}' has no previous champion recorded; nothing to roll back to")
    return history[-1]


def restore_previous(client: MlflowClient, name: str) -> tuple[str | None, str]:
    """Move `Champion` back to the last recorded champion and drop it from the history."""
    target = previous_champion(client, name)
    current = alias_version(client, name, CHAMPION)
    client.set_registered_model_alias(name, CHAMPION, target)
    _write_history(client, name, champion_history(client, name)[:-1])
    return current, target


def aliases(client: MlflowClient, name: str) -> dict[str, str]:
    """Alias -> version for the whole model (what a report or a test compares before and after)."""
    return {alias: str(version) for alias, version in client.get_registered_model(name).aliases.items()}
