"""End to end: `lakestack synth` of the shipped example passes the audit; breaking it fails with the right rule."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lakestack.cli import main
from tests.configs import example_data, write_config
from tests.conftest import EXAMPLE_CONFIG


def audit_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict]:
    code = main(["audit", "--config", str(EXAMPLE_CONFIG), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def edit_stack(synth: Path, stack: str, edit) -> None:  # type: ignore[no-untyped-def]
    path = synth / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    edit(doc["resource"])
    path.write_text(json.dumps(doc, indent=2))


def test_the_shipped_example_passes(example_synth_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = audit_json(capsys, "--synth-dir", str(example_synth_dir))
    assert code == 0
    assert report["findings"] == [] and report["summary"]["unwaived"] == 0 and not report["summary"]["failed"]


def test_data_scientists_writing_in_prod_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = example_data()
    data["environments"]["prod"]["access"]["data_scientists"] = "writer"
    config = write_config(tmp_path / "platform.yaml", data)
    out = tmp_path / "cdktf.out"
    assert main(["synth", "--config", str(config), "--out", str(out)]) == 0
    capsys.readouterr()
    code = main(["audit", "--config", str(config), "--synth-dir", str(out), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 1
    found = {(f["rule_id"], f["environment"]) for f in report["findings"]}
    assert found == {("LS-UC-001", "prod")}
    resources = {f["resource"] for f in report["findings"]}
    assert {"databricks_grants.grants_catalog", "databricks_grants.grants_schema_ml"} <= resources
    assert all("retail-data-scientists" in f["message"] for f in report["findings"])


@pytest.fixture
def example_copy(example_synth_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(example_synth_dir, tmp_path / "cdktf.out"))


def test_a_missing_read_only_binding_fails(example_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(example_copy, "prod", lambda r: r["databricks_workspace_binding"].pop("binding_read_only_dev"))
    code, report = audit_json(capsys, "--synth-dir", str(example_copy))
    assert code == 1
    [finding] = report["findings"]
    assert (finding["rule_id"], finding["environment"]) == ("LS-UC-006", "prod")
    assert "read-only binding to the workspace of 'dev'" in finding["message"]


def test_an_open_prod_catalog_fails(example_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit_stack(example_copy, "prod", lambda r: r["databricks_catalog"]["catalog"].update(isolation_mode="OPEN"))
    code, report = audit_json(capsys, "--synth-dir", str(example_copy))
    assert code == 1
    assert [(f["rule_id"], f["resource"]) for f in report["findings"]] == [("LS-UC-005", "databricks_catalog.catalog")]


def test_staging_created_workspace_binding_resolves_across_stacks(example_copy: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    """staging's own binding names the workspace of the staging-account stack by a cross-stack reference."""
    edit_stack(example_copy, "staging",
               lambda r: r["databricks_workspace_binding"]["binding_read_write_staging"].update(workspace_id=3003))
    code, report = audit_json(capsys, "--synth-dir", str(example_copy))
    assert code == 1
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "LS-UC-006"]
    assert any("bound read-write to the workspace of 'prod'" in m for m in messages)
    assert any("not bound read-write to its own workspace (staging)" in m for m in messages)
