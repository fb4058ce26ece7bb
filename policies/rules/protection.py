"""Protection of prod data: Terraform must not be able to destroy it, and a plan that would is stopped."""

from __future__ import annotations

from collections.abc import Iterator

from policies.model import PLAN
from policies.rules.base import Context, Rule, Scope, Severity, Violation

DATA_BEARING = ("databricks_catalog", "databricks_schema", "databricks_registered_model", "databricks_sql_table")
DESTROY_GUARDED = (*DATA_BEARING, "databricks_quality_monitor")


def prod_data_protected(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.of_type(*DATA_BEARING):
        kind = resource.type.removeprefix("databricks_")
        if resource.get("force_destroy") is True:
            yield Violation(resource, f"{kind} '{resource.get('name')}' has force_destroy = true in "
                                      f"{ctx.env.name}: destroying it would also drop everything inside it")
        # lifecycle is None when the source cannot tell (plans and live reads carry no lifecycle)
        if resource.lifecycle is not None and resource.lifecycle.get("prevent_destroy") is not True:
            yield Violation(resource, f"{kind} '{resource.get('name')}' lacks lifecycle.prevent_destroy in "
                                      f"{ctx.env.name}")


def plan_destroys_prod_data(ctx: Context) -> Iterator[Violation]:
    for resource in ctx.inventory.changes():
        if resource.type not in DESTROY_GUARDED or not (resource.is_deleted or resource.is_replaced):
            continue
        verb = "replaces (destroys and re-creates)" if resource.is_replaced else "destroys"
        name = resource.get("name") or resource.get("table_name") or resource.address
        yield Violation(resource, f"the plan {verb} {resource.type.removeprefix('databricks_')} '{name}' in "
                                  f"{ctx.env.name}; its data, grants and history would be lost")


RULES = (
    Rule(
        id="LS-PROT-001",
        title="Prod catalogs, schemas, models and tables have prevent_destroy and no force_destroy",
        severity=Severity.HIGH,
        resource_types=DATA_BEARING,
        scope=Scope.PROTECTED,
        rationale="A refactor that renames a construct, or a `terraform destroy` in the wrong folder, would "
                  "otherwise drop production tables and model versions that cannot be recovered.",
        remediation="Keep `lifecycle { prevent_destroy = true }` and `force_destroy = false` on prod data-bearing "
                    "resources (the protection aspect in infra/constructs adds both for the prod tier).",
        check=prod_data_protected,
    ),
    Rule(
        id="LS-PROT-002",
        title="A plan must not delete or replace prod catalogs, schemas, models, tables or monitors",
        severity=Severity.CRITICAL,
        resource_types=DESTROY_GUARDED,
        scope=Scope.PROTECTED,
        rationale="Deleting or replacing these loses data, model versions, grants or monitoring history in "
                  "production; a rename in code looks like a harmless diff but plans as destroy + create.",
        remediation="Use a `moved` block (or `terraform state mv`) for renames; change the attribute that forces "
                    "replacement back; if the removal is intended, do it by hand with a change ticket.",
        check=plan_destroys_prod_data,
        waivable=False,
        sources=(PLAN,),
    ),
)
