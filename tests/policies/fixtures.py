"""Small synth and plan documents for rule tests, built from the example config.

`compliant_stack(config, env)` is the smallest stack that passes every rule in that environment
(one model); tests mutate one attribute to show a rule fires. `as_plan` turns a stack into a
`terraform show -json` document, with `${...}` values unknown after apply as Terraform reports them.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.config import Environment, PlatformConfig
from infra.config.roles import privileges
from policies.rules.stack_boundaries import ACCOUNT_LEVEL_TYPES

DEPLOYER = "${databricks_service_principal.deployer.application_id}"
MODEL = "product_recommender"
REFERENCE = re.compile(r"\$\{([^}]+)\}")
LOCAL_STATE = {"local": {"path": "terraform.tfstate"}}
REMOTE_STATE = {"s3": {"bucket": "tf-state", "key": "retail.tfstate", "region": "us-east-1", "encrypt": True}}


def ref(rtype: str, name: str, attribute: str) -> str:
    return f"${{{rtype}.{name}.{attribute}}}"


@dataclass
class Stack:
    """A cdk.tf.json under construction: `resource[type][name] = body`."""

    resource: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    terraform: dict[str, Any] = field(default_factory=dict)  # the `terraform` block: backend

    def add(self, rtype: str, name: str, /, **body: Any) -> dict[str, Any]:
        self.resource.setdefault(rtype, {})[name] = body
        return body

    def get(self, rtype: str, name: str) -> dict[str, Any]:
        return self.resource[rtype][name]

    def remove(self, rtype: str, name: str) -> None:
        del self.resource[rtype][name]

    def doc(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"resource": copy.deepcopy(self.resource)}
        if self.terraform:
            doc["terraform"] = copy.deepcopy(self.terraform)
        return doc


def grants(env: Environment, securable: str, name: str) -> list[dict[str, Any]]:
    return [{"principal": env.group(role), "privileges": list(privileges(level, securable))}
            for role, level in env.config.access.items()]


def compliant_stack(config: PlatformConfig, env_name: str) -> Stack:
    env = config.env(env_name)
    model = config.model(MODEL)
    assert model is not None
    stack = Stack(terraform={"backend": REMOTE_STATE if env.governed else LOCAL_STATE})
    protect: dict[str, Any] = {"lifecycle": {"prevent_destroy": True}} if env.protected else {}
    stack.add("databricks_service_principal", "deployer", display_name=env.deployer_name, provider="databricks.account")
    stack.add("databricks_catalog", "catalog", name=env.catalog, owner=DEPLOYER, force_destroy=False,
              isolation_mode="ISOLATED" if env.governed else "OPEN", **protect)
    stack.add("databricks_schema", "schema_ml", catalog_name=ref("databricks_catalog", "catalog", "name"), name="ml",
              owner=DEPLOYER, force_destroy=False, **protect)
    stack.add("databricks_registered_model", f"model_{MODEL}",
              catalog_name=ref("databricks_schema", "schema_ml", "catalog_name"),
              schema_name=ref("databricks_schema", "schema_ml", "name"), name=MODEL, owner=DEPLOYER, **protect)
    stack.add("databricks_grants", "grants_catalog", catalog=ref("databricks_catalog", "catalog", "name"),
              grant=grants(env, "catalog", env.catalog))
    stack.add("databricks_grants", "grants_schema_ml", schema=ref("databricks_schema", "schema_ml", "id"),
              grant=grants(env, "schema", f"{env.catalog}.ml"))
    stack.add("databricks_grants", f"grants_model_{MODEL}", model=full_name("databricks_registered_model",
                                                                            f"model_{MODEL}"),
              grant=grants(env, "model", env.model_full_name(model)))
    if env.governed:
        _bindings(stack, config, env)
    if model in env.served_models:
        _serving(stack, env)
    return stack


def full_name(rtype: str, name: str) -> str:
    """`<catalog>.<schema>.<name>` of a declared table or model, through references to it."""
    return ".".join(ref(rtype, name, key) for key in ("catalog_name", "schema_name", "name"))


def _schema(stack: Stack, name: str, protect: dict[str, Any]) -> str:
    stack.add("databricks_schema", f"schema_{name}", catalog_name=ref("databricks_catalog", "catalog", "name"),
              name=name, owner=DEPLOYER, force_destroy=False, **protect)
    return f"schema_{name}"


def _bindings(stack: Stack, config: PlatformConfig, env: Environment) -> None:
    own: Any = env.config.workspace.workspace_id
    if env.creates_workspace:
        stack.add("databricks_mws_workspaces", "workspace", deployment_name=env.config.workspace.create.deployment_name,
                  provider="databricks.account")
        own = ref("databricks_mws_workspaces", "workspace", "workspace_id")
    catalog_name = ref("databricks_catalog", "catalog", "name")
    stack.add("databricks_workspace_binding", f"binding_read_write_{env.name}", securable_name=catalog_name,
              securable_type="catalog", workspace_id=own, binding_type="BINDING_TYPE_READ_WRITE")
    for other in env.config.read_only_from:
        stack.add("databricks_workspace_binding", f"binding_read_only_{other}", securable_name=catalog_name,
                  securable_type="catalog", workspace_id=config.environments[other].workspace.workspace_id,
                  binding_type="BINDING_TYPE_READ_ONLY")


def _serving(stack: Stack, env: Environment) -> None:
    model = env.platform.model(MODEL)
    assert model is not None and model.serving is not None and model.monitor is not None
    protect: dict[str, Any] = {"lifecycle": {"prevent_destroy": True}} if env.protected else {}
    inference, monitoring = _schema(stack, "inference", protect), _schema(stack, "monitoring", protect)
    stack.add("databricks_model_serving", f"serving_{MODEL}", name=env.endpoint_name(model), ai_gateway={
        "inference_table_config": {"catalog_name": ref("databricks_schema", inference, "catalog_name"),
                                   "schema_name": ref("databricks_schema", inference, "name"),
                                   "table_name_prefix": env.inference_table_prefix(model), "enabled": True},
        "usage_tracking_config": {"enabled": True},
    }, lifecycle={"ignore_changes": ["config"]})
    stack.add("databricks_permissions", f"serving_permissions_{MODEL}",
              serving_endpoint_id=ref("databricks_model_serving", f"serving_{MODEL}", "serving_endpoint_id"),
              access_control=[*({"group_name": env.group(role), "permission_level": "CAN_QUERY"}
                                for role in model.serving.query_roles),
                              {"service_principal_name": DEPLOYER, "permission_level": "CAN_MANAGE"}])
    table = env.processed_table(model)
    stack.add("databricks_sql_table", f"predictions_{MODEL}", catalog_name=ref("databricks_schema", inference,
                                                                               "catalog_name"),
              schema_name=ref("databricks_schema", inference, "name"), name=table.rsplit(".", 1)[-1],
              table_type="MANAGED", owner=DEPLOYER, **protect)
    stack.add("databricks_quality_monitor", f"monitor_{MODEL}",
              table_name=full_name("databricks_sql_table", f"predictions_{MODEL}"),
              output_schema_name=f"{ref('databricks_schema', monitoring, 'catalog_name')}."
                                 f"{ref('databricks_schema', monitoring, 'name')}",
              assets_dir=f"/Shared/lakestack/{env.name}/{MODEL}",
              inference_log=[{"problem_type": "PROBLEM_TYPE_CLASSIFICATION", "prediction_col": "prediction",
                              "timestamp_col": "event_ts", "model_id_col": "model_version",
                              "granularities": ["1 day"]}],
              schedule=[{"quartz_cron_expression": model.monitor.schedule, "timezone_id": "UTC"}])
    stack.add("databricks_alert_v2", f"drift_alert_{MODEL}", display_name=f"drift on {MODEL}",
              query_text=f"SELECT max(js_distance) AS max_drift FROM {env.drift_metrics_table(model)}",
              evaluation={"comparison_operator": "GREATER_THAN", "source": {"name": "max_drift"},
                          "threshold": {"value": {"double_value": model.monitor.drift_threshold}}},
              depends_on=[f"databricks_quality_monitor.monitor_{MODEL}"])


def write_synth(root: Path, stacks: dict[str, Stack | dict[str, Any]]) -> Path:
    """Write `root/stacks/<name>/cdk.tf.json` for each stack (pretty-printed like CDKTF).

    A `Stack`'s account-level resources go to `<name>-account`, read back through cross-stack references as
    lakestack's app does; a plain dict is written as it is.
    """
    docs: dict[str, dict[str, Any]] = {}
    for name, stack in stacks.items():
        if isinstance(stack, Stack):
            docs.update(split_account_stack(name, stack.doc()))
        else:
            docs[name] = stack
    for name, doc in docs.items():
        folder = root / "stacks" / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
    return root


def split_account_stack(name: str, doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """`{name: doc}`, or the doc split into `<name>` and `<name>-account` when it holds account-level resources."""
    moved = {t: doc["resource"].pop(t) for t in ACCOUNT_LEVEL_TYPES if t in doc["resource"]}
    if not moved or name.endswith("-account"):
        doc["resource"].update(moved)
        return {name: doc}
    account = f"{name}-account"
    outputs: dict[str, Any] = {}

    def cross_stack(match: re.Match[str]) -> str:
        rtype = match.group(1).split(".")[0]
        if rtype not in moved:
            return match.group(0)
        output = match.group(1).replace(".", "_")
        outputs[output] = {"value": match.group(0)}
        return f"${{data.terraform_remote_state.cross-stack-reference-input-{account}.outputs.{output}}}"

    text = REFERENCE.sub(cross_stack, json.dumps(doc))
    return {name: json.loads(text), account: {"resource": moved, "output": outputs}}


# ---- plans ---------------------------------------------------------------------------------------


def _plan_values(stack: Stack, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(known values, after_unknown, configuration references) of a synth body, as Terraform plans it:
    a reference to a configured literal is known at plan time, a computed attribute is not."""
    values, unknown, references = {}, {}, {}
    for key, value in body.items():
        if key in ("lifecycle", "provider", "depends_on"):
            continue
        text = json.dumps(value)
        found = REFERENCE.findall(text)
        known = REFERENCE.sub(lambda m: str(_configured(stack, m.group(1)) or ""), text)
        if found and isinstance(value, str) and any(_configured(stack, f) is None for f in found):
            unknown[key] = True
            references[key] = found
        else:
            values[key] = json.loads(known)
    return values, unknown, references


