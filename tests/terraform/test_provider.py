"""The synthesized stacks against the real Databricks provider: validate, and a create-only plan.

`terraform validate` checks every attribute, block and enum against the provider's own schema; a
`terraform plan` against the loopback fake checks what validate cannot (references resolve, data
sources read, the plan is create-only), and those real plans then go through the review and the
plan-mode audit as CI feeds them. On the loopback host the account provider alias speaks to the
fake as a workspace (the SDK picks account APIs by an `accounts.` host), so group lookups answer
on the workspace SCIM path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.configs import scaled_data
from infra.config import load_config
from infra.synth import synth
from lakestack.cli import main as lakestack
from tests.fakes.server import FakeDatabricks
from tests.terraform import harness

LARGE_MODELS = 40


def stack_files(synth_dir: Path) -> dict[str, Path]:
    return {p.parent.name: p for p in sorted(synth_dir.glob("stacks/*/cdk.tf.json"))}


def remote_outputs(synth_dir: Path, stack_file: Path) -> dict[str, dict[str, Any]]:
    """Stand-in outputs of the stacks a stack reads through remote state, named as CDKTF names them."""
    doc = json.loads(stack_file.read_text())
    outputs: dict[str, dict[str, Any]] = {}
    for name in doc.get("data", {}).get(harness.REMOTE_STATE, {}):
        source = stack_files(synth_dir)[name.removeprefix("cross-stack-reference-input-")]
        declared = json.loads(source.read_text()).get("output", {})
        outputs[name] = {key: _stand_in(key) for key in declared}
    return outputs


def _stand_in(output: str) -> Any:
    if output.endswith("workspace_id"):
        return 4004
    if output.endswith("url"):
        return "https://retail-ml-staging.cloud.databricks.com"
    return "00000000-0000-4000-8000-000000000004"


def workdir(synth_dir: Path, stack: str, tmp: Path, cli: Path, host: str) -> harness.Workdir:
    file = stack_files(synth_dir)[stack]
    work = harness.prepare(file, tmp / stack, host=host, cli_config_file=cli,
                           remote_outputs=remote_outputs(synth_dir, file))
    work.init()
    return work


@pytest.fixture(scope="module")
def large_synth_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("large-platform")
    config = folder / "platform.yaml"
    config.write_text(yaml.safe_dump(scaled_data(LARGE_MODELS), sort_keys=False))
    out = folder / "cdktf.out"
    synth(load_config(config), out)
    return out


def _assert_valid(work: harness.Workdir) -> None:
    result = work.validate()
    problems = [f"{d['severity']}: {d['summary']}: {d.get('detail', '')}" for d in result["diagnostics"]]
    assert result["valid"] and not problems, "\n".join(problems)


def test_every_example_stack_validates(example_synth_dir: Path, terraform_cli: Path, tmp_path: Path,
                                       fake_api: FakeDatabricks) -> None:
    for stack in stack_files(example_synth_dir):
        _assert_valid(workdir(example_synth_dir, stack, tmp_path, terraform_cli, fake_api.url))


def test_every_stack_of_a_large_platform_validates(large_synth_dir: Path, terraform_cli: Path, tmp_path: Path,
                                                   fake_api: FakeDatabricks) -> None:
    for stack in stack_files(large_synth_dir):
        _assert_valid(workdir(large_synth_dir, stack, tmp_path, terraform_cli, fake_api.url))


@pytest.fixture(scope="module")
def example_plans(example_synth_dir: Path, terraform_cli: Path, tmp_path_factory: pytest.TempPathFactory,
                  fake_api: FakeDatabricks) -> dict[str, Path]:
    """A real saved plan per example stack, shown as JSON (what CI uploads and reviews)."""
    tmp = tmp_path_factory.mktemp("plans")
    plans = {}
    for stack in stack_files(example_synth_dir):
        plan = workdir(example_synth_dir, stack, tmp, terraform_cli, fake_api.url).plan()
        plans[stack] = tmp / f"{stack}.plan.json"
        plans[stack].write_text(json.dumps(plan))
    return plans


def test_a_first_plan_of_every_stack_only_creates(example_plans: dict[str, Path], example_synth_dir: Path) -> None:
    for stack, file in example_plans.items():
        plan = json.loads(file.read_text())
        actions = {tuple(c["change"]["actions"]) for c in plan["resource_changes"] if c["mode"] == "managed"}
        assert actions == {("create",)}, (stack, actions)
        declared = json.loads(stack_files(example_synth_dir)[stack].read_text())["resource"]
        assert len(plan["resource_changes"]) >= sum(len(v) for v in declared.values())


def test_real_plans_go_through_the_review_and_the_audit(example_plans: dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    plan_args = [arg for stack, file in example_plans.items() for arg in ("--plan", f"{stack}={file}")]
    review = tmp_path / "review.md"
    assert lakestack(["review", *plan_args, "--no-audit", "--output", str(review)]) in (0, 1)
    text = review.read_text()
    assert "Plan:" in text or "create" in text.lower()
    for stack in example_plans:
        assert stack in text
    capsys.readouterr()
    audit_args = [arg for stack, file in example_plans.items() if not stack.endswith("-account")
                  for arg in ("--plan", f"{stack}={file}")]
    code = lakestack(["audit", *audit_args, "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, [(f["rule_id"], f["resource"], f.get("message", "")) for f in report["findings"]]


def test_make_builds_the_provider_version_the_synth_asks_for(provider_version: str) -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert f"PROVIDER_VERSION := {provider_version}\n" in makefile
