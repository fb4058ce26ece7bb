"""Synthesis as a whole: atomic output, backends from config, the cdktf CLI's app entry."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import infra.app
from infra.synth import synth
from lakestack.cli import main
from tests.configs import EXAMPLE, config_from_data, example_data
from tests.synth_json import load_stacks

ROOT = Path(__file__).resolve().parents[2]


def test_lakestack_synth_writes_every_environment(tmp_path, capsys):
    out = tmp_path / "cdktf.out"
    assert main(["synth", "--config", str(EXAMPLE), "--out", str(out)]) == 0
    assert sorted(load_stacks(out)) == ["dev", "dev-account", "prod", "prod-account", "staging", "staging-account"]
    assert "synthesized prod" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["cdktf.out"], "no temporary folders left behind"


def test_failed_synth_leaves_the_previous_output_untouched(tmp_path, example_config, monkeypatch):
    out = tmp_path / "cdktf.out"
    synth(example_config, out)
    before = {p: p.read_bytes() for p in out.rglob("*.json")}

    def broken(config, outdir=None, **kwargs):
        real(config, outdir, **kwargs)
        (Path(outdir) / "stacks").mkdir(parents=True, exist_ok=True)
        (Path(outdir) / "stacks" / "partial").mkdir()
        raise RuntimeError("synth failed halfway")

    real = infra.app.build_app
    monkeypatch.setattr(infra.app, "build_app", broken)
    with pytest.raises(RuntimeError):
        synth(example_config, out)
    assert {p: p.read_bytes() for p in out.rglob("*.json")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cdktf.out"]


@pytest.mark.parametrize(("backend", "expected_env", "expected_account"), [
    ({"type": "s3", "options": {"bucket": "tf", "key": "retail/staging.tfstate", "region": "us-east-1"}},
     {"s3": {"bucket": "tf", "key": "retail/staging.tfstate", "region": "us-east-1"}},
     {"s3": {"bucket": "tf", "key": "retail/staging-account.tfstate", "region": "us-east-1"}}),
    ({"type": "gcs", "options": {"bucket": "tf", "prefix": "retail/staging"}},
     {"gcs": {"bucket": "tf", "prefix": "retail/staging"}},
     {"gcs": {"bucket": "tf", "prefix": "retail/staging/account"}}),
    ({"type": "azurerm", "options": {"resource_group_name": "rg", "storage_account_name": "sa",
                                     "container_name": "tf", "key": "staging.tfstate"}},
     {"azurerm": {"resource_group_name": "rg", "storage_account_name": "sa", "container_name": "tf",
                  "key": "staging.tfstate"}},
     {"azurerm": {"resource_group_name": "rg", "storage_account_name": "sa", "container_name": "tf",
                  "key": "staging-account.tfstate"}}),
    ({"type": "remote", "options": {"organization": "acme", "workspace": "retail-staging"}},
     {"remote": {"organization": "acme", "workspaces": {"name": "retail-staging"}}},
     {"remote": {"organization": "acme", "workspaces": {"name": "retail-staging-account"}}}),
])
def test_backend_per_environment_from_config(tmp_path, backend, expected_env, expected_account):
    data = example_data()
    data["environments"]["staging"]["backend"] = backend
    synth(config_from_data(tmp_path, data), tmp_path / "out")
    stacks = load_stacks(tmp_path / "out")
    assert stacks["staging"]["terraform"]["backend"] == expected_env
    assert stacks["staging-account"]["terraform"]["backend"] == expected_account
    assert "local" in stacks["dev"]["terraform"]["backend"]  # other environments keep their own


def strip_metadata(doc):
    """CDKTF's `//` metadata names the output folder; everything Terraform reads must match."""
    if isinstance(doc, dict):
        return {k: strip_metadata(v) for k, v in doc.items() if k != "//"}
    if isinstance(doc, list):
        return [strip_metadata(v) for v in doc]
    return doc


def test_cdktf_json_app_gives_the_same_json_as_lakestack_synth(tmp_path, example_synth_dir):
    """`cdktf synth` runs the `app` command of cdktf.json with CDKTF_OUTDIR set; run that command the same way."""
    app = json.loads((ROOT / "cdktf.json").read_text())["app"]
    assert app == ".venv/bin/python -m infra.main"
    env = dict(os.environ, CDKTF_OUTDIR=str(tmp_path / "cli.out"), JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    subprocess.run([sys.executable, "-m", "infra.main"], cwd=ROOT, env=env, check=True, capture_output=True)
    assert strip_metadata(load_stacks(tmp_path / "cli.out")) == strip_metadata(load_stacks(example_synth_dir))


def test_cdktf_cli_synth_gives_the_same_json_as_lakestack_synth(tmp_path, example_synth_dir):
    """The path users take: `npx cdktf synth` with the pinned CLI from package.json."""
    cdktf = ROOT / "node_modules" / ".bin" / "cdktf"
    assert cdktf.exists(), "run `make node` (make test does) to install the pinned cdktf CLI"
    env = dict(os.environ, CHECKPOINT_DISABLE="1", JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION="20")
    subprocess.run([str(cdktf), "synth", "--output", str(tmp_path / "cli.out")], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    assert strip_metadata(load_stacks(tmp_path / "cli.out")) == strip_metadata(load_stacks(example_synth_dir))


def test_cdktf_app_entry_reports_bad_config_with_exit_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("project: Retail ML\n")
    env = dict(os.environ, LAKESTACK_CONFIG=str(bad), CDKTF_OUTDIR=str(tmp_path / "o"))
    result = subprocess.run([sys.executable, "-m", "infra.main"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 2
    assert "not a project slug" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "o").exists()
