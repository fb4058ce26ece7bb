"""Audit and review stay near the cost of reading their JSON: each synth parsed once, no quadratic lookups."""

from __future__ import annotations

import gc
import shutil

import lakestack.terraform_json as terraform_json
from lakestack.cli import main
from policies.rules.monitoring import names_in
from tests.configs import EXAMPLE


def test_alert_queries_are_indexed_by_the_names_they_mention():
    watched = names_in(["SELECT max(x) FROM `cat`.`monitoring`.`m_drift_metrics` WHERE a = 1",
                        "SELECT 1 FROM cat.monitoring.other_drift_metrics_old"])
    assert "cat.monitoring.m_drift_metrics" in watched
    assert "cat.monitoring.other_drift_metrics" not in watched, "a longer name is not the table"


def test_the_name_index_is_every_run_of_name_characters_whatever_the_text():
    """Lines read once, and ASCII text split rather than searched: the same names as the pattern finds."""
    from policies.rules.monitoring import SQL_NAME

    texts = ["SELECT a.b,`c`.`d`\tFROM x.y_z\x1cw\r\nWHERE k=`` AND q IN ('1', \"2\")",
             "SELECT a.b,`c`.`d`\tFROM x.y_z\nJOIN café.tablé ON 1", "", "-- ``\f\u2028tail.name"]
    for batch in ([texts[0]], texts, texts[2:]):
        assert names_in(batch) == {m.replace("`", "") for text in batch for m in SQL_NAME.findall(text)}


def test_review_parses_each_synth_once(tmp_path, example_synth_dir, monkeypatch, capsys):
    head = tmp_path / "head"
    shutil.copytree(example_synth_dir, head)
    parsed = []
    real = terraform_json.synth_stacks

    def counting(folder):
        parsed.append(folder)
        return real(folder)

    monkeypatch.setattr(terraform_json, "synth_stacks", counting)
    monkeypatch.setattr(terraform_json, "_PARSED", {})
    code = main(["review", "--config", str(EXAMPLE), "--base", str(example_synth_dir), "--head", str(head),
                 "--format", "json"])
    assert code in (0, 1), capsys.readouterr().err
    assert sorted(map(str, parsed)) == sorted([str(example_synth_dir), str(head)])


def test_a_folder_written_again_is_parsed_again(tmp_path, example_synth_dir):
    folder = tmp_path / "synth"
    shutil.copytree(example_synth_dir, folder)
    first = terraform_json.parsed_synth_stacks(folder)
    assert terraform_json.parsed_synth_stacks(folder) is first
    stack = next((folder / "stacks").glob("*/cdk.tf.json"))
    stack.write_text(stack.read_text().replace("{", "{ ", 1))
    assert terraform_json.parsed_synth_stacks(folder) is not first


def test_audit_pauses_the_collector_only_while_it_runs(example_synth_dir, capsys):
    assert gc.isenabled()
    main(["audit", "--config", str(EXAMPLE), "--synth-dir", str(example_synth_dir), "--format", "json"])
    capsys.readouterr()
    assert gc.isenabled()
