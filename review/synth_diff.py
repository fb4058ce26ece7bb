"""Producer: the change model from two synth folders (base branch vs head), available offline.

This is the config-level change: no state, no credentials. Replacements are estimated from the
attributes the Databricks provider marks as forcing a new resource (`FORCES_NEW`); the plan in CI is
authoritative and says so through `action_reason`. `moved` and `import` blocks are honoured.
"""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Any

from lakestack.collector import collector_paused
from lakestack.terraform_json import environment_of_stack, parsed_synth_stacks
from review.changes import PROVIDER_TYPE, SOURCE_SYNTH, ResourceChange, Values
from review.masking import masked, masked_pair
from review.unchanged import UnchangedStack, UnchangedValues, strings_inside

CONTAINERS = (dict, list)
NO_MARKS: frozenset[tuple[str | int, ...]] = frozenset()  # synth JSON carries no sensitivity marks
NO_OP = ("no-op",)

# Meta-arguments and CDKTF metadata: they steer Terraform but are not attributes sent to Databricks.
META_KEYS = frozenset({"//", "depends_on", "lifecycle", "provider", "provisioner", "connection", "count",
                       "for_each"})

# Top-level attributes whose change makes the provider (1.99) destroy and recreate the resource, as its
# own plan says (tests/terraform/test_replacements.py checks every attribute the example sets against
# the real provider). Renames the provider updates in place are not here: a catalog `name`, a table
# `name`, a binding's `securable_name` or a workspace's `deployment_name` plan as updates (dependants
# whose `catalog_name` changes are replaced), and a monitor's `table_name` too.
FORCES_NEW: dict[str, frozenset[str]] = {
    "databricks_catalog": frozenset({"storage_root", "provider_name", "share_name", "connection_name"}),
    "databricks_schema": frozenset({"catalog_name", "name", "storage_root"}),
    "databricks_registered_model": frozenset({"catalog_name", "schema_name", "name", "storage_location"}),
    "databricks_model_serving": frozenset({"name", "route_optimized"}),
    "databricks_sql_table": frozenset({"catalog_name", "schema_name", "table_type", "data_source_format",
                                       "partitions", "storage_credential_name", "options"}),
    "databricks_workspace_binding": frozenset({"securable_type", "catalog_name", "workspace_id", "binding_type"}),
    "databricks_grants": frozenset({"catalog", "schema", "model", "table", "volume", "function"}),
    "databricks_permissions": frozenset({"serving_endpoint_id", "job_id", "sql_endpoint_id"}),
    "databricks_service_principal": frozenset({"application_id"}),
    "databricks_service_principal_federation_policy": frozenset({"service_principal_id"}),
    "databricks_mws_workspaces": frozenset({"account_id", "workspace_name", "aws_region", "storage_configuration_id"}),
    "databricks_metastore_assignment": frozenset({"workspace_id", "metastore_id"}),
    "databricks_mws_permission_assignment": frozenset({"workspace_id", "principal_id", "permissions"}),
    "databricks_group_member": frozenset({"group_id", "member_id"}),
    "terraform_data": frozenset({"triggers_replace"}),
}

# `${type.name.attribute}` pointing at another resource of the same stack.
REFERENCE = re.compile(r"\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_]+)\}")

REASON_REMOVED = "delete_because_no_resource_config"
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
    return changes_from_synth_docs(base, parsed_synth_stacks(head_dir))


def changes_from_synth_docs(base: dict[str, dict[str, Any]], head: dict[str, dict[str, Any]]) -> list[ResourceChange]:
    """The same from parsed stacks (stack name -> cdk.tf.json document), for callers that read them once."""
    changes: list[ResourceChange] = []
    with collector_paused():  # the change model holds no cycle and lives until the review is rendered
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


