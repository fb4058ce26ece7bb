"""Protection of data-bearing resources: Terraform must never be the thing that deletes prod data."""

from __future__ import annotations

from infra.cdk import TerraformResourceLifecycle


def lifecycle(protected: bool, ignore_changes: list[str] | None = None) -> TerraformResourceLifecycle | None:
    """`prevent_destroy` where the environment is protected, plus any attributes another owner manages."""
    if not protected and not ignore_changes:
        return None
    return TerraformResourceLifecycle(prevent_destroy=protected or None, ignore_changes=ignore_changes)
