"""The benchmark's parts: generated platforms, process measurement, reading each tool's output, the targets."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bench.commands import (
    FLOOR_AUDIT,
    FLOOR_REVIEW,
    Case,
    audit_findings,
    checkov_findings,
    review_findings,
    same_stacks,
    synth_summary,
)
from bench.configs import CHANGED_GRANT, EXAMPLE, EXAMPLE_SIZE, example_data, write_pair
from bench.measure import Run, run_measured
from bench.report import describe_findings, ratios, results_document, summary
from bench.runner import RowResult, skip_reason
from bench.targets import evaluate
from bench.toolchain import Toolchain
from infra.config import load_config

MB = 1024 * 1024


# Generated platforms -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def pair_of_ten(tmp_path_factory):
    return write_pair(tmp_path_factory.mktemp("configs"), "10")


def test_a_generated_platform_is_valid_and_has_the_asked_number_of_served_monitored_models(pair_of_ten):
    config = load_config(pair_of_ten.base)
    assert pair_of_ten.models == len(config.models) == 10
    assert len({m.name for m in config.models}) == 10
    assert list(config.environments) == ["dev", "staging", "prod"]
    for env in ("staging", "prod"):
        assert len(config.env(env).served_models) == len(config.env(env).monitored_models) == 10


def test_clones_get_their_own_features_and_slice_on_them(pair_of_ten):
    config = load_config(pair_of_ten.base)
    features = [f.name for m in config.models for f in m.features]
    assert len(features) == len(set(features)), "every clone has features of its own"
    recommender = next(m for m in config.models if m.name == "product_recommender_001")
    assert recommender.monitor.slicing_exprs == ["category_affinity_001 > 0.5"]
    assert "category_affinity_001" in {f.name for f in recommender.features}


def test_the_pull_request_adds_one_model_and_changes_one_grant(pair_of_ten):
    base, head = load_config(pair_of_ten.base), load_config(pair_of_ten.head)
    assert [m.name for m in head.models[:-1]] == [m.name for m in base.models]
    assert head.models[-1].name not in {m.name for m in base.models}
    env, role, access = CHANGED_GRANT
    assert base.environments[env].access[role] != access == head.environments[env].access[role]
    assert base.model_copy(update={"models": head.models, "environments": head.environments}) == head


def test_the_example_size_is_the_shipped_platform(tmp_path):
    pair = write_pair(tmp_path, EXAMPLE_SIZE)
    assert load_config(pair.base).model_dump() == load_config(EXAMPLE).model_dump()
    assert pair.models == len(example_data()["models"])


# Process measurement -------------------------------------------------------------------------------------------

def _measure(tmp_path: Path, code: str, timeout: float = 60) -> Run:
    return run_measured([sys.executable, "-c", code], cwd=tmp_path, env={}, stdout=tmp_path / "out",
                        stderr=tmp_path / "err", timeout=timeout)


def test_peak_memory_counts_the_child_processes_of_the_command(tmp_path):
    """Like python + the jsii runtime: the memory of a helper process is part of the command's cost."""
    child = "import time; b = bytearray(150 * 1024 * 1024); time.sleep(0.5)"
    run = _measure(tmp_path, f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])")
    assert run.exit_code == 0
    assert run.peak_bytes >= 150 * MB


def test_exit_code_and_output_are_kept(tmp_path):
    run = _measure(tmp_path, "import sys; print('{}'); sys.exit(3)")
    assert run.exit_code == 3 and not run.timed_out
    assert (tmp_path / "out").read_text() == "{}\n"


def test_a_command_past_its_timeout_is_killed_with_its_children(tmp_path):
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', 'import time; time.sleep(60)'])"
    run = _measure(tmp_path, code, timeout=0.5)
    assert run.timed_out and run.exit_code != 0


# Reading what each tool found ----------------------------------------------------------------------------------

def _case(tmp_path: Path) -> Case:
    return Case(write_pair(tmp_path, "1"), tmp_path)


