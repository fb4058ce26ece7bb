"""Run the real `terraform` binary with the real Databricks provider on synthesized stacks.

The provider is found in a filesystem mirror (`make provider` fills it; `LAKESTACK_TF_PLUGINS` names
another one) and Terraform is pointed at it with a CLI config of its own, so nothing reaches a
registry. A stack is copied into a work folder with three test-side changes only: the state backend
becomes local, every provider host is the loopback fake server, and cross-stack remote state reads
a local state file holding the outputs the test gives. Everything else is the synthesized JSON as is.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROVIDER_SOURCE = "registry.terraform.io/databricks/databricks"
DEFAULT_PLUGINS = Path.home() / ".cache" / "lakestack" / "terraform-plugins"
REMOTE_STATE = "terraform_remote_state"


def plugins_dir() -> Path:
    return Path(os.environ.get("LAKESTACK_TF_PLUGINS", DEFAULT_PLUGINS))


def pinned_version(stack: dict[str, Any]) -> str:
    """The provider version the synthesized stack asks for (the one the CDK bindings target)."""
    return str(stack["terraform"]["required_providers"]["databricks"]["version"])


def provider_binary(version: str) -> Path | None:
    """The mirrored provider binary of `version` for this platform, or None when it is not built."""
    folder = plugins_dir() / PROVIDER_SOURCE / version / "linux_amd64"
    found = sorted(folder.glob(f"terraform-provider-databricks_v{version}*"))
    return found[0] if found else None


def cli_config(path: Path) -> Path:
    """A Terraform CLI config that installs the Databricks provider from the mirror and nothing else."""
    path.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{plugins_dir()}"\n    include = ["{PROVIDER_SOURCE}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{PROVIDER_SOURCE}"]\n  }}\n'
        "}\n",
        encoding="utf-8",
    )
    return path


@dataclass
class Workdir:
    """One stack, ready for `terraform init / validate / plan` against the loopback fake."""

    path: Path
    env: dict[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["terraform", *args, "-no-color"], cwd=self.path, env=self.env,
                                capture_output=True, text=True, timeout=600)
        if check and result.returncode != 0:
            raise AssertionError(f"terraform {' '.join(args)} failed in {self.path}:\n{result.stderr[-4000:]}")
        return result

    def init(self) -> None:
        self.run("init", "-input=false", "-backend=true")

    def validate(self) -> dict[str, Any]:
        return json.loads(self.run("validate", "-json", check=False).stdout)

    def plan(self, *extra: str) -> dict[str, Any]:
        """`terraform plan` saved and shown as JSON (what CI feeds to the review and the audit)."""
        self.run("plan", "-input=false", "-out=plan.tfplan", *extra)
        return json.loads(self.run("show", "-json", "plan.tfplan").stdout)


def prepare(stack_file: Path, workdir: Path, *, host: str, cli_config_file: Path,
            remote_outputs: dict[str, dict[str, Any]] | None = None,
            state: dict[str, Any] | None = None) -> Workdir:
    """Copy a synthesized stack into `workdir`, local backend, providers at `host`."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    doc = json.loads(stack_file.read_text(encoding="utf-8"))
    doc["terraform"]["backend"] = {"local": {"path": "terraform.tfstate"}}
    for provider in doc.get("provider", {}).get("databricks", []):
        provider["host"] = host
    for name, body in doc.get("data", {}).get(REMOTE_STATE, {}).items():
        state_file = workdir / f"remote-{name}.tfstate"
        body["backend"], body["config"] = "local", {"path": str(state_file)}
        _write_state(state_file, outputs=(remote_outputs or {}).get(name, {}))
    (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    if state is not None:
        (workdir / "terraform.tfstate").write_text(json.dumps(state), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "TF_", "ARM_", "AWS_"))},
        "TF_CLI_CONFIG_FILE": str(cli_config_file),
        "TF_IN_AUTOMATION": "1",
        "CHECKPOINT_DISABLE": "1",
        "DATABRICKS_TOKEN": "dapi-terraform-test",
    }
    return Workdir(workdir, env)


def _write_state(path: Path, outputs: dict[str, Any]) -> None:
    path.write_text(json.dumps(state_document(outputs=outputs)), encoding="utf-8")


def state_document(*, outputs: dict[str, Any] | None = None,
                   resources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A version-4 Terraform state with the given outputs and managed resources."""
    return {
        "version": 4,
        "terraform_version": "1.11.4",
        "serial": 1,
        "lineage": "lakestack-terraform-test",
        "outputs": {name: {"value": value, "type": _output_type(value)} for name, value in (outputs or {}).items()},
        "resources": resources or [],
    }


def _output_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "string"


def state_resource(rtype: str, name: str, attributes: dict[str, Any], schema_version: int) -> dict[str, Any]:
    return {
        "mode": "managed",
        "type": rtype,
        "name": name,
        "provider": f'provider["{PROVIDER_SOURCE}"]',
        "instances": [{"schema_version": schema_version, "attributes": attributes}],
    }
