"""Load and validate `infra/platform.yaml` into a typed `PlatformConfig`.

Every problem is reported at once, one line each, as `file:line: key.path: what is wrong (how to fix)`,
through `InputError` (exit code 2 at the command line). Structure and types are checked by pydantic;
the cross-references between sections (roles, environments, names) are checked here.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from infra.config.data import check_data
from infra.config.model import (
    TIERS,
    Environment,
    ModelConfig,
    PlatformConfig,
)
from infra.config.yaml_source import PathKey, YamlSource, load_yaml
from lakestack.errors import InputError

DEFAULT_CONFIG = Path("infra/platform.yaml")

__all__ = ["DEFAULT_CONFIG", "Environment", "ModelConfig", "PlatformConfig", "load_config", "parse_config"]


def load_config(path: str | Path = DEFAULT_CONFIG) -> PlatformConfig:
    """Read, validate and type the platform config at `path`, or raise InputError listing every problem."""
    return parse_config(load_yaml(Path(path)))


def parse_config(source: YamlSource) -> PlatformConfig:
    if not isinstance(source.data, dict):
        raise InputError(f"{source.path}: expected a mapping at the top level (project, account, ...)")
    try:
        config = PlatformConfig.model_validate(source.data)
    except ValidationError as exc:
        raise InputError([_describe(error, source) for error in exc.errors()]) from None
    problems = [f"{source.where(loc)}: {_dotted(loc)}: {message}" for loc, message in cross_check(config)]
    if problems:
        raise InputError(problems)
    return config


def _dotted(loc: PathKey) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(error: dict[str, Any], source: YamlSource) -> str:
    """Turn one pydantic error into `file:line: key: message`, with a did-you-mean for unknown keys."""
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
    kind = error["type"]
    where = source.where(loc)
    if kind == "extra_forbidden":
        parent, key = loc[:-1], str(loc[-1])
        allowed = _allowed_keys(parent, source)
        guess = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean '{guess[0]}'?)" if guess else (f"; allowed: {', '.join(allowed)}" if allowed else "")
        return f"{where}: {_dotted(loc)}: unknown key '{key}'{hint}"
    if kind == "missing":
        return f"{where}: {_dotted(loc[:-1])}: missing required key '{loc[-1]}'"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{where}: {_dotted(loc)}: '{error.get('input')}' is not allowed; use one of {expected}"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {_dotted(loc)}: {message}"


def _allowed_keys(parent: PathKey, source: YamlSource) -> list[str]:
    """Field names of the model at `parent`, found by walking the schema along the path."""
    model: Any = PlatformConfig
    for part in parent:
        if isinstance(part, int) or model is None:
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            # dict-valued fields (environments.<name>) keep the value model
            continue
        model = _model_of(field.annotation)
    return sorted(getattr(model, "model_fields", {}) or [])


def _model_of(annotation: Any) -> Any:
    """The pydantic model inside `X`, `X | None`, `list[X]` or `dict[str, X]`, if any."""
    if isinstance(annotation, type) and hasattr(annotation, "model_fields"):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _unknown(kind: str, name: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{guess[0]}'?)" if guess else f"; known: {', '.join(known) or 'none'}"
    return f"unknown {kind} '{name}'{hint}"


def cross_check(config: PlatformConfig) -> list[tuple[PathKey, str]]:
    """References between sections: every (path, message) that names something not declared."""
    problems: list[tuple[PathKey, str]] = []
    roles = list(config.groups)
    envs = list(config.environments)

    seen: dict[str, int] = {}
    for i, model in enumerate(config.models):
        if model.name in seen:
            problems.append((("models", i, "name"),
                             f"duplicate model name '{model.name}' (also models[{seen[model.name]}])"))
        seen.setdefault(model.name, i)
        problems += _model_columns(i, model)
        for j, role in enumerate(model.serving.query_roles if model.serving else []):
            if role not in config.groups:
                problems.append((("models", i, "serving", "query_roles", j), _unknown("group role", role, roles)))

    for i, model in enumerate(config.models):
        problems += check_data(i, model, config.feature_tables)

    tables: dict[str, int] = {}
    for i, table in enumerate(config.feature_tables):
        if table.name in tables or table.name in seen:
            problems.append((("feature_tables", i, "name"), f"duplicate table name '{table.name}'"))
        tables.setdefault(table.name, i)
        columns = [c.name for c in table.columns]
        if table.timestamp_col and table.timestamp_col not in columns:
            problems.append((("feature_tables", i, "timestamp_col"),
                             f"'{table.timestamp_col}' is not one of the table's columns: {', '.join(columns)}"))

    catalogs: dict[str, str] = {}
    for name, env in config.environments.items():
        loc: PathKey = ("environments", name)
        if env.tier is None and name not in TIERS:
            problems.append((loc, f"environment '{name}' needs tier: dev, staging or prod"))
        if env.catalog in catalogs:
            problems.append(((*loc, "catalog"), f"catalog '{env.catalog}' is also used by '{catalogs[env.catalog]}'; "
                                                "each environment needs its own catalog"))
        catalogs.setdefault(env.catalog, name)
        for role in env.access:
            if role not in config.groups:
                problems.append(((*loc, "access", role), _unknown("group role", role, roles)))
        for j, role in enumerate(env.deployer.member_of):
            if role not in config.groups:
                problems.append(((*loc, "deployer", "member_of", j), _unknown("group role", role, roles)))
        for role in env.jobs.permissions or {}:
            if role not in config.groups:
                problems.append(((*loc, "jobs", "permissions", role), _unknown("group role", role, roles)))
        served = [m.name for m in config.models if m.serving is not None]
        for j, model_name in enumerate(env.serving if isinstance(env.serving, list) else []):
            if model_name not in served:
                known = [m.name for m in config.models]
                message = (f"model '{model_name}' has no serving section" if model_name in known
                           else _unknown("model", model_name, known))
                problems.append(((*loc, "serving", j), message))
        for j, other in enumerate(env.read_only_from):
            if other == name:
                problems.append(((*loc, "read_only_from", j), f"'{name}' cannot be read-only bound to itself"))
            elif other not in config.environments:
                problems.append(((*loc, "read_only_from", j), _unknown("environment", other, envs)))
    return problems


def _model_columns(i: int, model: ModelConfig) -> list[tuple[PathKey, str]]:
    reserved = {model.prediction_col, model.timestamp_col, model.model_id_col, model.label_col} - {None}
    out = []
    for j, feature in enumerate(model.features):
        if feature.name in reserved:
            out.append((("models", i, "features", j, "name"),
                        f"feature '{feature.name}' clashes with the model's prediction, label, timestamp or id column"))
    return out
