"""The GitHub Actions workflows: triggers, permissions, environments, OIDC, steps, no stored tokens."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from lakestack.cli import build_parser
from review.gate import ACCEPT_LABEL
from review.markdown import MARKER
from tests.review.conftest import TERRAFORM

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


CODE_EVENT = ("github.event_name == 'pull_request' && "
              "contains(fromJSON('[\"opened\", \"synchronize\", \"reopened\"]'), github.event.action)")
UPLOAD_SARIF = "github/codeql-action/upload-sarif@"
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def test_pull_request_triggers_and_least_privilege(pr):
    on = triggers(pr)
    assert set(on) == {"pull_request", "pull_request_review"}
    assert {"labeled", "unlabeled", "synchronize", "opened", "reopened"} == set(on["pull_request"]["types"])
    assert pr["permissions"] == {}
    jobs = pr["jobs"]
    assert set(jobs) == {"test", "synth", "plan", "review", "gate"}
    assert jobs["synth"]["permissions"] == {"contents": "read", "security-events": "write", "actions": "read"}
    assert jobs["review"]["permissions"] == {"contents": "read", "pull-requests": "write", "actions": "read"}
    assert jobs["plan"]["permissions"] == {"contents": "read", "id-token": "write", "actions": "read"}
    assert jobs["gate"]["permissions"] == {"contents": "read", "pull-requests": "read", "actions": "read"}
    assert all("id-token" not in jobs[name]["permissions"] for name in ("review", "gate", "synth", "test"))


def test_label_and_review_events_only_re_decide_the_gate(pr):
    """Expensive jobs run for new commits only; the gate runs on every event (a skipped check counts as passed)."""
    jobs = pr["jobs"]
    for name in ("test", "synth"):
        assert jobs[name]["if"] == CODE_EVENT
    assert CODE_EVENT in jobs["review"]["if"] and "always()" in jobs["review"]["if"]
    assert jobs["gate"]["if"] == "always()"
    assert "'review' || 'gate'" in pr["concurrency"]["group"]  # a label event never cancels a review


@pytest.mark.parametrize("path", [*sorted(WORKFLOWS.glob("*.yml")), SETUP_ACTION], ids=lambda p: p.name)
def test_every_job_has_a_timeout_and_every_action_is_pinned_by_commit(path):
    doc = yaml.safe_load(path.read_text())
    for name, job in (doc.get("jobs") or {}).items():
        assert "uses" in job or job.get("timeout-minutes"), f"{path.name}: job {name} has no timeout"
    for line in path.read_text().splitlines():
        match = re.search(r"uses: (\S+(?: #.*)?)$", line.strip())
        if match and not match.group(1).startswith("./"):
            assert PINNED.match(match.group(1)), f"{path.name}: {match.group(1)} is not pinned by commit with its tag"


def test_checkouts_do_not_keep_the_token(pr, deploy, deploy_env):
    for workflow in (pr, deploy, deploy_env):
        for job in workflow["jobs"].values():
            for step in steps(job):
                if step.get("uses", "").startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is False


def test_sarif_v4_on_pull_requests_but_not_forks_and_on_main(pr, deploy):
    sarif = next(s for s in steps(pr["jobs"]["synth"]) if s.get("uses", "").startswith(UPLOAD_SARIF))
    assert "head.repo.full_name == github.repository" in sarif["if"]
    on_main = next(s for s in steps(deploy["jobs"]["test"]) if s.get("uses", "").startswith(UPLOAD_SARIF))
    assert on_main["with"]["sarif_file"] == "audit.sarif"
    assert deploy["jobs"]["test"]["permissions"]["security-events"] == "write"
    for path in all_workflow_files():
        assert "upload-sarif@v3" not in path.read_text()
    assert "# v4." in (WORKFLOWS / "pull-request.yml").read_text().split("upload-sarif@")[1].splitlines()[0]


def test_plan_per_environment_with_oidc_and_never_from_forks(pr):
    plan = pr["jobs"]["plan"]
    assert plan["environment"] == "${{ matrix.environment }}"
    assert plan["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
    assert plan["env"]["DATABRICKS_CLIENT_ID"] == "${{ vars.DATABRICKS_CLIENT_ID }}"
    assert plan["env"]["COMMIT"] == "${{ github.event.pull_request.head.sha }}"
    assert "head.repo.full_name == github.repository" in plan["if"]
    assert ".github/scripts/plan-stack.sh" in run_text(plan)
    upload = next(s for s in steps(plan) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["path"] == "plans/"


def test_sticky_comment_is_the_bots_own_and_forks_get_the_job_summary(pr):
    review = pr["jobs"]["review"]
    assert pr["env"]["REVIEW_MARKER"] == MARKER
    assert ".github/scripts/review.sh" in run_text(review)
    assert 'cat review.md >> "$GITHUB_STEP_SUMMARY"' in run_text(review)
    post = next(s for s in steps(review) if s.get("uses", "").startswith("actions/github-script"))
    assert post["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    script = post["with"]["script"]
    assert "process.env.REVIEW_MARKER" in script
    assert "c.user.login === 'github-actions[bot]'" in script and "c.body.startsWith(marker)" in script
    assert script.index("updateComment") < script.index("createComment")
    upload = next(s for s in steps(review) if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["with"]["name"] == "review-${{ github.event.pull_request.head.sha }}"


def test_gate_decides_from_the_review_of_the_head_commit(pr):
    gate = pr["jobs"]["gate"]
    download = next(s for s in steps(gate) if s.get("uses", "").startswith("actions/download-artifact"))
    assert download["with"]["name"] == "review-${{ github.event.pull_request.head.sha }}"
    assert download["with"]["run-id"] == "${{ steps.find.outputs.run_id }}"
    assert ".github/scripts/gate.sh" in run_text(gate)
    assert pr["env"]["ACCEPT_LABEL"] == ACCEPT_LABEL


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
    for name in ("plan", "apply"):
        job = deploy_env["jobs"][name]
        assert job["environment"] == "${{ inputs.environment }}"
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        assert job["env"]["DATABRICKS_AUTH_TYPE"] == "github-oidc"
        assert job["env"]["COMMIT"] == "${{ github.sha }}"


def test_deploy_shows_the_plan_then_applies_the_saved_one(deploy_env):
    plan, apply = deploy_env["jobs"]["plan"], deploy_env["jobs"]["apply"]
    assert plan["env"]["SAVE_PLAN"] == "1"
    assert '>> "$GITHUB_STEP_SUMMARY"' in run_text(plan)
    assert apply["needs"] == "plan"
    assert '.github/scripts/apply-saved-plan.sh "$ENVIRONMENT"' in run_text(apply)
    text = (WORKFLOWS / "deploy-environment.yml").read_text()
    assert "--auto-approve" not in text and "cdktf deploy" not in text


# --- the scripts the workflows run, run here with the real lakestack and terraform -----------------

SCRIPTS = ROOT / ".github" / "scripts"
LAKESTACK = str(ROOT / ".venv" / "bin" / "lakestack")


def run_script(name: str, cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {"PATH": os.environ["PATH"], "HOME": str(cwd), "LAKESTACK": LAKESTACK, "CHECKPOINT_DISABLE": "1",
            "PYTHONPATH": str(ROOT)}
    return subprocess.run(["bash", str(SCRIPTS / name), *args], cwd=cwd, env={**base, **env}, capture_output=True,
                          text=True, check=False, timeout=300)


def artifact_copy(source: Path, target: Path) -> None:
    """What an artifact upload and download keep: files only (empty folders vanish, hidden files too)."""
    for file in source.rglob("*"):
        if file.is_file() and not any(part.startswith(".") for part in file.relative_to(source).parts):
            (target / file.relative_to(source)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(file, target / file.relative_to(source))


def test_the_first_pull_request_has_an_empty_base_that_survives_the_artifact(tmp_path, example_synth_dir):
    work = tmp_path / "job"
    (work / "base").mkdir(parents=True)  # the base commit has no lakestack yet
    assert run_script("synth-base.sh", work, {"BASE_SHA": "b" * 40}).returncode == 0
    shutil.copytree(example_synth_dir, work / "synth" / "head")
    review_job = tmp_path / "review"
    artifact_copy(work / "synth", review_job / "synth")
    assert (review_job / "synth" / "base").is_dir()
    env = {"SYNTH_RESULT": "success", "COMMIT": "a" * 40, "RUN_URL": "https://github.com/acme/retail-ml/actions/runs/1"}
    (review_job / "infra").mkdir()
    shutil.copy(ROOT / "infra" / "platform.yaml", review_job / "infra" / "platform.yaml")
    done = run_script("review.sh", review_job, env)
    assert done.returncode == 0, done.stderr
    text = (review_job / "review.md").read_text()
    assert "`Plan: 44 to add, 0 to change, 0 to destroy.`" in text
    assert "commit `aaaaaaaaaaaa`" in text


def test_a_failed_synth_gets_a_comment_that_says_so(tmp_path):
    env = {"SYNTH_RESULT": "failure", "COMMIT": "a" * 40, "RUN_URL": "https://x/runs/2"}
    assert run_script("review.sh", tmp_path, env).returncode == 0
    assert "Risk: unknown" in (tmp_path / "review.md").read_text()
    assert json.loads((tmp_path / "review.json").read_text())["gate"]["synth_failed"] is True


def test_a_failed_plan_job_is_named_and_fails_the_gate(tmp_path, example_config, example_synth_dir):
    if not shutil.which("jq"):
        pytest.skip("jq not installed")
    shutil.copytree(example_synth_dir, tmp_path / "synth" / "head")
    (tmp_path / "synth" / "base").mkdir()
    (tmp_path / "plans").mkdir()
    (tmp_path / "plans" / "dev.json").write_text('{"format_version": "1.2", "resource_changes": []}')
    (tmp_path / "infra").mkdir()
    shutil.copy(ROOT / "infra" / "platform.yaml", tmp_path / "infra" / "platform.yaml")
    env = {"SYNTH_RESULT": "success", "PLAN_RESULT": "failure", "PLAN_ENVIRONMENTS": '["dev", "prod"]',
           "COMMIT": "a" * 40, "RUN_URL": "u"}
    done = run_script("review.sh", tmp_path, env)
    assert done.returncode == 0, done.stderr
    assert "**Plan failed** for prod" in (tmp_path / "review.md").read_text()
    from review.gate import decide

    verdict = decide(json.loads((tmp_path / "review.json").read_text()))
    assert any("the plan of prod failed" in r for r in verdict.reasons) and not verdict.passed


def test_review_uses_the_base_config_and_plans_but_not_plan_records(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    stub = bin_dir / "lakestack"
    stub.write_text('#!/bin/sh\necho "$@" >> "$PWD/calls"\n')
    stub.chmod(0o755)
    (tmp_path / "synth" / "base-config").mkdir(parents=True)
    (tmp_path / "synth" / "base-config" / "platform.yaml").write_text("x")
    (tmp_path / "plans" / "records").mkdir(parents=True)
    (tmp_path / "plans" / "prod.json").write_text("{}")
    (tmp_path / "plans" / "records" / "prod.json").write_text("{}")
    env = {"SYNTH_RESULT": "success", "COMMIT": "c", "RUN_URL": "u", "LAKESTACK": str(stub)}
    assert run_script("review.sh", tmp_path, env).returncode == 0
    calls = (tmp_path / "calls").read_text().splitlines()
    assert len(calls) == 2
    assert all("--plan plans/prod.json --base-config synth/base-config/platform.yaml" in c for c in calls)
    assert not any("records" in c for c in calls)


def tf_stack(state: Path) -> dict[str, Any]:
    return {"terraform": {"backend": {"local": {"path": str(state)}}},
            "resource": {"terraform_data": {"catalog": {"input": "retail_prod"}}}}


@pytest.fixture
def stack_dir(tmp_path):
    if not Path(TERRAFORM).exists():
        pytest.skip("terraform binary not installed")
    stack = tmp_path / "cdktf.out" / "stacks" / "prod"
    stack.mkdir(parents=True)
    (tmp_path / "state").mkdir()
    (stack / "cdk.tf.json").write_text(json.dumps(tf_stack(tmp_path / "state" / "terraform.tfstate")))
    return tmp_path


def tf_env(**extra: str) -> dict[str, str]:
    return {"TF_IN_AUTOMATION": "1", "PATH": f"{Path(TERRAFORM).parent}:{os.environ['PATH']}", **extra}


def test_the_deploy_applies_the_reviewed_plan_and_refuses_any_other(stack_dir):
    """Plan, apply that plan; then a plan of another commit, and a plan whose state moved on, are refused."""
    planned = run_script("plan-stack.sh", stack_dir, tf_env(COMMIT="a" * 40, PLAN_DIR="saved", SAVE_PLAN="1"), "prod")
    assert planned.returncode == 0, planned.stderr
    saved = stack_dir / "saved"
    assert json.loads((saved / "records" / "prod.json").read_text()) == {
        "stack": "prod", "commit": "a" * 40, "lineage": None, "serial": None}
    assert json.loads((saved / "prod.json").read_text())["resource_changes"][0]["change"]["actions"] == ["create"]
    (saved / "stacks" / "prod").mkdir(parents=True)  # what the plan job uploads beside the plan
    shutil.copy(stack_dir / "cdktf.out" / "stacks" / "prod" / "cdk.tf.json", saved / "stacks" / "prod")
    wrong = tf_env(COMMIT="b" * 40, PLAN_DIR="saved", SYNTH_DIR="saved")
    other_commit = run_script("apply-saved-plan.sh", stack_dir, wrong, "prod")
    assert other_commit.returncode == 1 and "made from commit aaaaaaaaaaaa" in other_commit.stderr
    assert not (stack_dir / "state" / "terraform.tfstate").exists()
    applied = run_script("apply-saved-plan.sh", stack_dir, tf_env(COMMIT="a" * 40, PLAN_DIR="saved", SYNTH_DIR="saved"),
                         "prod")
    assert applied.returncode == 0, applied.stderr
    assert "retail_prod" in (stack_dir / "state" / "terraform.tfstate").read_text()
    again = run_script("apply-saved-plan.sh", stack_dir, tf_env(COMMIT="a" * 40, PLAN_DIR="saved", SYNTH_DIR="saved"),
                       "prod")
    assert again.returncode == 1 and "the state changed since the plan" in again.stderr


def test_no_saved_plan_no_apply(stack_dir):
    done = run_script("apply-saved-plan.sh", stack_dir, tf_env(COMMIT="a" * 40, PLAN_DIR="saved"), "prod")
    assert done.returncode == 1 and "no saved plan for stack prod" in done.stdout


def gh_stub(tmp_path: Path, output: str) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "gh").write_text(f"#!/bin/sh\necho \"$@\" >> {tmp_path}/gh.args\ncat <<'JSON'\n{output}\nJSON\n")
    (bin_dir / "gh").chmod(0o755)
    return bin_dir


def test_review_run_finds_the_run_that_reviewed_the_commit(tmp_path):
    bin_dir = gh_stub(tmp_path, "4242")
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "REPO": "acme/retail-ml", "SHA": "a" * 40, "GH_TOKEN": "x"}
    done = run_script("review-run.sh", tmp_path, env)
    assert done.stdout.strip() == "4242"
    assert f"name=review-{'a' * 40}" in (tmp_path / "gh.args").read_text()
    (tmp_path / "none").mkdir()
    empty = gh_stub(tmp_path / "none", "")
    done = run_script("review-run.sh", tmp_path, {**env, "PATH": f"{empty}:{os.environ['PATH']}"})
    assert done.returncode == 1 and "no review of commit" in done.stdout


def test_gate_script_fails_on_the_authors_own_acceptance(tmp_path, example_config, example_synth_dir):
    if not shutil.which("jq"):
        pytest.skip("jq not installed")
    from review.json_output import render_json
    from review.run import review_of
    from tests.configs import config_from_data, example_data

    data = example_data()
    data["environments"]["prod"]["tier"] = "dev"
    head = config_from_data(tmp_path, data)
    review = review_of(head, base_dir=example_synth_dir, head_dir=example_synth_dir, audit=False,
                       base_config=example_config, commit="a" * 40)
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "review.json").write_text(render_json(review))
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"user": {"login": "carol"}, "head": {"sha": "a" * 40},
                                                  "labels": [{"name": ACCEPT_LABEL}]}}))
    own = {"user": {"login": "carol"}, "state": "APPROVED", "commit_id": "a" * 40, "author_association": "OWNER"}
    bin_dir = gh_stub(tmp_path, json.dumps(own))
    env = {"PATH": f"{bin_dir}:{os.environ['PATH']}", "REPO": "r/r", "PR_NUMBER": "7", "GH_TOKEN": "x",
           "GITHUB_EVENT_PATH": str(event), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}
    done = run_script("gate.sh", tmp_path, env)
    assert done.returncode == 1
    assert "gate: FAILED" in done.stdout and "prod is reclassified" in done.stdout
    assert "nobody other than the author (carol)" in (tmp_path / "summary.md").read_text()


def test_check_deployer_says_what_to_set(tmp_path):
    done = run_script("check-deployer.sh", tmp_path, {"ENVIRONMENT": "prod"})
    assert done.returncode == 2 and "DATABRICKS_CLIENT_ID in the GitHub environment 'prod'" in done.stdout


# --- the linters -------------------------------------------------------------------------------------

ACTIONLINT = ROOT / ".lakestack" / "tools" / "bin" / "actionlint"
ZIZMOR = ROOT / ".venv" / "bin" / "zizmor"
BAD_WORKFLOW = """on: push
permissions: write-all
jobs:
  x:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ matrix.nope }}
