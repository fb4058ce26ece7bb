"""No command of `lakestack` prints a Python traceback on hostile input: each case below exits with its code
(2, bad input) and one clear message. Most run in process through `lakestack.cli.main`; two run the real
console script, where a traceback would actually reach the terminal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lakestack.cli import main
from tests.conftest import EXAMPLE_CONFIG, ROOT
from tests.hardening.test_yaml_structure import billion_laughs
from tests.review.plan_fixtures import plan, resource_change, write_plan

PAT = "dapi" + "0123456789abcdef" * 2
EXAMPLE = EXAMPLE_CONFIG.read_text()


def hostile_configs(tmp_path: Path) -> dict[str, Path]:
    """One platform file per way of being wrong, each refused at load."""
    texts = {
        "alias-bomb": billion_laughs(),
        "self-alias": "project: &p [*p]\n",
        "deep": "project: " + "[" * 500 + "]" * 500 + "\n",
        "int-key": EXAMPLE.replace("groups:", "groups:\n  1: numbered-group", 1),
        "control-char": EXAMPLE.replace("project: retail-ml", "project: retail\x07ml", 1),
        "token-in-description": EXAMPLE.replace("Ranks products", f"Ranks {PAT} products", 1),
        "env-with-space": EXAMPLE.replace("\n  dev:", '\n  "qa 1":', 1),
        "env-with-slash": EXAMPLE.replace("\n  dev:", '\n  "qa/1":', 1),
        "env-with-semicolon": EXAMPLE.replace("\n  dev:", '\n  "qa;drop":', 1),
        "negative-workspace-id": EXAMPLE.replace("workspace_id: 1001", "workspace_id: -1001", 1),
        "zero-rate-limit": EXAMPLE.replace("200/minute per user", "0/minute per user", 1),
        "huge-rate-limit": EXAMPLE.replace("200/minute per user", f"{2**63}/minute per user", 1),
        "not-utf8": None,
        "a-list": "- a\n- b\n",
        "empty": "",
    }
    tmp_path.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, text in texts.items():
        path = tmp_path / f"{name}.yaml"
        if text is None:
            path.write_bytes(b"project: \xff\xfe\n")
        else:
            path.write_text(text, encoding="utf-8")
        paths[name] = path
    paths["folder"] = tmp_path
    paths["missing"] = tmp_path / "missing.yaml"
    return paths


def commands_reading_config(config: Path, tmp_path: Path) -> list[list[str]]:
    c = ["--config", str(config)]
    return [
        ["synth", *c, "--out", str(tmp_path / "out")],
        ["audit", *c, "--synth-dir", str(tmp_path)],
        ["review", *c, "--head", str(tmp_path), "--no-audit"],
        ["bootstrap", *c, "--env", "dev"],
        ["promote", *c, "--env", "dev", "--model", "product_recommender", "--version", "1"],
        ["rollback", *c, "--env", "dev", "--model", "product_recommender"],
        ["plan", *c, "--out", str(tmp_path / "out"), "--report-dir", str(tmp_path / "reports")],
    ]


def assert_clean_exit(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 2) -> str:
    assert main(argv) == code, argv
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert "Traceback" not in output, (argv, output)
    assert captured.err.startswith("error: "), (argv, captured.err)
    return captured.err


def test_every_command_refuses_every_hostile_config_cleanly(tmp_path, capsys):
    configs = hostile_configs(tmp_path / "configs")
    for name, config in configs.items():
        for argv in commands_reading_config(config, tmp_path / name):
            err = assert_clean_exit(capsys, argv)
            assert PAT not in err  # refusing a secret does not print it
    assert not (tmp_path / "alias-bomb" / "out").exists()


def test_unwritable_outputs_are_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    c = ["--config", str(EXAMPLE_CONFIG)]
    plan_file = write_plan(tmp_path / "prod.json", plan(
        resource_change("databricks_catalog.catalog", ["create"], None, {"name": "retail_prod"})))
    cases = [
        ["synth", *c, "--out", str(blocker / "out")],
        ["synth", *c, "--out", str(blocker)],
        ["plan", *c, "--out", str(tmp_path / "out"), "--report-dir", str(blocker / "reports")],
        ["audit", *c, "--plan", f"prod={plan_file}", "--output", str(blocker / "audit.txt")],
        ["review", *c, "--plan", f"prod={plan_file}", "--no-audit", "--output", str(blocker / "review.md")],
        ["review", *c, "--plan", f"prod={plan_file}", "--no-audit", "--output", str(tmp_path)],
        ["redact-plan", str(plan_file), "--output", str(blocker / "redacted.json")],
    ]
    for argv in cases:
        err = assert_clean_exit(capsys, argv)
        assert len(err.strip().splitlines()) <= 2, err  # the message and at most a hint


def test_hostile_terraform_json_is_refused_by_every_reader(tmp_path, capsys):
    c = ["--config", str(EXAMPLE_CONFIG)]
    synth = tmp_path / "synth" / "stacks" / "prod"
    synth.mkdir(parents=True)
    (synth / "cdk.tf.json").write_text(json.dumps({"resource": {"databricks_catalog": ["oops"]}}))
    future = write_plan(tmp_path / "future.json", {"format_version": "2.0", "resource_changes": []})
    not_json = tmp_path / "binary.json"
    not_json.write_bytes(b"\x00\xff")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    for argv in (
        ["audit", *c, "--synth-dir", str(tmp_path / "synth")],
        ["review", *c, "--head", str(tmp_path / "synth")],
        ["audit", *c, "--plan", f"prod={future}"],
        ["review", *c, "--plan", f"prod={future}"],
        ["redact-plan", str(future), "--output", str(tmp_path / "r.json")],
        ["audit", *c, "--plan", f"prod={not_json}"],
        ["review", *c, "--plan", f"prod={deep}", "--no-audit"],
        ["redact-plan", str(deep), "--output", str(tmp_path / "r.json")],
    ):
        assert_clean_exit(capsys, argv)


def test_hostile_waiver_files_are_refused(tmp_path, capsys):
    plan_file = write_plan(tmp_path / "prod.json", plan(
        resource_change("databricks_catalog.catalog", ["create"], None, {"name": "retail_prod"})))
    for name, text in {"bomb": billion_laughs(), "self": "waivers: &w [*w]\n", "list": "- 1\n",
                       "int-key": "waivers:\n  - 1: x\n", "secret": f"waivers:\n  - reason: {PAT}\n"}.items():
        waivers = tmp_path / f"{name}.yaml"
        waivers.write_text(text)
        err = assert_clean_exit(capsys, ["audit", "--config", str(EXAMPLE_CONFIG), "--plan", f"prod={plan_file}",
                                         "--waivers", str(waivers)])
        assert PAT not in err


def run_console(*argv: str, path: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": path}
    script = Path(sys.executable).with_name("lakestack")
    return subprocess.run([str(script), *argv], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300,
                          check=False)


def test_synth_without_node_is_one_line(tmp_path):
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    result = run_console("synth", "--out", str(tmp_path / "out"), path=str(empty_bin))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stderr.splitlines()[0] == ("error: node was not found on the PATH; `lakestack synth` needs "
                                             "Node.js 20 or later (CDKTF runs in it)")
    assert not (tmp_path / "out").exists()


def test_alias_bomb_from_the_console_script(tmp_path):
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(billion_laughs())
    result = run_console("audit", "--config", str(bomb), path=os.environ.get("PATH", ""))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "aliases expand the file" in result.stderr
