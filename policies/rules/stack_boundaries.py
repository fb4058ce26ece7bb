"""What a stack holds and in which order Terraform applies it.

Two rules: every use of an object of the same stack goes through a Terraform reference or
`depends_on` (so create and destroy orders are right by construction), and the stack a deployer
applies holds no account-level object (those belong to `<env>-account`, applied by an account admin).
"""

from __future__ import annotations

from collections.abc import Iterator

from lakestack.terraform_json import environment_of_stack
from policies.model import BACKEND_TYPE, SYNTH, Inventory, Resource, literal
from policies.rules.base import Context, Rule, Scope, Severity, Violation

# Resource types only the account API (or an account admin) manages: they live in `<env>-account` stacks.
ACCOUNT_LEVEL_TYPES = (
    "databricks_mws_workspaces",
    "databricks_mws_credentials",
    "databricks_mws_storage_configurations",
    "databricks_mws_networks",
    "databricks_mws_private_access_settings",
    "databricks_mws_vpc_endpoint",
    "databricks_mws_customer_managed_keys",
    "databricks_mws_permission_assignment",
    "databricks_metastore",
    "databricks_metastore_assignment",
    "databricks_service_principal",
    "databricks_service_principal_federation_policy",
    "databricks_service_principal_secret",
    "databricks_account_federation_policy",
    "databricks_group",
    "databricks_group_member",
    "databricks_user",
    "databricks_access_control_rule_set",
)

# Objects other resources name, and how: catalog by name, schema `<catalog>.<schema>`, table or model by full name.
NAMED_OBJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "databricks_catalog": ("catalog", ("name",)),
    "databricks_schema": ("schema", ("catalog_name", "name")),
    "databricks_sql_table": ("table", ("catalog_name", "schema_name", "name")),
    "databricks_table": ("table", ("catalog_name", "schema_name", "name")),
    "databricks_registered_model": ("model", ("catalog_name", "schema_name", "name")),
}
# A principal exists in a workspace once assigned to it; its name is its display name, application id or user name.
ASSIGNMENT_TYPES = ("databricks_mws_permission_assignment", "databricks_permission_assignment")
PRINCIPAL_NAME_KEYS = ("display_name", "application_id", "user_name")
PRINCIPAL_TYPES = ("databricks_service_principal", "databricks_group", "databricks_user")


def declared_names(inventory: Inventory) -> dict[str, dict[str, tuple[str, Resource]]]:
    """stack -> name -> (what it is, the resource that makes it exist) for every object a stack declares."""
    names: dict[str, dict[str, tuple[str, Resource]]] = {}
    for rtype, (kind, keys) in NAMED_OBJECTS.items():
        for resource in inventory.of_type(rtype):
            parts = [literal(resource.get(key)) for key in keys]
            if all(parts):
                names.setdefault(resource.stack, {})[".".join(parts)] = (kind, resource)  # type: ignore[arg-type]
    for resource in inventory.of_type(*PRINCIPAL_TYPES):
        for name in principal_names(resource):
            names.setdefault(resource.stack, {})[name] = ("principal", resource)
    for assignment in inventory.of_type(*ASSIGNMENT_TYPES):
        principal = inventory.target(assignment.get("principal_id"))
        for name in principal_names(principal) if principal is not None else ():
            names.setdefault(assignment.stack, {})[name] = ("principal", assignment)
    return names


def principal_names(resource: Resource) -> list[str]:
    return [name for key in PRINCIPAL_NAME_KEYS if (name := literal(resource.get(key)))]


def names_held(resource: Resource, declared: dict[str, tuple[str, Resource]]) -> set[str]:
    """The declared names a resource holds: as a string, or as `<catalog>.<schema>` of a block naming both."""
    held = declared.keys() & resource.strings
    for block in [block for block in resource.objects if "schema_name" in block and "catalog_name" in block]:
        catalog, schema = literal(block["catalog_name"]), literal(block["schema_name"])
        if catalog and schema and f"{catalog}.{schema}" in declared:
            held.add(f"{catalog}.{schema}")
    return held


def same_stack_names_have_a_dependency(ctx: Context) -> Iterator[Violation]:
    names = ctx.memo("declared_names", lambda: declared_names(ctx.inventory))
    for resource in ctx.inventory.resources:
        declared = names.get(resource.stack)
        if not declared or resource.type == BACKEND_TYPE:
            continue
        for text in sorted(names_held(resource, declared)):
            kind, target = declared[text]
            if target.address == resource.address or ctx.inventory.depends_on(resource, target) \
                    or ctx.inventory.depends_on(target, resource):  # the declaring resource takes the name from it
                continue
            yield Violation(resource, f"{resource.address} in stack '{resource.stack}' names the {kind} '{text}' that "
                                      f"{target.address} declares, with no reference or depends_on path to it: a "
                                      "first apply can race its creation and a destroy can remove it first")


def deployer_stacks_hold_no_account_objects(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.of_type(*ACCOUNT_LEVEL_TYPES):
        if environment_of_stack(resource.stack) == resource.stack:
            yield Violation(resource, f"{resource.address} is an account-level object in stack '{resource.stack}', "
                                      f"which the {ctx.env.name} deployer applies; it belongs in "
                                      f"'{resource.stack}-account', applied by an account admin")


RULES = (
    Rule(
        id="LS-ORDER-001",
        title="Objects of the same stack are reached through a reference or depends_on",
        severity=Severity.HIGH,
        resource_types=tuple(NAMED_OBJECTS) + ASSIGNMENT_TYPES,
        scope=Scope.ALL,
        rationale="Terraform orders creates and destroys by references and depends_on only. A resource that names a "
                  "catalog, schema, table, model or assigned principal of its own stack by a literal string races "
                  "its creation on a first apply (the monitor's output schema does not exist yet) and may outlive "
                  "it on destroy (the schema goes first and the endpoint's inference table is orphaned).",
        remediation="Use the declaring resource's attributes (`databricks_schema.x.name`, "
                    "`${databricks_schema.x.catalog_name}.${databricks_schema.x.name}`, "
                    "`databricks_sql_table.t.name`), or add `depends_on` to it.",
        check=same_stack_names_have_a_dependency,
        sources=(SYNTH,),
    ),
    Rule(
        id="LS-STACK-001",
        title="The stack a deployer applies holds no account-level object",
        severity=Severity.HIGH,
        resource_types=ACCOUNT_LEVEL_TYPES,
        scope=Scope.ALL,
        rationale="Managing service principals, federation policies, group membership, workspace assignments or "
                  "workspaces needs an account admin: a deployer stack holding them makes the CI identity an account "
                  "admin, and a change to its own federation policy can lock it out in the middle of an apply.",
        remediation="Declare the object in the `<env>-account` stack (lakestack's account stack), applied by an "
                    "account admin before the environment stack, and read its ids through a cross-stack reference.",
        check=deployer_stacks_hold_no_account_objects,
        sources=(SYNTH,),
    ),
)
