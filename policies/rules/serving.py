"""Serving endpoints: every request is logged to an inference table, and only named callers may query."""

from __future__ import annotations

from collections.abc import Iterator

from policies.model import Resource, literal
from policies.principals import ALL_USERS
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import inference_table_config, model_key, model_of_endpoint

ENDPOINT_TYPES = ("databricks_model_serving",)
PERMISSION_TYPES = ("databricks_permissions",)


def inference_tables_enabled(ctx: Context) -> Iterator[Violation]:
    for endpoint in ctx.inventory.of_type(*ENDPOINT_TYPES):
        table = inference_table_config(endpoint)
        if table.get("enabled") is not True:
            model = model_of_endpoint(ctx, endpoint)
            state = "disabled" if table else "not configured"
            yield Violation(endpoint, f"serving endpoint '{endpoint.get('name')}' in {ctx.env.name} has its "
                                      f"inference table {state}; its requests and predictions are not recorded",
                            model_key(ctx.env, model, "serving"))


def query_only_named_principals(ctx: Context) -> Iterator[Violation]:
    for permissions in ctx.inventory.of_type(*PERMISSION_TYPES):
        if permissions.get("serving_endpoint_id") is None:
            continue
        for entry in permissions.blocks("access_control"):
            level = literal(entry.get("permission_level")) or "?"
            group = literal(entry.get("group_name"))
            user = literal(entry.get("user_name"))
            if group is not None and group.lower() in ALL_USERS:
                who = f"the all-users group '{group}'"
            elif user is not None:
                who = f"the individual user '{user}'"
            else:
                continue
            yield Violation(permissions, f"{who} holds {level} on serving endpoint "
                                         f"'{endpoint_name(ctx, permissions)}' in {ctx.env.name}; grant "
                                         "CAN_QUERY to named groups or service principals")


def endpoint_name(ctx: Context, permissions: Resource) -> str:
    """The endpoint a permissions resource governs: by reference (synth) or by endpoint id (plan, live)."""
    value = permissions.get("serving_endpoint_id")
    endpoint = ctx.inventory.target(value) or ctx.inventory.find(ENDPOINT_TYPES[0], serving_endpoint_id=value)
    return literal(endpoint.get("name") if endpoint is not None else value) or str(value)


RULES = (
    Rule(
        id="LS-SRV-001",
        title="Serving endpoints in governed environments have their inference table enabled",
        severity=Severity.HIGH,
        resource_types=ENDPOINT_TYPES,
        scope=Scope.GOVERNED,
        rationale="Without the inference table there is no record of what the model answered, nothing to "
                  "monitor for drift and no audit trail for a disputed prediction.",
        remediation="Enable `ai_gateway.inference_table_config` (catalog, `inference` schema, table prefix, "
                    "enabled = true); the serving endpoint construct does this when the model has `serving:`.",
        check=inference_tables_enabled,
    ),
    Rule(
        id="LS-SRV-002",
        title="Only named groups and service principals may query governed serving endpoints",
        severity=Severity.HIGH,
        resource_types=PERMISSION_TYPES,
        scope=Scope.GOVERNED,
        rationale="A CAN_QUERY grant to `users` exposes the model (and what it leaks about its training data) to "
                  "everyone in the workspace; grants to individuals escape group review.",
        remediation="List the calling groups under `models[].serving.query_roles` (or service principals under "
                    "`query_principals`) and remove grants to `users`, `account users` or individual emails.",
        check=query_only_named_principals,
    ),
)
