"""`lakestack synth --out`: never deletes a folder it did not write; parallel synth writes what serial synth writes."""

from __future__ import annotations

import json
import pickle
import sys

import pytest

from infra.synth import (
    MANIFEST,
    MARKER,
    PARALLEL_MIN_MODELS,
    WORKER,
    default_jobs,
    in_processes,
    is_synth_output,
    run_worker,
    synth,
)
from lakestack.cli import main
from tests.configs import EXAMPLE, config_from_data, example_data


class ExitsInWorker:
    """Unpickled by a worker, it ends that process with `10 + sys.flags.optimize` before any synth, saying nothing."""

    def __reduce__(self):
        return eval, ("__import__('os')._exit(10 + __import__('sys').flags.optimize)",)


def tree(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def run_synth(out, capsys):
    code = main(["synth", "--config", str(EXAMPLE), "--out", str(out)])
    return code, capsys.readouterr().err


def test_refuses_the_current_folder(tmp_path, monkeypatch, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    monkeypatch.chdir(tmp_path)
    code, err = run_synth(".", capsys)
    assert code == 2
    assert "not a synth output" in err and "nothing was written or deleted" in err
    assert len(err.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_refuses_a_folder_with_user_files_even_beside_a_manifest(tmp_path, capsys):
    out = tmp_path / "out"
    (out / "stacks").mkdir(parents=True)
    (out / MANIFEST).write_text('{"stacks": {}}')
    (out / "main.tf").write_text("# hand-written")
    before = tree(out)
    code, err = run_synth(out, capsys)
    assert code == 2 and "not a synth output" in err
    assert tree(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no staging folder left behind"


def test_refuses_a_file(tmp_path, capsys):
    out = tmp_path / "out"
    out.write_text("not a folder")
    code, err = run_synth(out, capsys)
    assert code == 2 and "not a folder" in err
    assert out.read_text() == "not a folder"


def test_replaces_its_own_output_and_an_empty_folder(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    assert run_synth(out, capsys)[0] == 0
    assert is_synth_output(out) and (out / MARKER).is_file()
    (out / "stacks" / "gone").mkdir()  # a stack removed from the config disappears with the old output
    assert run_synth(out, capsys)[0] == 0
    assert not (out / "stacks" / "gone").exists()


def test_replaces_a_bare_cdktf_output(tmp_path, capsys):
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "dev").mkdir(parents=True)
    (out / MANIFEST).write_text('{"stacks": {"dev": {}}, "version": "0.21.0"}')
    assert is_synth_output(out)
    assert run_synth(out, capsys)[0] == 0
    assert (out / MARKER).is_file()


@pytest.mark.parametrize("kind", ["file", "folder"])
def test_stale_old_output_beside_it_is_left_alone(tmp_path, capsys, kind):
    out = tmp_path / "cdktf.out"
    assert run_synth(out, capsys)[0] == 0
    stale = tmp_path / ".cdktf.out.old"
    if kind == "file":
        stale.write_text("stale")
    else:
        (stale / "keep").mkdir(parents=True)
        (stale / "keep" / "user.txt").write_text("mine")
    leftover = tmp_path / ".cdktf.out.x1y2.staging"
    leftover.mkdir()
    before = tree(tmp_path / ".cdktf.out.old") if kind == "folder" else stale.read_bytes()
    assert run_synth(out, capsys)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([".cdktf.out.old", ".cdktf.out.x1y2.staging",
                                                                  "cdktf.out"])
    assert (tree(stale) if kind == "folder" else stale.read_bytes()) == before


def test_unwritable_parent_is_one_line(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder would have to be")
    code, err = run_synth(blocker / "out", capsys)
    assert code == 2 and "synth output" in err and "cannot" in err
    assert len(err.strip().splitlines()) == 1


def test_workers_run_without_runtime_type_checks_and_a_silent_exit_is_reported(tmp_path):
    """A worker runs under `python -O` (jsii's typeguard checks off); one that ends without a report says how."""
    assert WORKER[0] == sys.executable
    config_file = tmp_path / "config.pickle"
    config_file.write_bytes(pickle.dumps(ExitsInWorker()))
    failure = run_worker(config_file, "dev", tmp_path / "part")
    assert isinstance(failure, RuntimeError)
    assert str(failure) == "the synth process of environment dev exited with 11 without saying why"


def test_a_workers_failure_is_raised_as_its_own_with_the_workers_traceback(tmp_path):
    failure = run_worker(tmp_path / "missing.pickle", "prod", tmp_path / "part")
    assert isinstance(failure, FileNotFoundError)
    assert "missing.pickle" in str(failure)
    assert "in the synth process of one environment:\nTraceback" in failure.__notes__[0]


def test_default_jobs_are_the_cores():
    assert [default_jobs(cores) for cores in (1, 2, 8)] == [1, 2, 8]


def test_large_platforms_synthesize_per_environment_and_jobs_one_still_does():
    large, small = PARALLEL_MIN_MODELS, PARALLEL_MIN_MODELS - 1
    assert in_processes(large, cores=2, jobs=None) and in_processes(large, cores=2, jobs=1)
    assert in_processes(large, cores=1, jobs=1)  # asked for: one environment's objects at a time
    assert not in_processes(large, cores=1, jobs=None) and not in_processes(small, cores=8, jobs=2)


def test_jobs_one_synthesizes_environment_by_environment_to_the_same_bytes(tmp_path, example_config):
    synth(example_config, tmp_path / "serial", parallel=False)
    synth(example_config, tmp_path / "one-at-a-time", parallel=True, jobs=1)
    assert tree(tmp_path / "one-at-a-time") == tree(tmp_path / "serial")


def test_an_environment_synthesizes_alone_to_the_same_json(tmp_path, example_config):
    """Each environment's stacks reference no other environment's stack objects, so a process that builds one
    environment (as parallel synth does) writes what the whole app writes for it: here dev, a deploy-model source
    whose grants name staging's deployer, read from staging's account stack outputs."""
    from infra.app import build_app

    build_app(example_config, outdir=str(tmp_path / "all")).synth()
    build_app(example_config, outdir=str(tmp_path / "dev"), environments=["dev"]).synth()
    for stack in ("dev", "dev-account"):
        alone = (tmp_path / "dev" / "stacks" / stack / "cdk.tf.json").read_bytes()
        assert alone == (tmp_path / "all" / "stacks" / stack / "cdk.tf.json").read_bytes()
    dev = json.loads((tmp_path / "dev" / "stacks" / "dev" / "cdk.tf.json").read_text())
    states = dev["data"]["terraform_remote_state"]
    assert set(states) == {"cross-stack-reference-input-dev-account", "cross-stack-reference-input-staging-account"}
    grants = json.dumps(dev["resource"]["databricks_grants"]["grants_model_inventory_demand"])
    assert "cross-stack-reference-input-staging-account.outputs.deployer_application_id" in grants


def test_parallel_synth_writes_the_same_bytes_as_serial(tmp_path, example_config):
    serial, parallel = tmp_path / "serial", tmp_path / "parallel"
    synth(example_config, serial, parallel=False)
    synth(example_config, parallel, parallel=True)
    assert tree(parallel) == tree(serial)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["parallel", "serial"]


def test_parallel_synth_with_a_shared_account_stack(tmp_path):
    data = example_data()
    data["environments"]["prod"]["read_only_from"] = ["dev", "staging"]
    config = config_from_data(tmp_path, data)
    synth(config, tmp_path / "serial", parallel=False)
    synth(config, tmp_path / "parallel", parallel=True)
    assert tree(tmp_path / "parallel") == tree(tmp_path / "serial")


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_jobs_that_are_not_a_positive_count_are_refused_with_exit_2(jobs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["synth", "--config", str(EXAMPLE), "--out", str(tmp_path / "out"), "--jobs", jobs])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "not a positive number of processes; for example --jobs 1" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
