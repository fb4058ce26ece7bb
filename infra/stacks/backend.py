"""Terraform state backend per stack, from the environment's `backend` config."""

from __future__ import annotations

from typing import Any

from infra.cdk import (
    AzurermBackend,
    GcsBackend,
    LocalBackend,
    NamedRemoteWorkspace,
    RemoteBackend,
    S3Backend,
    TerraformStack,
)
from infra.config.model import BackendConfig


def configure_backend(stack: TerraformStack, backend: BackendConfig, stack_name: str, suffix: str = "") -> None:
    """Attach the backend; `suffix` keeps an account stack's state apart from its environment's."""
    # Keyword arguments of the backend class of that type, whose constructor checks them.
    options: dict[str, Any] = dict(backend.options)
    if backend.type == "local":
        # Relative to <out>/stacks/<stack>/: state lives beside the output folder (the project root for
        # cdktf.out), survives every synth, and resolves the same from a stack that reads it cross-stack.
        LocalBackend(stack, path=str(options.get("path", f"../../../terraform.{stack_name}.tfstate")))
    elif backend.type == "s3":
        options["key"] = _suffixed(str(options["key"]), suffix)
        use_lockfile = options.pop("use_lockfile", None)
        S3Backend(stack, **options)
        if use_lockfile is not None:
            # S3-native locking (Terraform >= 1.10) postdates the CDKTF S3Backend class: set it as an override.
            stack.add_override("terraform.backend.s3.use_lockfile", use_lockfile)
    elif backend.type == "azurerm":
        options["key"] = _suffixed(str(options["key"]), suffix)
        AzurermBackend(stack, **options)
    elif backend.type == "gcs":
        options["prefix"] = str(options.get("prefix", stack_name)) + (f"/{suffix}" if suffix else "")
        GcsBackend(stack, **options)
    else:
        workspace = str(options.pop("workspace")) + (f"-{suffix}" if suffix else "")
        RemoteBackend(stack, workspaces=NamedRemoteWorkspace(name=workspace), **options)


def _suffixed(key: str, suffix: str) -> str:
    if not suffix:
        return key
    stem, dot, ext = key.rpartition(".")
    return f"{stem}-{suffix}.{ext}" if dot else f"{key}-{suffix}"
