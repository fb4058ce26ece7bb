"""Terraform state backend per stack, from the environment's `backend` config; the same state read by another stack.

`backend_props` is the one place that turns the config into a backend's properties; the stack's
own backend and every stack that reads its outputs (`remote_state`) use it, so they always agree
on where the state lives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from infra.cdk import (
    AzurermBackend,
    Construct,
    DataTerraformRemoteState,
    DataTerraformRemoteStateAzurerm,
    DataTerraformRemoteStateGcs,
    DataTerraformRemoteStateLocal,
    DataTerraformRemoteStateS3,
    GcsBackend,
    LocalBackend,
    NamedRemoteWorkspace,
    RemoteBackend,
    S3Backend,
    TerraformRemoteState,
    TerraformStack,
)
from infra.config.model import BackendConfig
from lakestack.terraform_json import CROSS_STACK_INPUT

# Per backend type: the class a stack's own backend is, and the data source that reads that state from another stack.
BACKEND_CLASSES: dict[str, tuple[Any, Any]] = {
    "local": (LocalBackend, DataTerraformRemoteStateLocal),
    "s3": (S3Backend, DataTerraformRemoteStateS3),
    "azurerm": (AzurermBackend, DataTerraformRemoteStateAzurerm),
    "gcs": (GcsBackend, DataTerraformRemoteStateGcs),
    "remote": (RemoteBackend, DataTerraformRemoteState),
}


@dataclass(frozen=True)
class BackendProps:
    """The backend class's keyword arguments, plus top-level overrides for options newer than the class."""

    kind: str
    props: dict[str, Any]
    overrides: dict[str, Any] = field(default_factory=dict)


def backend_props(backend: BackendConfig, stack_name: str, suffix: str = "") -> BackendProps:
    """`suffix` keeps an account stack's state apart from its environment's."""
    options: dict[str, Any] = dict(backend.options)
    if backend.type == "local":
        # Relative to <out>/stacks/<stack>/: state lives beside the output folder (the project root for
        # cdktf.out), survives every synth, and resolves the same from a stack that reads it cross-stack.
        return BackendProps("local", {"path": str(options.get("path", f"../../../terraform.{stack_name}.tfstate"))})
    if backend.type == "s3":
        options["key"] = _suffixed(str(options["key"]), suffix)
        use_lockfile = options.pop("use_lockfile", None)
        # S3-native locking (Terraform >= 1.10) postdates the CDKTF S3Backend class: set it as an override.
        return BackendProps("s3", options, {} if use_lockfile is None else {"use_lockfile": use_lockfile})
    if backend.type == "azurerm":
        options["key"] = _suffixed(str(options["key"]), suffix)
        return BackendProps("azurerm", options)
    if backend.type == "gcs":
        options["prefix"] = str(options.get("prefix", stack_name)) + (f"/{suffix}" if suffix else "")
        return BackendProps("gcs", options)
    workspace = str(options.pop("workspace")) + (f"-{suffix}" if suffix else "")
    return BackendProps("remote", {**options, "workspaces": NamedRemoteWorkspace(name=workspace)})


def configure_backend(stack: TerraformStack, backend: BackendConfig, stack_name: str, suffix: str = "") -> None:
    """Attach the backend; the backend class's constructor checks the options."""
    spec = backend_props(backend, stack_name, suffix)
    BACKEND_CLASSES[spec.kind][0](stack, **spec.props)
    for option, value in spec.overrides.items():
        stack.add_override(f"terraform.backend.{spec.kind}.{option}", value)


def remote_state(scope: Construct, backend: BackendConfig, stack_name: str, suffix: str = "") -> TerraformRemoteState:
    """Stack `stack_name`'s outputs, read as CDKTF reads a cross-stack reference (same data source, same name).

    Declared explicitly, it needs no object of the producing stack: the reading stack synthesizes without
    it (`infra.synth` builds each environment in its own process).
    """
    spec = backend_props(backend, stack_name, suffix)
    data_class = BACKEND_CLASSES[spec.kind][1]
    # Follow the reading stack's Terraform workspace, as CDKTF's own cross-stack references do; the remote
    # backend names its workspace in `workspaces` instead, and CDKTF passes it nothing more.
    workspace = {} if spec.kind == "remote" else {"workspace": "${terraform.workspace}"}
    return data_class(scope, CROSS_STACK_INPUT + stack_name, **workspace, **spec.props)


def _suffixed(key: str, suffix: str) -> str:
    if not suffix:
        return key
    stem, dot, ext = key.rpartition(".")
    return f"{stem}-{suffix}.{ext}" if dot else f"{key}-{suffix}"