def _stdout(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "stdout.json"
    path.write_text(json.dumps(doc))
    return path


def test_checkov_summary_alone_means_no_check_applied(tmp_path):
    found = checkov_findings(_case(tmp_path), _stdout(tmp_path, {"passed": 0, "failed": 0, "resource_count": 0}))
    assert found == {"passed_checks": 0, "failed_checks": 0, "resources_checked": 0}


def test_checkov_results_are_counted_per_check_and_per_resource(tmp_path):
    report = {
        "summary": {"passed": 2, "failed": 1},
        "results": {
            "passed_checks": [{"file_path": "/a", "resource": "aws_s3_bucket.b"},
                              {"file_path": "/a", "resource": "aws_s3_bucket.b"}],
            "failed_checks": [{"file_path": "/a", "resource": "aws_s3_bucket.c"}],
        },
    }
    found = checkov_findings(_case(tmp_path), _stdout(tmp_path, [report]))
    assert found == {"passed_checks": 2, "failed_checks": 1, "resources_checked": 2}


def test_audit_findings_are_counted_by_severity(tmp_path):
    doc = {"findings": [{"severity": "HIGH"}, {"severity": "high"}, {"severity": "low"}]}
    assert audit_findings(_case(tmp_path), _stdout(tmp_path, doc)) == {
        "findings": 3, "by_severity": {"high": 2, "low": 1},
    }


def test_review_json_is_summarised(tmp_path):
    doc = {"risk_level": "high", "changes": [{}, {}], "risks": [{}], "grants": [{}],
           "audit": {"findings": [{}, {}, {}]}}
    assert review_findings(_case(tmp_path), _stdout(tmp_path, doc)) == {
        "risk_level": "high", "changes": 2, "risks": 1, "grant_changes": 1, "audit_findings_on_head": 3,
    }


def test_output_that_is_not_json_is_reported_not_raised(tmp_path):
    path = tmp_path / "stdout.json"
    path.write_text("Traceback ...")
    for read in (audit_findings, review_findings, checkov_findings):
        assert "unreadable" in read(_case(tmp_path), path)


def test_synth_summary_counts_stacks_and_resources(tmp_path):
    for stack, resources in (("dev", {"a_t": {"x": {}, "y": {}}}), ("prod", {"a_t": {"z": {}}, "b_t": {"w": {}}})):
        _write_stack(tmp_path, stack, {"resource": resources})
    assert synth_summary(tmp_path) == {"stacks": 2, "resources": 4}


def _write_stack(folder: Path, stack: str, doc: dict) -> None:
    (folder / "stacks" / stack).mkdir(parents=True, exist_ok=True)
    (folder / "stacks" / stack / "cdk.tf.json").write_text(json.dumps(doc, indent=2))


def test_synths_are_the_same_when_every_stack_parses_to_the_same_json(tmp_path):
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    _write_stack(ours, "dev", {"resource": {"a_t": {"x": {"n": 1}}}})
    _write_stack(theirs, "dev", {"resource": {"a_t": {"x": {"n": 1}}}})
    (theirs / "manifest.json").write_text("{}")
    assert same_stacks(ours, theirs)
    _write_stack(theirs, "prod", {})
    assert not same_stacks(ours, theirs), "an extra stack"
    _write_stack(ours, "prod", {"resource": {}})
    assert not same_stacks(ours, theirs), "a different stack"


# Rows that cannot run ------------------------------------------------------------------------------------------

def test_the_floor_loads_every_stack_of_its_folders(tmp_path):
    from bench.commands import ROWS

    case = _case(tmp_path)
    _write_stack(case.synth_base, "dev", {"resource": {}})
    _write_stack(case.synth_head, "dev", {"resource": {}})
    rows = {row.name: row for row in ROWS}
    tools = Toolchain(lakestack=["lakestack"])
    for name, folders in ((FLOOR_AUDIT, 1), (FLOOR_REVIEW, 2)):
        argv = rows[name].argv(tools, case)
        assert len(argv) == 3 + folders
        run = run_measured(argv, cwd=tmp_path, env={}, stdout=tmp_path / "o", stderr=tmp_path / "e", timeout=60)
        assert run.exit_code == 0 and run.cpu_seconds > 0


def test_the_uncached_audit_is_the_same_audit_with_the_cache_off(tmp_path):
    from bench.commands import AUDIT_UNCACHED, ROWS
    from lakestack.cache import CACHE_ENV, OFF

    case = _case(tmp_path)
    rows = {row.name: row for row in ROWS}
    tools = Toolchain(lakestack=["lakestack"])
    assert rows[AUDIT_UNCACHED].argv(tools, case) == rows["lakestack audit"].argv(tools, case)
    assert rows[AUDIT_UNCACHED].env(case) == {CACHE_ENV: OFF} and rows["lakestack audit"].env(case) == {}


def test_cpu_seconds_count_the_children_the_command_waited_for(tmp_path):
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass"
    run = _measure(tmp_path, f"import subprocess, sys; subprocess.run([sys.executable, '-c', {spin!r}])")
    assert run.cpu_seconds >= 0.3


def test_rows_are_skipped_with_the_reason(tmp_path):
    from bench.commands import ROWS

    rows = {row.name: row for row in ROWS}
    case = _case(tmp_path)
    tools = Toolchain(lakestack=["lakestack"], subcommands={"synth", "review"},
                      missing={"checkov": "checkov install failed"})
    assert "`lakestack audit` is not available" in skip_reason(rows["lakestack audit"], tools, case)
    assert skip_reason(rows["checkov"], tools, case) == "checkov install failed"
    assert "synth base" in skip_reason(rows["lakestack review"], tools, case)
    (case.synth_base / "stacks").mkdir(parents=True)
    (case.synth_head / "stacks").mkdir(parents=True)
    assert skip_reason(rows["lakestack review"], tools, case) is None
    assert skip_reason(rows["lakestack synth"], tools, case) is None


# Targets, ratios and the record ----------------------------------------------------------------------------------

def _row(size: str, command: str, cpu: float, peak_mb: float = 100, status: str = "ok",
         wall: float | None = None) -> RowResult:
    tool = {"lakestack": "lakestack", "checkov": "checkov", "floor:": "python"}.get(command.split()[0], "cdktf CLI")
    models = 3 if size == EXAMPLE_SIZE else int(size)
    runs = [Run(0, wall if wall is not None else cpu * 1.2, int(peak_mb * MB), cpu_seconds=cpu)] \
        if status == "ok" else []
    return RowResult(size, models, command, tool, status=status, runs=runs)


def _statuses(results: list[RowResult]) -> dict[str, str]:
    targets, _ = evaluate(results)
    return {t.name: t.status for t in targets}


FULL = [
    _row(EXAMPLE_SIZE, "lakestack synth", 1.8), _row(EXAMPLE_SIZE, "lakestack audit", 0.3),
    _row(EXAMPLE_SIZE, "lakestack review", 0.4),
    _row("50", "lakestack synth", 3.5), _row("200", "lakestack synth", 8.0),
    _row("1000", "lakestack synth", 40.0, peak_mb=550, wall=25.0),
    _row("1000", FLOOR_AUDIT, 0.2), _row("1000", FLOOR_REVIEW, 0.35),
    _row("1000", "lakestack audit", 0.9), _row("1000", "lakestack review", 1.6),
    _row("1000", "checkov", 110.0, peak_mb=900),
]


def test_all_targets_pass_within_budget():
    assert set(_statuses(FULL).values()) == {"PASS"}, "checkov's memory is not lakestack's"


def test_each_budget_overrun_is_a_miss():
    over = [
        _row(EXAMPLE_SIZE, "lakestack synth", 2.5), *FULL[1:5],
        _row("1000", "lakestack synth", 40.0, peak_mb=650, wall=31.0),
        _row("1000", FLOOR_AUDIT, 0.2), _row("1000", FLOOR_REVIEW, 0.5),
        _row("1000", "lakestack audit", 1.3), _row("1000", "lakestack review", 1.9),
    ]
    statuses = _statuses(over)
    assert [name for name, status in statuses.items() if status == "PASS"] == [
        "review of 1000 models CPU", "review of 1000 models / floor (load base+head JSON)"]
    assert set(statuses.values()) == {"PASS", "MISS"}


def test_targets_judge_cpu_and_ratios_not_wall_clock_except_large_synth():
    busy = [_row(r.size, r.command, r.median_cpu, wall=r.median_cpu * 10) if r.command != "lakestack synth"
            or r.size != "1000" else r for r in FULL]
    assert set(_statuses(busy).values()) == {"PASS"}, "a busy machine stretches wall clocks, not CPU seconds"


def test_a_ratio_to_the_floor_is_judged_in_the_same_run():
    slow_floor = [r for r in FULL if r.command != FLOOR_AUDIT] + [_row("1000", FLOOR_AUDIT, 0.1)]
    assert _statuses(slow_floor)["audit of 1000 models / floor (load synth JSON)"] == "MISS"


def test_slopes_run_between_consecutive_generated_sizes():
    _, slopes = evaluate(FULL)
    assert [(s.from_models, s.to_models, round(s.ms_per_model, 1)) for s in slopes] == [
        (50, 200, 30.0), (200, 1000, 40.0),
    ]


def test_sizes_not_measured_leave_targets_unmeasured():
    quick = [r for r in FULL if r.size in (EXAMPLE_SIZE, "1")]
    statuses = _statuses(quick)
    assert statuses.pop("shipped example synth CPU") == "PASS"
    assert set(statuses.values()) == {"UNMEASURED"}


def test_ratios_compare_the_other_tool_with_ours_per_size():
    results = [_row("200", "lakestack synth", 8.0), _row("200", "cdktf CLI synth", 12.0),
               _row("200", "lakestack audit", 0.5), _row("200", "checkov", 15.0)]
    assert ratios(results) == [
        {"size": "200", "ratio": "cdktf CLI synth / lakestack synth", "value": 1.5},
        {"size": "200", "ratio": "checkov / lakestack audit", "value": 30.0},
    ]


def test_the_record_and_the_table_carry_every_row():
    targets, slopes = evaluate(FULL)
    doc = results_document(FULL, targets, slopes, machine={"date": "d"}, runs=1, sizes=["example", "1000"])
    assert [r["command"] for r in doc["rows"]] == [r.command for r in FULL]
    assert json.loads(json.dumps(doc)) == doc
    printed = summary(FULL, targets, slopes)
    assert "checkov / lakestack audit = 122.2x" in printed
    assert printed.count("PASS") == len(targets)


def test_the_cdktf_cli_row_says_whether_its_json_matches_ours():
    row = RowResult("1", 1, "cdktf CLI synth", "cdktf CLI", runs=[Run(0, 1.0, MB)],
                    findings={"stacks": 4, "resources": 64, "same_as_lakestack_synth": False})
    assert describe_findings(row) == "4 stacks, 64 resources, DIFFERENT JSON as lakestack synth"


def test_a_skipped_row_reads_as_skipped_with_its_reason():
    row = RowResult("1", 1, "checkov", "checkov", status="skipped", note="not compared (--no-compare)")
    assert describe_findings(row) == "skipped: not compared (--no-compare)"


# The machine ---------------------------------------------------------------------------------------------------

def test_machine_facts_are_read_from_proc_files(tmp_path):
    from bench.machine import cpu_model, memory_bytes

    (tmp_path / "cpuinfo").write_text("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: fpu\n")
    (tmp_path / "meminfo").write_text("MemTotal:       24684092 kB\nMemFree:  1 kB\n")
    assert cpu_model(tmp_path / "cpuinfo") == "AMD EPYC 7B13"
    assert memory_bytes(tmp_path / "meminfo") == 24684092 * 1024
    assert memory_bytes(tmp_path / "missing") is None
