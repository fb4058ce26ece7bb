"""Lookups several rule families share: which configured model an endpoint serves, where it is declared, who
holds which grant."""

from __future__ import annotations

from infra.config import Environment, ModelConfig
from policies.grants import GrantEntry, grant_entries
from policies.model import Resource, literal
from policies.principals import Principal
from policies.rules.base import ConfigKey, Context


def inference_table_config(endpoint: Resource) -> dict:
    """The endpoint's inference table settings: AI Gateway's, or the legacy `config.auto_capture_config`."""
    gateway = endpoint.first("ai_gateway", "inference_table_config")
    return gateway or endpoint.first("config", "auto_capture_config")


def model_of_endpoint(ctx: Context, endpoint: Resource) -> ModelConfig | None:
    """The configured model an endpoint serves: by endpoint name, else by inference table prefix."""
    env = ctx.env
    by_name = ctx.memo("models_by_endpoint", lambda: {env.endpoint_name(m): m for m in env.platform.models})
    by_prefix = ctx.memo("models_by_prefix", lambda: {env.inference_table_prefix(m): m for m in env.platform.models})
    name = literal(endpoint.get("name"))
    prefix = literal(inference_table_config(endpoint).get("table_name_prefix"))
    return by_name.get(name or "") or by_prefix.get(prefix or "")


def model_key(env: Environment, model: ModelConfig | None, *rest: str) -> ConfigKey | None:
    if model is None:
        return None
    return ("models", env.platform.models.index(model), *rest)


def env_key(env: Environment, *rest: str | int) -> ConfigKey:
    return ("environments", env.name, *rest)


def classified_grants(ctx: Context) -> list[tuple[GrantEntry, Principal]]:
    """Every grant entry of the environment with who its principal is, read once for the rules that judge grants."""
    return ctx.memo("classified_grants", lambda: [(entry, ctx.principals.classify(entry.principal))
                                                   for entry in grant_entries(ctx.inventory)])
