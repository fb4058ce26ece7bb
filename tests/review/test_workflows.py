"""The GitHub Actions workflows: triggers, permissions, environments, OIDC, steps, no stored tokens."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakestack.cli import build_parser
from review.markdown import MARKER

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
SETUP_ACTION = ROOT / ".github" / "actions" / "setup" / "action.yml"


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    return workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return job.get("steps", [])


def run_text(job: dict[str, Any]) -> str:
    return "\n".join(s.get("run", "") for s in steps(job))


def uses(job: dict[str, Any]) -> list[str]:
    return [s["uses"].split("@")[0] for s in steps(job) if "uses" in s]


@pytest.fixture(scope="module")
def pr() -> dict[str, Any]:
    return load("pull-request.yml")


@pytest.fixture(scope="module")
def deploy() -> dict[str, Any]:
    return load("deploy.yml")


@pytest.fixture(scope="module")
def deploy_env() -> dict[str, Any]:
    return load("deploy-environment.yml")


def test_pull_request_trigger_and_least_privilege(pr):
    assert set(triggers(pr)) == {"pull_request"}
    assert pr["permissions"] == {"contents": "read"}
    jobs = pr["jobs"]
    assert set(jobs) == {"test", "synth", "plan", "review"}
    assert jobs["synth"]["permissions"] == {"contents": "read", "security-events": "write"}
    assert jobs["review"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert jobs["plan"]["permissions"] == {"contents": "read", "id-token": "write"}
    assert "id-token" not in jobs["review"]["permissions"]


def test_pull_request_installs_tests_synths_base_and_head_and_audits_to_sarif(pr):
    jobs = pr["jobs"]
    assert "make test" in run_text(jobs["test"])
    assert "./.github/actions/setup" in uses(jobs["test"])
    synth = run_text(jobs["synth"])
    assert "lakestack synth --out synth/head" in synth
    assert "lakestack synth --out ../synth/base" in synth
    checkout_base = next(s for s in steps(jobs["synth"]) if s.get("with", {}).get("path") == "base")
    assert checkout_base["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    assert "--format sarif --output audit.sarif" in synth
    sarif = next(s for s in steps(jobs["synth"]) if s.get("uses", "").startswith("github/codeql-action/upload-sarif"))
    assert sarif["with"]["sarif_file"] == "audit.sarif"


def test_plan_per_environment_with_oidc(pr):
    plan = pr["jobs"]["plan"]
    assert plan["environment"] == "${{ matrix.environment }}"
    assert plan["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
    assert plan["env"]["DATABRICKS_CLIENT_ID"] == "${{ vars.DATABRICKS_CLIENT_ID }}"
    text = run_text(plan)
    assert "terraform -chdir=\"$dir\" plan" in text
    assert "show -json" in text
    assert "lakestack redact-plan" in text  # raw plans hold secrets and never become artifacts
    upload = next(s for s in steps(plan) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "plans/"


def test_review_posts_one_sticky_comment_with_the_reviews_marker(pr):
    review = pr["jobs"]["review"]
    assert pr["env"]["REVIEW_MARKER"] == MARKER
    text = run_text(review)
    assert "lakestack review --base synth/base --head synth/head" in text
    script = next(s for s in steps(review) if s.get("uses", "").startswith("actions/github-script"))["with"]["script"]
    assert "process.env.REVIEW_MARKER" in script
    assert "updateComment" in script and "createComment" in script
    assert script.index("updateComment") < script.index("createComment")


def test_risky_changes_fail_the_check_unless_a_reviewer_accepts_them(pr):
    assert {"labeled", "unlabeled", "synchronize"} <= set(triggers(pr)["pull_request"]["types"])
    gate = steps(pr["jobs"]["review"])[-1]
    assert "lakestack:accept-risk" in gate["env"]["ACCEPT_RISK"]
    assert "--fail-on-risk" in gate["run"]
    assert "lakestack audit --synth-dir synth/head" in gate["run"]  # the audit gates even when risk is accepted


def test_deploy_triggers_and_environments(deploy, deploy_env):
    on = triggers(deploy)
    assert set(on) == {"push"}
    assert on["push"]["branches"] == ["main", "release/**"]
    assert on["push"]["tags"] == ["v*"]
    jobs = deploy["jobs"]
    assert jobs["staging"]["if"] == "github.ref == 'refs/heads/main'"
    assert "refs/tags/v" in jobs["prod"]["if"] and "refs/heads/release/" in jobs["prod"]["if"]
    for name in ("staging", "prod"):
        assert jobs[name]["uses"] == "./.github/workflows/deploy-environment.yml"
        assert jobs[name]["with"]["environment"] == name
        assert jobs[name]["permissions"]["id-token"] == "write"
        assert jobs[name]["needs"] == "test"
    assert set(triggers(deploy_env)) == {"workflow_call"}
    job = deploy_env["jobs"]["deploy"]
    assert job["environment"] == "${{ inputs.environment }}"
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
    assert job["env"]["DATABRICKS_CLIENT_ID"] == "${{ vars.DATABRICKS_CLIENT_ID }}"
    assert 'npx cdktf deploy "${stacks[@]}" --auto-approve' in run_text(job)
    assert '"$ENVIRONMENT-account" "$ENVIRONMENT"' in run_text(job)  # account stack first


def deploy_step(deploy_env: dict[str, Any]) -> str:
    return next(s["run"] for s in steps(deploy_env["jobs"]["deploy"]) if "npx cdktf deploy" in s.get("run", ""))


@pytest.mark.parametrize("environment, synthesized, deployed", [
    ("prod", ["dev", "staging-account", "staging", "prod"], "prod"),  # attaches to an existing workspace
    ("staging", ["dev", "staging-account", "staging", "prod"], "staging-account staging"),
])
def test_deploy_step_picks_the_environments_stacks_under_bash_errexit(tmp_path, deploy_env, environment,
                                                                      synthesized, deployed):
    """GitHub runs `run:` scripts with `bash -e`: a missing account stack must not stop the deploy."""
    bin_dir, venv_bin = tmp_path / "bin", tmp_path / ".venv" / "bin"
    bin_dir.mkdir()
    venv_bin.mkdir(parents=True)
    stacks = " ".join(f"cdktf.out/stacks/{name}" for name in synthesized)
    (venv_bin / "lakestack").write_text(f"#!/bin/sh\nmkdir -p {stacks}\n")
    (bin_dir / "npx").write_text('#!/bin/sh\necho "$@" > npx.args\n')
    for stub in (venv_bin / "lakestack", bin_dir / "npx"):
        stub.chmod(0o755)
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "ENVIRONMENT": environment}
    result = subprocess.run(["bash", "-e", "-c", deploy_step(deploy_env)], cwd=tmp_path, env=env,
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "npx.args").read_text().split() == ["cdktf", "deploy", *deployed.split(), "--auto-approve"]


def all_workflow_files() -> list[Path]:
    return [*sorted(WORKFLOWS.glob("*.yml")), SETUP_ACTION]


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_no_stored_tokens_or_secrets(path):
    text = path.read_text()
    assert "secrets." not in text.replace("secrets.GITHUB_TOKEN", "")
    assert not re.search(r"DATABRICKS_(TOKEN|CLIENT_SECRET|PASSWORD)", text)


def lakestack_commands() -> list[tuple[str, str]]:
    """Every `.venv/bin/lakestack ...` line in the workflows, with shell expansions made literal."""
    found = []
    for path in all_workflow_files():
        for line in path.read_text().splitlines():
            match = re.search(r"\.venv/bin/lakestack (.*)$", line)
            if match:
                command = re.sub(r'"\$\{plan_args\[@\]\}"', "", match.group(1))
                command = re.sub(r"\$\{\{[^}]*\}\}|\"?\$[A-Za-z_]+\"?|\"?\$\{[^}]*\}\"?", "X", command)
                found.append((path.name, command))
    return found


@pytest.mark.parametrize("workflow, command", lakestack_commands())
def test_lakestack_commands_parse_with_the_real_cli(workflow, command):
    parser = build_parser()
    argv = shlex.split(command)
    registered = parser._subparsers._group_actions[0].choices
    if argv[0] not in registered:
        pytest.skip(f"`lakestack {argv[0]}` is not registered in this build")
    parser.parse_args(argv)


def test_every_workflow_command_is_checked():
    commands = {c.split()[0] for _, c in lakestack_commands()}
    assert {"synth", "audit", "review", "redact-plan", "bootstrap"} <= commands
