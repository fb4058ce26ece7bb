"""Fixtures for the review: synth folders written by hand, a changed example synth, real terraform plans."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra.config import PlatformConfig
from tests.configs import config_from_data, example_data

TERRAFORM = shutil.which("terraform") or "/usr/local/bin/terraform"


def write_synth(root: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """`root/stacks/<stack>/cdk.tf.json` for each stack document; returns root."""
    for stack, doc in stacks.items():
        folder = root / "stacks" / stack
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cdk.tf.json").write_text(json.dumps(doc))
    root.mkdir(parents=True, exist_ok=True)
    return root


def stack_doc(resources: dict[str, dict[str, dict[str, Any]]], **top: Any) -> dict[str, Any]:
    return {"resource": resources, **top}


def grants(securable: str, name: str, granted: dict[str, list[str]]) -> dict[str, Any]:
    return {securable: name, "grant": [{"principal": p, "privileges": v} for p, v in granted.items()]}


def catalog(name: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "isolation_mode": "ISOLATED", "force_destroy": False, **extra}


def registered_model(catalog_name: str, name: str) -> dict[str, Any]:
    return {"catalog_name": catalog_name, "schema_name": "ml", "name": name,
            "lifecycle": {"prevent_destroy": True}}


def binding(workspace_id: int, binding_type: str) -> dict[str, Any]:
    return {"securable_name": "${databricks_catalog.catalog.name}", "securable_type": "catalog",
            "workspace_id": workspace_id, "binding_type": binding_type}


# --- the "Done when" change: a prod model removed and a group given write access in prod ---------

@pytest.fixture(scope="session")
def escalation_config(tmp_path_factory: pytest.TempPathFactory) -> PlatformConfig:
    data = example_data()
    data["models"] = [m for m in data["models"] if m["name"] != "inventory_demand"]
    data["environments"]["prod"]["access"]["data_scientists"] = "writer"
    return config_from_data(tmp_path_factory.mktemp("escalation-config"), data)


@pytest.fixture(scope="session")
def escalation_synth_dir(tmp_path_factory: pytest.TempPathFactory, escalation_config: PlatformConfig) -> Path:
    from infra.synth import synth

    out = tmp_path_factory.mktemp("escalation-synth") / "cdktf.out"
    synth(escalation_config, out)
    return out


@pytest.fixture(scope="session")
def empty_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("empty-base")


# --- real plans from the terraform binary, with the built-in terraform_data resource -------------

BEFORE_TF = """
variable "v" { default = "a" }
resource "terraform_data" "unchanged" { input = "same" }
resource "terraform_data" "updated" { input = var.v }
resource "terraform_data" "replaced" {
  input = "x"
  triggers_replace = [var.v]
}
resource "terraform_data" "removed" { input = "bye" }
"""

AFTER_TF = """
variable "v" { default = "b" }
variable "api_token" {
  default = "tf-sensitive-canary-7731"
  sensitive = true
}
resource "terraform_data" "unchanged" { input = "same" }
resource "terraform_data" "updated" { input = var.v }
resource "terraform_data" "replaced" {
  input = "x"
  triggers_replace = [var.v]
}
resource "terraform_data" "created" { input = var.api_token }
"""


def _terraform(workdir: Path, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"}
    env.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    done = subprocess.run([TERRAFORM, *args, "-no-color"], cwd=workdir, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, f"terraform {' '.join(args)} failed: {done.stderr}"
    return done.stdout


@pytest.fixture(scope="session")
def terraform_plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`terraform show -json` of a plan that creates, updates, replaces and deletes (no registry needed)."""
    if not Path(TERRAFORM).exists():
        pytest.skip("terraform binary not installed")
    workdir = tmp_path_factory.mktemp("terraform-data")
    (workdir / "main.tf").write_text(BEFORE_TF)
    _terraform(workdir, "init", "-input=false")
    _terraform(workdir, "apply", "-auto-approve", "-input=false")
    (workdir / "main.tf").write_text(AFTER_TF)
    _terraform(workdir, "plan", "-input=false", "-out=plan.tfplan")
    plan_json = workdir / "dev.json"
    plan_json.write_text(_terraform(workdir, "show", "-json", "plan.tfplan"))
    return plan_json