def _configured(stack: Stack, expression: str) -> Any:
    """The configured value an expression stands for, through chains of references; None when computed."""
    rtype, name, attribute = expression.split(".")[:3]
    value = stack.resource.get(rtype, {}).get(name, {}).get(attribute)
    if isinstance(value, str) and "${" in value:
        parts = [_configured(stack, inner) for inner in REFERENCE.findall(value)]
        if any(part is None for part in parts):
            return None
        resolved = iter(parts)
        return REFERENCE.sub(lambda m: str(next(resolved)), value)
    return value if isinstance(value, str | int) else None


def as_plan(stack: Stack, actions: dict[str, list[str]] | None = None, *, host: str | None = None) -> dict[str, Any]:
    """The stack as a `terraform show -json` plan; every resource is a no-op unless `actions` says otherwise."""
    actions = actions or {}
    changes, configured = [], []
    for rtype, named in stack.resource.items():
        for name, body in named.items():
            address = f"{rtype}.{name}"
            verb = actions.get(address, ["no-op"])
            values, unknown, references = _plan_values(stack, body)
            before = None if verb == ["create"] else values
            after = None if verb == ["delete"] else values
            changes.append({"address": address, "mode": "managed", "type": rtype, "name": name,
                            "provider_name": "registry.terraform.io/databricks/databricks",
                            "change": {"actions": verb, "before": before, "after": after,
                                       "after_unknown": unknown if after is not None else {}}})
            configured.append({"address": address, "type": rtype, "name": name, "expressions": {
                key: {"references": refs} for key, refs in references.items()}})
    provider = {"databricks": {"name": "databricks", "expressions": {"host": {"constant_value": host}}}} if host else {}
    return {"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes,
            "configuration": {"provider_config": provider, "root_module": {"resources": configured}}}


def write_plan(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(json.dumps(doc, indent=2))
    return path
