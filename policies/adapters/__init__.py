"""Adapters: synthesized stacks, `terraform show -json` plans and the live workspace, as `Inventory`s."""
