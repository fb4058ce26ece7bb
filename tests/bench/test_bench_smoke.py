"""The benchmark script end to end on the smallest platform: it runs and writes a well-formed results file.

No timing is asserted: the numbers depend on the machine. What is checked is that every row is
accounted for and that the record names the machine it came from.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "run.py"


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    return done, out


@pytest.fixture(scope="module")
def results(smoke_run) -> dict:
    done, out = smoke_run
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((out / "results.json").read_text())


def test_prints_the_table_and_the_targets(smoke_run, results):
    printed = smoke_run[0].stdout
    assert "lakestack synth" in printed
    assert "targets:" in printed
    for target in results["targets"]:
        assert f"{target['status']:<10} {target['name']}" in printed


def test_results_name_the_machine_and_the_run(results):
    machine = results["machine"]
    assert machine["cores"] >= 1 and machine["memory_bytes"] > 0
    assert machine["cpu_model"] and machine["python"].count(".") == 2
    assert results["date"] == machine["date"]
    assert results["runs_per_command"] == 1 and results["sizes"] == ["example", "1"]
    assert machine["load_average_1m_before"] >= 0 and machine["load_average_1m"] >= 0


def test_synth_row_is_measured_with_what_it_produced(smoke_run, results):
    synth = next(r for r in results["rows"] if r["command"] == "lakestack synth" and r["size"] == "1")
    assert synth["status"] == "ok", synth["note"]
    assert synth["models"] == 1 and len(synth["runs"]) == 1
    assert synth["runs"][0]["exit_code"] == 0 and synth["median_seconds"] > 0 and synth["median_cpu_seconds"] > 0
    assert synth["peak_bytes"] > 10 * 1024 * 1024, "python and the jsii runtime hold tens of MB at least"
    stacks = sorted((smoke_run[1] / "1" / "synth-base").glob("stacks/*/cdk.tf.json"))
    assert synth["findings"]["stacks"] == len(stacks) == 6  # <env>-account and <env> per environment
    assert synth["output_bytes"] >= sum(p.stat().st_size for p in stacks)


def test_every_lakestack_row_is_accounted_for_and_comparisons_are_left_out(results):
    rows = {r["command"]: r for r in results["rows"] if r["size"] == "1"}
    assert set(rows) == {"lakestack synth", "lakestack audit", "lakestack audit, config not cached",
                         "lakestack review", "floor: load synth JSON", "floor: load base+head JSON"}
    for row in rows.values():
        assert row["status"] in ("ok", "skipped"), row
        assert (row["status"] == "skipped") == bool(row["note"])
        if row["status"] == "ok":
            assert row["output_bytes"] > 0 and row["findings"]


def test_targets_without_their_sizes_are_unmeasured_not_passed(results):
    statuses = {t["name"]: t["status"] for t in results["targets"]}
    assert len(statuses) == 7
    assert statuses.pop("shipped example synth CPU") in ("PASS", "MISS")
    assert all(status == "UNMEASURED" for status in statuses.values()), statuses


def test_bad_sizes_are_refused_with_exit_code_2(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--sizes", "ten", "--out", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert "size 'ten' is neither a model count" in done.stderr
    assert not (tmp_path / "results.json").exists()
