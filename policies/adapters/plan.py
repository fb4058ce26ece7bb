"""`terraform show -json` plans as inventories: the state after the plan, plus what it deletes or replaces.

Each `resource_changes` entry gives the resource's after-values (its before-values when deleted) and
its actions; values known only after apply become `Unresolved`, with the references the plan's
`configuration` section records for that attribute (so the deployer's application id is still
recognised as the deployer). Resources in `planned_values` without a change entry are added as is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from infra.config import PlatformConfig
from lakestack.errors import InputError
from lakestack.terraform_json import read_plan
from policies.model import PLAN, Inventory, Reference, Resource, Source, Unresolved

KNOWN_AFTER_APPLY = "(known after apply)"
CATALOG_KEYS = ("catalog_name", "catalog", "securable_name")
REMOTE_STATE = "data.terraform_remote_state."


def read_plan_inventory(path: Path, config: PlatformConfig, environment: str | None = None) -> Inventory:
    """The plan at `path` as the inventory of `environment` (told, or recognised from the plan)."""
    doc = read_plan(path)
    env = environment or plan_environment(doc, Path(path), config)
    inventory = Inventory(env, PLAN, str(path))
    source = Source(PLAN, str(path), label=Path(path).name)
    references = configuration_references(doc)
    seen: set[str] = set()
    for change in doc.get("resource_changes") or []:
        if not isinstance(change, dict) or "type" not in change:
            continue
        body = change.get("change") or {}
        actions = tuple(body.get("actions") or ())
        deleted = "create" not in actions and "delete" in actions
        values = body.get("before") if deleted else body.get("after")
        unknown = {} if deleted else body.get("after_unknown")
        address = str(change.get("address"))
        seen.add(address)
        attributes = with_unknowns(without_zero_strings(values or {}), unknown or {}, references.get(address, {}), env)
        inventory.add(_resource(change, address, env, attributes, source, actions))
    for planned in planned_resources(doc):
        address = str(planned.get("address"))
        if address not in seen:
            inventory.add(_resource(planned, address, env, dict(planned.get("values") or {}), source, ()))
    return inventory


def _resource(entry: dict[str, Any], address: str, env: str, attributes: dict[str, Any], source: Source,
              actions: tuple[str, ...]) -> Resource:
    return Resource(address=address, type=str(entry["type"]), name=str(entry.get("name", "")), stack=env,
                    environment=env, attributes=attributes, source=source, lifecycle=None,
                    provider=entry.get("provider_name"), mode=entry.get("mode", "managed"), actions=actions)


def planned_resources(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    modules = [((doc.get("planned_values") or {}).get("root_module") or {})]
    while modules:
        module = modules.pop()
        yield from (r for r in module.get("resources") or [] if isinstance(r, dict) and "type" in r)
        modules.extend(m for m in module.get("child_modules") or [] if isinstance(m, dict))


def configuration_references(doc: dict[str, Any]) -> dict[str, dict[str, list[str]]]:
    """address -> attribute -> referenced addresses, from the root module's configuration."""
    out: dict[str, dict[str, list[str]]] = {}
    root = ((doc.get("configuration") or {}).get("root_module") or {})
    for resource in root.get("resources") or []:
        expressions = resource.get("expressions") or {}
        out[str(resource.get("address"))] = {
            key: list(value.get("references") or []) for key, value in expressions.items() if isinstance(value, dict)
        }
    return out


def without_zero_strings(values: Any, in_block: bool = False) -> Any:
    """Drop the empty strings a provider plan gives unset attributes of nested blocks.

    A real plan shows every attribute of a block, unset ones as "" (an `access_control` entry for a
    group has `user_name = ""`); the synth only shows what is set. Rules read "set or not" the same way
    from both once blocks lose those placeholders.
    """
    if isinstance(values, dict):
        return {k: without_zero_strings(v, in_block) for k, v in values.items() if not (in_block and v == "")}
    if isinstance(values, list):
        return [without_zero_strings(v, in_block=True) for v in values]
    return values


def with_unknowns(values: Any, unknown: Any, references: dict[str, list[str]], env: str, key: str = "") -> Any:
    """Replace values the plan marks unknown with `Unresolved`, keeping the configured references."""
    if unknown is True:
        return Unresolved(KNOWN_AFTER_APPLY, _references(references.get(key, []), env))
    remote = [name for name in references.get(key, []) if name.startswith(REMOTE_STATE)]
    if remote and not isinstance(values, dict | list):
        # A value another stack's state gives (a created workspace's id): known here, but what it names
        # is the reference, as in the synth.
        return Unresolved(max(remote, key=len), _references(remote, env))
    if isinstance(values, dict):
        unknown = unknown if isinstance(unknown, dict) else {}
        keys = list(values) + [k for k in unknown if k not in values]
        return {k: with_unknowns(values.get(k), unknown.get(k), references, env, key or k) for k in keys}
    if isinstance(values, list):
        unknown = unknown if isinstance(unknown, list) else []
        return [with_unknowns(v, unknown[i] if i < len(unknown) else None, references, env, key)
                for i, v in enumerate(values)]
    return values


def _references(names: list[str], env: str) -> tuple[Reference, ...]:
    """`type.name.attr` / `type.name` references, one per resource (Terraform lists both forms)."""
    out: dict[str, Reference] = {}
    for name in names:
        steps = name.split(".")
        size = 3 if steps[0] == "data" else 2
        if len(steps) < size:
            continue
        address = ".".join(steps[:size])
        attribute = steps[size] if len(steps) > size else "id"
        if address not in out or attribute != "id":
            out[address] = Reference(env, address, attribute)
    return tuple(out.values())


def plan_environment(doc: dict[str, Any], path: Path, config: PlatformConfig) -> str:
    """Which environment a plan is for: by the catalog it touches, its provider host, or its file name."""
    names = set(_catalog_names(doc)) | {_provider_host(doc)}
    matches = [env.name for env in config.envs() if env.catalog in names or env.host in names]
    if len(matches) == 1:
        return matches[0]
    tokens = set(re.split(r"[^A-Za-z0-9]+", path.stem))
    by_name = [env for env in config.environments if env in tokens]
    if len(by_name) == 1:
        return by_name[0]
    raise InputError(f"{path}: cannot tell which environment this plan is for",
                     hint=f"pass --plan ENV={path} with ENV one of: {', '.join(config.environments)}")


def _catalog_names(doc: dict[str, Any]) -> Iterator[str]:
    for change in doc.get("resource_changes") or []:
        body = (change or {}).get("change") or {}
        for values in (body.get("after"), body.get("before")):
            if not isinstance(values, dict):
                continue
            if change.get("type") == "databricks_catalog" and isinstance(values.get("name"), str):
                yield values["name"]
            for key in CATALOG_KEYS:
                if isinstance(values.get(key), str):
                    yield values[key].split(".")[0]
    for planned in planned_resources(doc):
        values = planned.get("values") or {}
        for key in CATALOG_KEYS:
            if isinstance(values.get(key), str):
                yield values[key].split(".")[0]


def _provider_host(doc: dict[str, Any]) -> str:
    provider = ((doc.get("configuration") or {}).get("provider_config") or {}).get("databricks") or {}
    host = ((provider.get("expressions") or {}).get("host") or {}).get("constant_value")
    return str(host).rstrip("/") if host else ""