class _Side:
    """One stack's managed resources on one side of the review, references resolved on demand.

    A reference resolves from the raw bodies alone, so each distinct text is resolved once per side
    (at 1,000 models the same `${databricks_catalog.catalog.name}` appears thousands of times), and so
    is each reference inside them, chains included; a body nobody compares or shows is never resolved.
    """

    def __init__(self, doc: dict[str, Any]) -> None:
        self.found = resources(doc)
        self.texts: dict[str, str] = {}
        self.literals: dict[tuple[str, int], str] = {}  # (reference, depth) -> what it is replaced by

    def attributes(self, address: str) -> dict[str, Any]:
        """The resource's attributes (meta-arguments left out) with references resolved, as a plan shows them."""
        return attributes(self.resolved(self.found[address][1]))

    def resolved(self, value: Any) -> Any:
        """`resolve_references(value, self.found)`; plain scalars are kept without a call (they are the most of
        a body)."""
        if isinstance(value, str):
            return self.text(value) if "${" in value else value
        if isinstance(value, list):
            return [self.resolved(v) if isinstance(v, CONTAINERS) or (isinstance(v, str) and "${" in v)
                    else v for v in value]
        if isinstance(value, dict):
            return {k: v if k in META_KEYS or not (isinstance(v, CONTAINERS) or (isinstance(v, str) and "${" in v))
                    else self.resolved(v) for k, v in value.items()}
        return value

    def text(self, value: str) -> str:
        """`resolve_references` of one text holding `${`."""
        if value not in self.texts:
            self.texts[value] = self._substituted(value, 0)
        return self.texts[value]

    def _substituted(self, value: str, depth: int) -> str:
        return REFERENCE.sub(lambda match: self._literal(match, depth), value)

    def _literal(self, match: re.Match[str], depth: int) -> str:
        """`resolve_references`' replacement of one reference found `depth` references deep."""
        key = (match.group(0), depth)
        if key not in self.literals:
            target = self.found.get(f"{match.group(1)}.{match.group(2)}")
            found = target[1].get(match.group(3)) if target else None
            if isinstance(found, str) and "${" in found and depth < MAX_REFERENCE_DEPTH:
                found = self._substituted(found, depth + 1)
            self.literals[key] = str(found if isinstance(found, str | int) and "${" not in str(found)
                                     else match.group(0))
        return self.literals[key]


def _blocks(doc: dict[str, Any], key: str) -> list[dict[str, Any]]:
    blocks = doc.get(key) or []
    return [b for b in (blocks if isinstance(blocks, list) else [blocks]) if isinstance(b, dict)]


def _stack_changes(stack: str, base_doc: dict[str, Any], head_doc: dict[str, Any]) -> list[ResourceChange]:
    base, head = _Side(base_doc), _Side(head_doc)
    moved_from = {b.get("to"): b.get("from") for b in _blocks(head_doc, "moved")}
    imports = {b.get("to"): str(b.get("id", "")) for b in _blocks(head_doc, "import")}
    environment = environment_of_stack(stack)
    origins = {address: _origin(address, moved_from, base, head) for address in head.found}
    unchanged = _unchanged(base, head, [a for a, origin in origins.items() if origin == a])
    changes = []
    for address, (rtype, body) in head.found.items():
        origin = origins[address]
        if address in unchanged.addresses:
            changes.append(ResourceChange(
                stack=stack, environment=environment, address=address, type=rtype, actions=NO_OP,
                shown=UnchangedValues(unchanged.stack, address), source=SOURCE_SYNTH,
            ))
        elif origin is not None:
            changes.append(_compare(stack, environment, address, rtype, base.attributes(origin),
                                    head.attributes(address), ignored=_ignored(body),
                                    previous=origin if origin != address else None))
        else:
            changes.append(ResourceChange(
                stack=stack, environment=environment, address=address, type=rtype,
                actions=NO_OP if address in imports else ("create",),
                shown=Values(after=masked(head.attributes(address), NO_MARKS)), importing_id=imports.get(address),
                source=SOURCE_SYNTH,
            ))
    paired_base = set(origins.values())
    for address, (rtype, body) in base.found.items():
        if address in head.found or address in paired_base:
            continue
        protected = bool((body.get("lifecycle") or {}).get("prevent_destroy"))
        changes.append(ResourceChange(
            stack=stack, environment=environment, address=address, type=rtype, actions=("delete",),
            shown=Values(before=masked(base.attributes(address), NO_MARKS)), action_reason=REASON_REMOVED,
            source=SOURCE_SYNTH, notes=(UNPROTECTED_NOTE,) if protected else (),
        ))
    return changes + provider_changes(stack, environment, base_doc, head_doc)


def _origin(address: str, moved_from: dict[Any, Any], base: _Side, head: _Side) -> str | None:
    """The base address a head resource was at (its `moved` block's `from`, else its own), None if new."""
    previous = moved_from.get(address)
    origin = previous if previous in base.found and previous not in head.found else address
    return origin if origin in base.found else None


class _Unchanged:
    """The addresses of a stack whose body and references are the same on both sides, and their values."""

    def __init__(self, addresses: set[str], stack: UnchangedStack) -> None:
        self.addresses = addresses
        self.stack = stack


