"""Producer: the change model from two synth folders (base branch vs head), available offline.

This is the config-level change: no state, no credentials. Replacements are estimated from the
attributes the Databricks provider marks as forcing a new resource (`FORCES_NEW`); the plan in CI is
authoritative and says so through `action_reason`. `moved` and `import` blocks are honoured.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Any

from lakestack.terraform_json import environment_of_stack, parsed_synth_stacks
from review.changes import SOURCE_SYNTH, ResourceChange

# Meta-arguments and CDKTF metadata: they steer Terraform but are not attributes sent to Databricks.
META_KEYS = frozenset({"//", "depends_on", "lifecycle", "provider", "provisioner", "connection", "count",
                       "for_each"})

# Top-level attributes whose change makes the provider (1.99) destroy and recreate the resource: its
# `ForceNew` schema flags, and every attribute of a resource that has no update (workspace binding,
# permission assignment, group member). Renames the provider updates in place are not here: a catalog
# `name` or a table `name` plans as an update (dependants whose `catalog_name` changes are replaced),
# and a monitor's `table_name` too.
FORCES_NEW: dict[str, frozenset[str]] = {
    "databricks_catalog": frozenset({"storage_root", "provider_name", "share_name", "connection_name"}),
    "databricks_schema": frozenset({"catalog_name", "name", "storage_root"}),
    "databricks_registered_model": frozenset({"catalog_name", "schema_name", "name", "storage_location"}),
    "databricks_model_serving": frozenset({"name", "route_optimized"}),
    "databricks_sql_table": frozenset({"catalog_name", "schema_name", "table_type", "data_source_format",
                                       "partitions", "storage_credential_name", "options"}),
    "databricks_workspace_binding": frozenset({"securable_name", "securable_type", "catalog_name", "workspace_id",
                                               "binding_type"}),
    "databricks_grants": frozenset({"catalog", "schema", "model", "table", "volume", "function"}),
    "databricks_permissions": frozenset({"serving_endpoint_id", "job_id", "sql_endpoint_id"}),
    "databricks_service_principal": frozenset({"application_id"}),
    "databricks_service_principal_federation_policy": frozenset({"service_principal_id"}),
    "databricks_mws_workspaces": frozenset({"deployment_name", "aws_region", "storage_configuration_id"}),
    "databricks_metastore_assignment": frozenset({"workspace_id"}),
    "databricks_mws_permission_assignment": frozenset({"workspace_id", "principal_id", "permissions"}),
    "databricks_group_member": frozenset({"group_id", "member_id"}),
    "terraform_data": frozenset({"triggers_replace"}),
}

# `${type.name.attribute}` pointing at another resource of the same stack.
REFERENCE = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}")

REASON_REMOVED = "delete_because_no_resource_config"
# A provider version the stack requires, shown as a change of its own (a new CDK engine or bindings move it).
PROVIDER_TYPE = "terraform_required_provider"
REASON_FORCES_NEW = "replace_because_cannot_update"
UNPROTECTED_NOTE = (
    "the base declared prevent_destroy, but removing a resource from the configuration removes that "
    "protection: Terraform will destroy it"
)


def changes_from_synth(base_dir: FilePath | None, head_dir: FilePath) -> list[ResourceChange]:
    """Every resource of every stack in either folder, with the action that turns base into head.

    No base (or an empty folder) is the first deployment: everything is a create.
    """
    base = parsed_synth_stacks(base_dir) if base_dir is not None else {}
    head = parsed_synth_stacks(head_dir)
    changes: list[ResourceChange] = []
    for stack in sorted(set(base) | set(head)):
        changes.extend(_stack_changes(stack, base.get(stack, {}), head.get(stack, {})))
    return changes


def resources(doc: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Address -> (type, body) of the managed resources in one Terraform JSON document."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}
    for rtype, by_name in (doc.get("resource") or {}).items():
        for name, body in (by_name or {}).items():
            found[f"{rtype}.{name}"] = (rtype, body if isinstance(body, dict) else {})
    return found


def _resolved(found: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {address: (rtype, resolve_references(body, found)) for address, (rtype, body) in found.items()}


def _blocks(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    blocks = doc.get(key) or []
    return [b for b in (blocks if isinstance(blocks, list) else [blocks]) if isinstance(b, dict)]


def _stack_changes(stack: str, base_doc: dict[str, Any], head_doc: dict[str, Any]) -> list[ResourceChange]:
    base, head = _resolved(resources(base_doc)), _resolved(resources(head_doc))
    moved_from = {b.get("to"): b.get("from") for b in _blocks(head_doc, "moved")}
    imports = {b.get("to"): str(b.get("id", "")) for b in _blocks(head_doc, "import")}
    environment = environment_of_stack(stack)
    changes = []
    paired_base = set()
    for address, (rtype, body) in head.items():
        previous = moved_from.get(address)
        origin = previous if previous in base and previous not in head else address
        if origin in base:
            paired_base.add(origin)
            changes.append(_compare(stack, environment, address, rtype, base[origin][1], body,
                                    previous=origin if origin != address else None))
        else:
            changes.append(ResourceChange(
                stack=stack, environment=environment, address=address, type=rtype,
                actions=("no-op",) if address in imports else ("create",),
                after=attributes(body), importing_id=imports.get(address), source=SOURCE_SYNTH,
            ))
    changes += _provider_changes(stack, environment, base_doc, head_doc)
    for address, (rtype, body) in base.items():
        if address in head or address in paired_base:
            continue
        protected = bool((body.get("lifecycle") or {}).get("prevent_destroy"))
        changes.append(ResourceChange(
            stack=stack, environment=environment, address=address, type=rtype, actions=("delete",),
            before=attributes(body), action_reason=REASON_REMOVED, source=SOURCE_SYNTH,
            notes=(UNPROTECTED_NOTE,) if protected else (),
        ))
    return changes


def _provider_changes(stack: str, environment: str, base_doc: dict[str, Any],
                      head_doc: dict[str, Any]) -> list[ResourceChange]:
    """Providers whose required version differs between base and head (Terraform downloads another provider)."""
    def required(doc: dict[str, Any]) -> dict[str, Any]:
        found = (doc.get("terraform") or {}).get("required_providers") or {}
        return found if isinstance(found, dict) else {}

    base, head = required(base_doc), required(head_doc)
    return [
        ResourceChange(stack=stack, environment=environment, address=f"terraform.required_providers.{name}",
                       type=PROVIDER_TYPE, actions=("update",), before=base[name], after=head[name],
                       source=SOURCE_SYNTH)
        for name in sorted(set(base) & set(head))
        if base[name] != head[name] and isinstance(base[name], dict) and isinstance(head[name], dict)
    ]


def _compare(stack: str, environment: str, address: str, rtype: str, base_body: dict[str, Any],
             head_body: dict[str, Any], *, previous: str | None) -> ResourceChange:
    before, after = attributes(base_body), attributes(head_body)
    ignored = set((head_body.get("lifecycle") or {}).get("ignore_changes") or ())
    changed = sorted(k for k in set(before) | set(after) if k not in ignored and before.get(k) != after.get(k))
    forcing = tuple((k,) for k in changed if k in FORCES_NEW.get(rtype, ()))
    if forcing:
        actions: tuple[str, ...] = ("delete", "create")
    else:
        actions = ("update",) if changed else ("no-op",)
    return ResourceChange(
        stack=stack, environment=environment, address=address, type=rtype, actions=actions,
        before=before, after=after, action_reason=REASON_FORCES_NEW if forcing else None,
        replace_paths=forcing, previous_address=previous, source=SOURCE_SYNTH,
    )


def resolve_references(value: Any, stack_resources: dict[str, tuple[str, dict[str, Any]]]) -> Any:
    """Replace references to literal attributes of the same stack (`${databricks_catalog.catalog.name}`
    -> `retail_prod`), as a plan would show them; computed ones (ids, application ids) stay as written."""
    if isinstance(value, dict):
        return {k: v if k in META_KEYS else resolve_references(v, stack_resources) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_references(v, stack_resources) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def literal(match: re.Match[str]) -> str:
        target = stack_resources.get(f"{match.group(1)}.{match.group(2)}")
        found = target[1].get(match.group(3)) if target else None
        return found if isinstance(found, str | int) and "${" not in str(found) else match.group(0)

    return REFERENCE.sub(lambda m: str(literal(m)), value)


def attributes(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in META_KEYS}
