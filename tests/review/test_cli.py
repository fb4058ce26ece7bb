"""`lakestack review` at the command line: outputs, exit codes, and bad input (exit 2, no traceback)."""

from __future__ import annotations

import json

import pytest

from lakestack.cli import main
from review.markdown import MARKER
from tests.conftest import EXAMPLE_CONFIG
from tests.review.plan_fixtures import databricks_prod_plan, write_plan


def review(*args: str) -> int:
    return main(["review", "--config", str(EXAMPLE_CONFIG), "--no-audit", *args])


def test_markdown_to_a_file(tmp_path, empty_base, example_synth_dir, capsys):
    out = tmp_path / "out" / "review.md"
    assert review("--base", str(empty_base), "--head", str(example_synth_dir), "--output", str(out)) == 0
    assert out.read_text().startswith(MARKER)
    assert capsys.readouterr().out == ""
    assert not list(out.parent.glob(".*partial"))


def test_json_to_stdout(empty_base, example_synth_dir, capsys):
    assert review("--base", str(empty_base), "--head", str(example_synth_dir), "--format", "json") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["marker"] == MARKER
    assert {s["stack"] for s in document["stacks"]} == {"dev", "dev-account", "staging", "staging-account", "prod",
                                                      "prod-account"}


def test_max_chars_limits_the_comment(empty_base, example_synth_dir, capsys):
    assert review("--base", str(empty_base), "--head", str(example_synth_dir), "--max-chars", "8000") == 0
    assert len(capsys.readouterr().out) <= 8000  # the plan lines, risks and next steps are never cut


def test_fail_on_risk(tmp_path, capsys):
    plan = write_plan(tmp_path / "prod.json", databricks_prod_plan())
    assert review("--plan", f"prod={plan}") == 0
    assert review("--plan", f"prod={plan}", "--fail-on-risk") == 1


def bad_plan_files(tmp_path):
    (tmp_path / "invalid.json").write_text("{not json")
    (tmp_path / "state.json").write_text(json.dumps({"version": 4, "resources": []}))
    return tmp_path


@pytest.mark.parametrize("args, message", [
    (["--head", "{tmp}/missing"], "synth folder not found"),
    (["--base", "{tmp}/missing", "--head", "{tmp}"], "synth folder not found"),
    (["--base", "{tmp}"], "--base needs --head"),
    ([], "nothing to review"),
    (["--plan", "{tmp}/invalid.json"], "invalid JSON"),
    (["--plan", "{tmp}/state.json"], "not a Terraform plan in JSON"),
    (["--plan", "{tmp}/absent.json"], "plan JSON not found"),
    (["--head", "{tmp}", "--max-chars", "100"], "--max-chars 100 is too small"),
    (["--head", "{tmp}", "--config", "{tmp}/absent.yaml"], "file not found"),
])
def test_bad_input_exits_2_with_a_message(tmp_path, capsys, args, message):
    bad_plan_files(tmp_path)
    assert review(*[a.format(tmp=tmp_path) for a in args]) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err
    assert captured.out == ""


def test_invalid_json_in_a_synth_stack_exits_2(tmp_path, capsys):
    (tmp_path / "stacks" / "prod").mkdir(parents=True)
    (tmp_path / "stacks" / "prod" / "cdk.tf.json").write_text("{")
    assert review("--head", str(tmp_path)) == 2
    assert "cdk.tf.json:1: invalid JSON" in capsys.readouterr().err


def test_review_imports_stay_light():
    import subprocess
    import sys

    code = ("import sys; from lakestack.cli import build_parser; import review.run, review.cli;"
            "heavy = [m for m in ('cdktf', 'mlflow', 'pandas', 'databricks.sdk', 'jsii') if m in sys.modules];"
            "print(','.join(heavy))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""