def _unchanged(base: _Side, head: _Side, candidates: list[str]) -> _Unchanged:
    """Which of `candidates` (at the same address on both sides) are unchanged: the same body, whose texts
    all resolve alike (the same text can resolve otherwise when what it references changed).

    The bodies are compared as parsed (a C comparison) and their texts collected in one walk; each
    distinct text is resolved once per side. Only when one resolves otherwise are the bodies holding it
    told apart, one by one.
    """
    same = [a for a in candidates if base.found[a][1] == head.found[a][1]]
    written, texts = strings_inside((head.found[a][1] for a in same), META_KEYS)
    distinct = dict.fromkeys(texts)
    differ = {text for text in distinct if base.text(text) != head.text(text)}
    if differ:
        same = [a for a in same if differ.isdisjoint(strings_inside([head.found[a][1]], META_KEYS)[1])]
    return _Unchanged(set(same), UnchangedStack(lambda address: masked(head.attributes(address), NO_MARKS),
                                                written, (head.text(text) for text in distinct)))


def provider_changes(stack: str, environment: str, base_doc: dict[str, Any],
                     head_doc: dict[str, Any]) -> list[ResourceChange]:
    """An update per provider whose `terraform.required_providers` version differs between base and head."""
    base, head = _required_providers(base_doc), _required_providers(head_doc)
    changes = []
    for name in sorted(set(base) & set(head)):
        if base[name].get("version") != head[name].get("version"):
            changes.append(ResourceChange(
                stack=stack, environment=environment, address=f"provider.{name}", type=PROVIDER_TYPE,
                actions=("update",), shown=Values(base[name], head[name]), source=SOURCE_SYNTH,
            ))
    return changes


def _required_providers(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = (doc.get("terraform") or {}).get("required_providers") or {}
    return {name: dict(spec) for name, spec in found.items() if isinstance(spec, dict)}


def _ignored(head_body: dict[str, Any]) -> set[str]:
    return set((head_body.get("lifecycle") or {}).get("ignore_changes") or ())


def _compare(stack: str, environment: str, address: str, rtype: str, before: dict[str, Any],
             after: dict[str, Any], *, ignored: set[str], previous: str | None) -> ResourceChange:
    """The change between two resolved attribute sets; decided on raw values, kept masked."""
    if before == after:
        # Nothing to decide, and one masked copy serves both sides.
        actions: tuple[str, ...] = NO_OP
        forcing: tuple[tuple[str, ...], ...] = ()
        before = after = masked(after, NO_MARKS)
    else:
        actions, forcing = _actions(rtype, before, after, ignored)
        before, after = masked_pair(before, after, NO_MARKS)
    return ResourceChange(
        stack=stack, environment=environment, address=address, type=rtype, actions=actions,
        shown=Values(before, after), action_reason=REASON_FORCES_NEW if forcing else None,
        replace_paths=forcing, previous_address=previous, source=SOURCE_SYNTH,
    )


def _actions(rtype: str, before: dict[str, Any], after: dict[str, Any],
             ignored: set[str]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Terraform's actions for differing attributes, and the top-level ones that force a replacement."""
    changed = sorted(k for k in set(before) | set(after) if k not in ignored and before.get(k) != after.get(k))
    forcing = tuple((k,) for k in changed if k in FORCES_NEW.get(rtype, ()))
    if forcing:
        return ("delete", "create"), forcing
    return ("update",) if changed else ("no-op",), forcing


MAX_REFERENCE_DEPTH = 8  # chains such as table.catalog_name -> schema.catalog_name -> catalog.name


def resolve_references(value: Any, stack_resources: dict[str, tuple[str, dict[str, Any]]], depth: int = 0) -> Any:
    """Replace references to literal attributes of the same stack (`${databricks_catalog.catalog.name}`
    -> `retail_prod`, through chains of references), as a plan would show them; computed ones (ids,
    application ids) stay as written."""
    if isinstance(value, dict):
        return {k: v if k in META_KEYS else resolve_references(v, stack_resources, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_references(v, stack_resources, depth) for v in value]
    if not isinstance(value, str) or "${" not in value:
        return value

    def literal(match: re.Match[str]) -> str | int:
        target = stack_resources.get(f"{match.group(1)}.{match.group(2)}")
        found = target[1].get(match.group(3)) if target else None
        if isinstance(found, str) and "${" in found and depth < MAX_REFERENCE_DEPTH:
            found = resolve_references(found, stack_resources, depth + 1)
        return found if isinstance(found, str | int) and "${" not in str(found) else match.group(0)

    return REFERENCE.sub(lambda m: str(literal(m)), value)


def attributes(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in META_KEYS}
