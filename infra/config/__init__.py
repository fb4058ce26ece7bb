"""Load and validate `infra/platform.yaml` into a typed `PlatformConfig`.

Every problem is reported at once, one line each, as `file:line: key.path: what is wrong (how to fix)`,
through `InputError` (exit code 2 at the command line). Structure and types are checked by pydantic;
the cross-references between sections (roles, environments, names) are checked here. When the structure
is broken, the references are still checked on every section that is sound on its own, so a typo'd key in
one model and an unknown role in an environment come out of the same run, in file order.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from infra.config.data import check_data
from infra.config.model import (
    TIERS,
    Environment,
    EnvironmentConfig,
    FeatureTableConfig,
    ModelConfig,
    PlatformConfig,
    promotion_path,
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
        structural = [(_line(error["loc"], source), _describe(error, source)) for error in exc.errors()]
        references = _references(Sections.salvaged(source.data))
        raise InputError(_in_file_order(structural, _located(references, source))) from None
    problems = _located(cross_check(config), source)
    if problems:
        raise InputError(_in_file_order(problems))
    return config


def _located(problems: list[tuple[PathKey, str]], source: YamlSource) -> list[tuple[int, str]]:
    return [(source.line_of(loc) or 0, f"{source.where(loc)}: {_dotted(loc)}: {message}") for loc, message in problems]


def _line(loc: tuple[Any, ...], source: YamlSource) -> int:
    return source.line_of(_clean(loc)) or 0


def _in_file_order(*groups: list[tuple[int, str]]) -> list[str]:
    """Problems sorted by line (stable: structure before references on the same line)."""
    return [text for _, text in sorted((p for group in groups for p in group), key=lambda p: p[0])]


def _dotted(loc: PathKey) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _clean(loc: tuple[Any, ...]) -> PathKey:
    """A pydantic error location without its validator steps (`function-after[...]`, `literal[...]`, `[key]`)."""
    return tuple(p for p in loc
                 if not (isinstance(p, str) and (p == "[key]" or p.startswith(("function-", "literal[")))))


def _describe(error: ErrorDetails, source: YamlSource) -> str:
    """Turn one pydantic error into `file:line: key: message`, with a did-you-mean for unknown keys."""
    loc = _clean(error["loc"])
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


@dataclass(frozen=True)
class Sections:
    """The sections reference checks read; a None item is one whose own structure is broken (not checked,
    but its name still counts as declared, so one broken section does not make others look wrong)."""

    groups: dict[str, str] | None
    models: list[ModelConfig | None]
    model_names: list[str]
    feature_tables: list[FeatureTableConfig | None]
    environments: dict[str, EnvironmentConfig | None]

    @classmethod
    def of(cls, config: PlatformConfig) -> Sections:
        return cls(dict(config.groups), list(config.models), [m.name for m in config.models],
                   list(config.feature_tables), dict(config.environments))

    @classmethod
    def salvaged(cls, data: dict[str, Any]) -> Sections:
        """Every section of raw `data` that validates on its own."""
        models = _items(data.get("models"))
        names = [str(m["name"]) for m in models if isinstance(m, dict) and isinstance(m.get("name"), str)]
        environments = data.get("environments")
        return cls(
            groups=_valid(TypeAdapter(dict[str, str]), data.get("groups", {})),
            models=[_valid(ModelConfig, m) for m in models],
            model_names=names,
            feature_tables=[_valid(FeatureTableConfig, t) for t in _items(data.get("feature_tables"))],
            environments={str(k): _valid(EnvironmentConfig, v) for k, v in environments.items()}
            if isinstance(environments, dict) else {},
        )


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _valid(kind: Any, value: Any) -> Any:
    validate = kind.validate_python if isinstance(kind, TypeAdapter) else kind.model_validate
    try:
        return validate(value)
    except ValidationError:
        return None


def cross_check(config: PlatformConfig) -> list[tuple[PathKey, str]]:
    """References between sections: every (path, message) that names something not declared."""
    return _references(Sections.of(config))


def _references(sections: Sections) -> list[tuple[PathKey, str]]:
    return [*_model_references(sections), *_table_references(sections), *_environment_references(sections)]


def _unknown_roles(sections: Sections, used: Iterable[tuple[PathKey, str]]) -> list[tuple[PathKey, str]]:
    """Each (path, group role) that `groups` does not declare; nothing to say when `groups` itself is broken."""
    if sections.groups is None:
        return []
    known = list(sections.groups)
    return [(loc, _unknown("group role", role, known)) for loc, role in used if role not in sections.groups]


def _model_references(sections: Sections) -> list[tuple[PathKey, str]]:
    problems: list[tuple[PathKey, str]] = []
    seen: dict[str, int] = {}
    for i, model in enumerate(sections.models):
        if model is None:
            continue
        if model.name in seen:
            problems.append((("models", i, "name"),
                             f"duplicate model name '{model.name}' (also models[{seen[model.name]}])"))
        seen.setdefault(model.name, i)
        problems += _model_columns(i, model)
        roles = model.serving.query_roles if model.serving else []
        problems += _unknown_roles(sections, ((("models", i, "serving", "query_roles", j), role)
                                              for j, role in enumerate(roles)))
        problems += _deployment_path(sections, i, model)
        problems += check_data(i, model, [table for table in sections.feature_tables if table is not None])
    return problems


def _table_references(sections: Sections) -> list[tuple[PathKey, str]]:
    problems: list[tuple[PathKey, str]] = []
    models = {m.name for m in sections.models if m is not None}
    tables: set[str] = set()
    for i, table in enumerate(sections.feature_tables):
        if table is None:
            continue
        if table.name in tables or table.name in models:
            problems.append((("feature_tables", i, "name"), f"duplicate table name '{table.name}'"))
        tables.add(table.name)
        columns = [c.name for c in table.columns]
        if table.timestamp_col and table.timestamp_col not in columns:
            problems.append((("feature_tables", i, "timestamp_col"),
                             f"'{table.timestamp_col}' is not one of the table's columns: {', '.join(columns)}"))
    return problems


def _environment_references(sections: Sections) -> list[tuple[PathKey, str]]:
    problems: list[tuple[PathKey, str]] = []
    catalogs: dict[str, str] = {}
    for name, env in sections.environments.items():
        if env is None:
            continue
        loc: PathKey = ("environments", name)
        if env.tier is None and name not in TIERS:
            problems.append((loc, f"environment '{name}' needs tier: dev, staging or prod"))
        if env.catalog in catalogs:
            problems.append(((*loc, "catalog"), f"catalog '{env.catalog}' is also used by '{catalogs[env.catalog]}'; "
                                                "each environment needs its own catalog"))
        catalogs.setdefault(env.catalog, name)
        problems += _unknown_roles(sections, _environment_roles(loc, env))
        problems += _served_models(sections, loc, env)
        problems += _read_only_sources(sections, loc, name, env)
    return problems


def _environment_roles(loc: PathKey, env: EnvironmentConfig) -> Iterator[tuple[PathKey, str]]:
    yield from (((*loc, "access", role), role) for role in env.access)
    yield from (((*loc, "deployer", "member_of", j), role) for j, role in enumerate(env.deployer.member_of))
    yield from (((*loc, "jobs", "permissions", role), role) for role in env.jobs.permissions or {})


def _served_models(sections: Sections, loc: PathKey, env: EnvironmentConfig) -> list[tuple[PathKey, str]]:
    """Names in `serving: [...]` must be models with a serving section (a broken model gets the benefit of
    the doubt: it may have one)."""
    valid = {m.name: m for m in sections.models if m is not None}
    problems = []
    for j, model_name in enumerate(env.serving if isinstance(env.serving, list) else []):
        if model_name not in sections.model_names:
            problems.append(((*loc, "serving", j), _unknown("model", model_name, sections.model_names)))
        elif model_name in valid and valid[model_name].serving is None:
            problems.append(((*loc, "serving", j), f"model '{model_name}' has no serving section"))
    return problems


def _read_only_sources(sections: Sections, loc: PathKey, name: str, env: EnvironmentConfig
                       ) -> list[tuple[PathKey, str]]:
    problems = []
    for j, other in enumerate(env.read_only_from):
        if other == name:
            problems.append(((*loc, "read_only_from", j), f"'{name}' cannot be read-only bound to itself"))
        elif other not in sections.environments:
            problems.append(((*loc, "read_only_from", j), _unknown("environment", other, list(sections.environments))))
    return problems


def _deployment_path(sections: Sections, i: int, model: ModelConfig) -> list[tuple[PathKey, str]]:
    """A deploy-model path names declared environments once each, starts where the model trains and never
    steps down a tier."""
    deployment, loc = model.deployment, ("models", i, "deployment")
    envs = list(sections.environments)
    if deployment.strategy != "deploy-model":
        extra = [key for key in ("train_in", "path") if getattr(deployment, key) is not None]
        return [((*loc, key), f"{key} applies to strategy deploy-model only; remove it or set strategy: deploy-model")
                for key in extra]
    if deployment.train_in is not None and deployment.train_in not in sections.environments:
        return [((*loc, "train_in"), _unknown("environment", deployment.train_in, envs))]
    problems: list[tuple[PathKey, str]] = [((*loc, "path", j), _unknown("environment", name, envs))
                                           for j, name in enumerate(deployment.path or [])
                                           if name not in sections.environments]
    if problems or not envs:
        return problems
    tiers = {name: (env.tier if env is not None and env.tier else name) for name, env in sections.environments.items()}
    path = promotion_path(deployment, tiers)
    if len(set(path)) != len(path) or len(path) < 2:
        return [((*loc, "path"), f"path {path} must name two or more different environments")]
    if deployment.train_in is not None and deployment.path and path[0] != deployment.train_in:
        return [((*loc, "path"), f"path starts at '{path[0]}' but the model trains in '{deployment.train_in}'; "
                                 "start the path with the training environment")]
    order = [TIERS.index(tiers[name]) if tiers[name] in TIERS else 0 for name in path]
    return [((*loc, "path", j), f"'{path[j]}' is a lower tier than '{path[j - 1]}': a model only moves towards "
                                "production (dev -> staging -> prod)")
            for j in range(1, len(order)) if order[j] < order[j - 1]]

def _model_columns(i: int, model: ModelConfig) -> list[tuple[PathKey, str]]:
    reserved = {model.prediction_col, model.timestamp_col, model.model_id_col, model.label_col} - {None}
    out: list[tuple[PathKey, str]] = []
    for j, feature in enumerate(model.features):
        if feature.name in reserved:
            out.append((("models", i, "features", j, "name"),
                        f"feature '{feature.name}' clashes with the model's prediction, label, timestamp or id column"))
    return out
