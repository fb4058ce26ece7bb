"""Protection of data-bearing resources: Terraform must never be the thing that deletes prod data."""

from __future__ import annotations

from infra.cdk import TerraformResource, TerraformResourceLifecycle


def lifecycle(protected: bool, ignore_changes: list[str] | None = None) -> TerraformResourceLifecycle | None:
    """`prevent_destroy` where the environment is protected, plus any attributes another owner manages."""
    if not protected and not ignore_changes:
        return None
    return TerraformResourceLifecycle(prevent_destroy=protected or None, ignore_changes=ignore_changes)


def monitor_lifecycle(table: TerraformResource) -> TerraformResourceLifecycle:
    """A monitor is replaced with the table it watches.

    A replaced table (a catalog rename, a new column type) would leave an in-place-updated monitor on a
    table it was never created for. The trigger is the table's `id`, unknown in a plan only when the table is
    replaced, so an in-place table update (a comment, a new column) keeps the monitor and its history.
    Terraform JSON wants a bare traversal here (`databricks_sql_table.x.id`): a `${...}` token is refused.
    """
    return TerraformResourceLifecycle(
        replace_triggered_by=[f"{table.terraform_resource_type}.{table.friendly_unique_id}.id"])