"""


@pytest.mark.skipif(not (ACTIONLINT.exists() and ZIZMOR.exists()), reason="make lint-workflows installs the linters")
def test_workflows_lint_clean_and_the_linters_fail_on_findings(tmp_path):
    for command in ([str(ACTIONLINT), "-shellcheck=", "-pyflakes="], [str(ZIZMOR), "--offline", "--no-progress",
                                                                       ".github/"]):
        clean = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        assert clean.returncode == 0, clean.stdout + clean.stderr
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    linted = subprocess.run([str(ACTIONLINT), "-shellcheck=", "-pyflakes=", str(bad)], cwd=tmp_path,
                            capture_output=True, text=True, check=False)
    assert linted.returncode != 0
    audited = subprocess.run([str(ZIZMOR), "--offline", "--no-progress", str(bad)], capture_output=True, text=True,
                             check=False)
    assert audited.returncode != 0 and "template-injection" in audited.stdout + audited.stderr


def all_workflow_files() -> list[Path]:
    return [*sorted(WORKFLOWS.glob("*.yml")), SETUP_ACTION, *sorted(SCRIPTS.glob("*.sh"))]


@pytest.mark.parametrize("path", all_workflow_files(), ids=lambda p: p.name)
def test_no_stored_tokens_or_secrets(path):
    text = path.read_text()
    assert "secrets." not in text.replace("secrets.GITHUB_TOKEN", "")
    assert not re.search(r"DATABRICKS_(TOKEN|CLIENT_SECRET|PASSWORD)", text)


def lakestack_commands() -> list[tuple[str, str]]:
    """Every `.venv/bin/lakestack ...` line in the workflows, with shell expansions made literal."""
    found = []
    for path in all_workflow_files():
        for line in path.read_text().replace("\\\n", " ").splitlines():
            match = re.search(r'(?:\.venv/bin/lakestack|"\$lakestack") (.*)$', line)
            if match:
                command = re.sub(r'"\$\{[a-z_]+\[@\]\}"', "", match.group(1))
                command = re.sub(r'"[^"]*\$[^"]*"', "X", command)
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
    assert {"synth", "audit", "review", "redact-plan", "bootstrap", "gate", "saved-plan"} <= commands
