"""`lakestack audit` at the command line: exit codes, formats, output file, and bad input without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import PlatformConfig
from lakestack.cli import main
from tests.conftest import EXAMPLE_CONFIG
from tests.policies.fixtures import MODEL, as_plan, compliant_stack, write_plan, write_synth


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["audit", "--config", str(EXAMPLE_CONFIG), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def failing_synth(tmp_path: Path, example_config: PlatformConfig) -> Path:
    """prod with an all-users CAN_QUERY grant (high) and no drift alert (medium)."""
    stack = compliant_stack(example_config, "prod")
    stack.get("databricks_permissions", f"serving_permissions_{MODEL}")["access_control"].append(
        {"group_name": "users", "permission_level": "CAN_QUERY"})
    stack.remove("databricks_alert_v2", f"drift_alert_{MODEL}")
    return write_synth(tmp_path / "synth", {"prod": stack})


@pytest.fixture
def medium_only_synth(tmp_path: Path, example_config: PlatformConfig) -> Path:
    stack = compliant_stack(example_config, "prod")
    stack.remove("databricks_alert_v2", f"drift_alert_{MODEL}")
    return write_synth(tmp_path / "medium", {"prod": stack})


def test_text_report_names_rule_resource_and_fix(failing_synth: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--synth-dir", str(failing_synth))
    assert code == 1
    assert out.startswith("lakestack audit FAILED (fail on high and above): 2 open finding(s) [1 high, 1 medium]")
    assert "LS-SRV-002" in out and "databricks_permissions.serving_permissions_product_recommender" in out
    assert "fix: List the calling groups" in out


def test_fail_on_sets_the_threshold(medium_only_synth: Path, failing_synth: Path,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--synth-dir", str(medium_only_synth))[0] == 0
    assert run(capsys, "--synth-dir", str(medium_only_synth), "--fail-on", "medium")[0] == 1
    assert run(capsys, "--synth-dir", str(failing_synth), "--fail-on", "critical")[0] == 0


def test_json_report_shape(failing_synth: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--synth-dir", str(failing_synth), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert set(report) == {"findings", "summary"}
    first = report["findings"][0]
    assert {"rule_id", "severity", "environment", "resource", "message", "waived"} <= set(first)
    assert (first["rule_id"], first["severity"], first["environment"], first["waived"]) == \
        ("LS-SRV-002", "high", "prod", False)
    summary = report["summary"]
    assert summary["by_severity"] == {"critical": 0, "high": 1, "medium": 1, "low": 0}
    assert summary["by_rule"] == {"LS-MON-002": 1, "LS-SRV-002": 1}
    assert (summary["failed"], summary["fail_on"], summary["unwaived"]) == (True, "high", 2)


def test_markdown_report_is_a_table(failing_synth: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--synth-dir", str(failing_synth), "--format", "markdown")
    assert out.startswith("### :x: lakestack audit FAILED")
    assert "| Severity | Rule | Env | Resource | Finding | Fix |" in out
    assert "| high | `LS-SRV-002` | prod |" in out


def test_output_file_gets_the_report_and_stdout_the_verdict(failing_synth: Path, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "audit.json"
    code, out, _ = run(capsys, "--synth-dir", str(failing_synth), "--format", "json", "--output", str(target))
    assert code == 1 and out.startswith("lakestack audit FAILED")
    assert len(json.loads(target.read_text())["findings"]) == 2
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_plans_are_audited_with_their_environment(tmp_path: Path, example_config: PlatformConfig,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    plan = write_plan(tmp_path / "prod.json", as_plan(compliant_stack(example_config, "prod"),
                                                       {"databricks_catalog.catalog": ["delete"]}))
    code, out, _ = run(capsys, "--plan", str(plan), "--format", "json")
    [finding] = json.loads(out)["findings"]
    assert code == 1 and (finding["rule_id"], finding["severity"], finding["environment"]) == \
        ("LS-PROT-002", "critical", "prod")


def bad(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and "Traceback" not in err
    return err


def test_missing_synth_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = bad(capsys, "--synth-dir", str(tmp_path / "nowhere"))
    assert "synth folder not found" in err and "lakestack synth" in err


def test_invalid_json_names_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = tmp_path / "synth" / "stacks" / "prod"
    stack.mkdir(parents=True)
    (stack / "cdk.tf.json").write_text('{\n  "resource": {\n    "x": [,]\n}')
    assert f"{stack / 'cdk.tf.json'}:3: invalid JSON" in bad(capsys, "--synth-dir", str(tmp_path / "synth"))


def test_unreadable_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    binary = tmp_path / "plan.bin"
    binary.write_bytes(b"\xff\xfe\x00binary")
    assert "cannot read plan JSON" in bad(capsys, "--plan", f"prod={binary}")
    assert "plan JSON not found" in bad(capsys, "--plan", f"prod={tmp_path / 'missing.json'}")
    assert "cannot read plan JSON" in bad(capsys, "--plan", f"prod={tmp_path}")  # a folder


def test_json_that_is_not_a_plan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 4, "resources": []}))
    assert "not a Terraform plan in JSON" in bad(capsys, "--plan", f"prod={path}")


def test_unknown_environments(tmp_path: Path, example_config: PlatformConfig,
                              capsys: pytest.CaptureFixture[str]) -> None:
    assert "unknown environment 'qa'; the config declares: dev, staging, prod" in bad(capsys, "--live", "--env", "qa")
    plan = write_plan(tmp_path / "p.json", as_plan(compliant_stack(example_config, "prod")))
    assert "unknown environment 'qa'" in bad(capsys, "--plan", f"qa={plan}")
    synth = write_synth(tmp_path / "synth", {"qa": compliant_stack(example_config, "prod")})
    assert "environment 'qa' is not in the platform config" in bad(capsys, "--synth-dir", str(synth))


def test_bad_waiver_file(failing_synth: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    waivers = tmp_path / "w.yaml"
    waivers.write_text("waivers:\n  - rule: LS-SRV-002\n    resource: x\n    reason: n/a\n    owner: me\n"
                       "    expires: 2030-01-01\n")
    assert f"{waivers}:4: waivers[0].reason: 'n/a' is not a reason" in bad(
        capsys, "--synth-dir", str(failing_synth), "--waivers", str(waivers))
    waivers.write_text("waivers: [\n")
    assert f"{waivers}:" in bad(capsys, "--synth-dir", str(failing_synth), "--waivers", str(waivers))


def test_live_and_env_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--live needs --env" in bad(capsys, "--live")
    assert "add --live" in bad(capsys, "--env", "prod")


def test_unwritable_output(failing_synth: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "audit.sarif"
    assert "cannot write the report" in bad(capsys, "--synth-dir", str(failing_synth), "--output", str(target))


def test_the_audit_api_imports_no_databricks_sdk() -> None:
    """Auditing a synth must stay a light process: the SDK is imported only for --live."""
    import subprocess
    import sys

    code = ("import sys, policies.audit, policies.report, policies.sarif, policies.cli; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'databricks', 'cdktf', 'mlflow', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_audit_command_imports_no_review_engine(tmp_path: Path) -> None:
    """Every command registers the review's subcommands; only `lakestack review` (and `plan`) load the rest of it."""
    import subprocess
    import sys

    (tmp_path / "synth").mkdir()
    code = ("import sys; from lakestack.cli import main; "
            f"main(['audit', '--config', {str(EXAMPLE_CONFIG)!r}, '--synth-dir', {str(tmp_path / 'synth')!r}]); "
            "print(sorted(m for m in sys.modules if m.startswith('review.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "['review.budget', 'review.cli']"
    import review

    assert review.run_review.__module__ == "review.run"  # still importable from the package


def test_an_empty_synth_folder_is_said_not_silently_passed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "synth").mkdir()
    code, out, _ = run(capsys, "--synth-dir", str(tmp_path / "synth"))
    assert code == 0 and "holds no stacks" in out
