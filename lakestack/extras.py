"""Optional parts of lakestack and the packages they need, so a missing one is one line naming the install.

The main job (synth, audit, review, bootstrap) needs only the core dependencies; the model
lifecycle commands need the `lifecycle` extra (MLflow, pandas, scikit-learn).
"""

from __future__ import annotations

from importlib.util import find_spec

from lakestack.errors import InputError

EXTRAS: dict[str, tuple[str, ...]] = {
    "lifecycle": ("mlflow", "pandas", "sklearn"),
}


def missing_modules(extra: str) -> list[str]:
    return [module for module in EXTRAS[extra] if find_spec(module) is None]


def require_extra(extra: str, command: str) -> None:
    """Raise InputError (exit 2) when a module of `extra` is not installed."""
    missing = missing_modules(extra)
    if missing:
        raise InputError(f"`lakestack {command}` needs the {extra} extra ({', '.join(missing)} not installed): "
                         f"pip install 'lakestack[{extra}]'")
