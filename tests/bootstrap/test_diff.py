"""Declared vs live comparison: server defaults are not drift, edits are, named items match by key."""

from __future__ import annotations

from bootstrap.diff import ABSENT, FieldChange, field_changes

DECLARED = {
    "name": "job",
    "schedule": {"quartz_cron_expression": "0 0 3 ? * MON", "pause_status": "UNPAUSED"},
    "tasks": [
        {"task_key": "train", "spark_python_task": {"parameters": ["--data-fraction", "0.1"]}},
        {"task_key": "deploy", "depends_on": [{"task_key": "train"}]},
    ],
}


def live(**changes) -> dict:
    """The declared job as the server returns it: defaults added, tasks in another order."""
    document = {
        "name": "job", "format": "MULTI_TASK", "timeout_seconds": 0,
        "schedule": {"quartz_cron_expression": "0 0 3 ? * MON", "pause_status": "UNPAUSED"},
        "tasks": [
            {"task_key": "deploy", "depends_on": [{"task_key": "train"}], "run_if": "ALL_SUCCESS"},
            {"task_key": "train", "spark_python_task": {"parameters": ["--data-fraction", "0.1"]},
             "timeout_seconds": 0, "email_notifications": {}},
        ],
    }
    document.update(changes)
    return document


def test_server_defaults_and_task_order_are_not_drift() -> None:
    assert field_changes(DECLARED, live()) == []


def test_a_changed_nested_value_is_reported_with_its_path() -> None:
    edited = live(schedule={"quartz_cron_expression": "0 0 9 * * ?", "pause_status": "UNPAUSED"})
    assert field_changes(DECLARED, edited) == [
        FieldChange("schedule.quartz_cron_expression", "0 0 9 * * ?", "0 0 3 ? * MON")]


def test_task_parameters_compare_by_task_key_and_as_whole_lists() -> None:
    document = live()
    document["tasks"][1]["spark_python_task"]["parameters"] = ["--data-fraction", "1"]
    assert field_changes(DECLARED, document) == [
        FieldChange("tasks[train].spark_python_task.parameters", ["--data-fraction", "1"], ["--data-fraction", "0.1"])]


def test_added_and_removed_tasks_are_drift() -> None:
    document = live()
    extra = {"task_key": "notebook", "notebook_task": {"notebook_path": "/x"}}
    document["tasks"] = [document["tasks"][1], extra]
    assert field_changes(DECLARED, document) == [
        FieldChange("tasks[deploy]", ABSENT, DECLARED["tasks"][1]),
        FieldChange("tasks[notebook]", extra, ABSENT),
    ]


def test_a_field_missing_on_the_live_side_is_drift() -> None:
    document = live()
    del document["schedule"]
    assert field_changes(DECLARED, document) == [FieldChange("schedule", ABSENT, DECLARED["schedule"])]
