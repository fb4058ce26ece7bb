"""Names and shapes two layers must agree on, checked between the synthesized stacks and the code that uses them.

The stacks declare endpoints, tables, monitors and alerts; the jobs, the task code, bootstrap and the
policies find them again by name. Each test reads one side from the synth and the other from the
code that runs later, so a rename on one side only fails here instead of in a workspace.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import sqlglot
from sqlglot import exp

from infra.config import PlatformConfig
from lifecycle.monitoring import monitor, sql
from tests.synth_json import load_resolved_stacks, resources


@pytest.fixture(scope="module")
def stacks(example_synth_dir):
    return load_resolved_stacks(example_synth_dir)


def full_name(table: dict) -> str:
    return f"{table['catalog_name']}.{table['schema_name']}.{table['name']}"


def lakehouse_monitoring_table(monitor_resource: dict, kind: str) -> str:
    """How Lakehouse Monitoring names a monitor's outputs: `<output_schema>.<table short name>_<kind>_metrics`."""
    return f"{monitor_resource['output_schema_name']}.{monitor_resource['table_name'].split('.')[-1]}_{kind}_metrics"


def table_names(tree: exp.Expression) -> set[str]:
    """Three-level table names (CTE references have none)."""
    return {".".join((t.catalog, t.db, t.name)) for t in tree.find_all(exp.Table) if t.catalog}


def read_tables(statement: str) -> set[str]:
    return table_names(sqlglot.parse_one(statement, read="databricks"))


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_alert_and_drift_check_read_the_tables_the_declared_monitor_writes(example_config: PlatformConfig, stacks,
                                                                         env_name: str) -> None:
    env, stack = example_config.env(env_name), stacks[env_name]
    for model in env.monitored_models:
        declared = resources(stack, "databricks_quality_monitor")[f"monitor_{model.name}"]
        drift, profile = (lakehouse_monitoring_table(declared, kind) for kind in ("drift", "profile"))
        assert (env.drift_metrics_table(model), env.profile_metrics_table(model)) == (drift, profile)
        alert = resources(stack, "databricks_alert_v2")[f"drift_alert_{model.name}"]
        assert read_tables(alert["query_text"]) == {drift, profile}
        assert read_tables(sql.decision_query_sql(env, model)) == {drift, profile}


class RefreshRecorder:
    """Stands in for `WorkspaceClient.quality_monitors`: records which table a refresh was asked for."""

    def __init__(self) -> None:
        self.tables: list[str] = []

    def run_refresh(self, table_name: str) -> SimpleNamespace:
        self.tables.append(table_name)
        return SimpleNamespace(refresh_id=len(self.tables))


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_monitor_watches_the_declared_table_that_the_job_fills_and_refreshes(example_config: PlatformConfig, stacks,
                                                                            env_name: str) -> None:
    env, stack = example_config.env(env_name), stacks[env_name]
    for model in env.monitored_models:
        table = full_name(resources(stack, "databricks_sql_table")[f"predictions_{model.name}"])
        declared = resources(stack, "databricks_quality_monitor")[f"monitor_{model.name}"]
        assert declared["table_name"] == table
        refreshed = RefreshRecorder()
        monitor.refresh_monitor(SimpleNamespace(quality_monitors=refreshed), env, model)
        assert refreshed.tables == [table]
        insert = sqlglot.parse_one(sql.payload_unpack_sql(env, model), read="databricks")
        assert table_names(insert.this) == {table}  # the INSERT target


@pytest.mark.parametrize("env_name", ["staging", "prod"])
def test_job_reads_the_payload_table_the_ai_gateway_writes(example_config: PlatformConfig, stacks,
                                                          env_name: str) -> None:
    """The AI Gateway writes `<catalog>.<schema>.<table_name_prefix>_payload` for the declared endpoint."""
    env, stack = example_config.env(env_name), stacks[env_name]
    for model in env.monitored_models:
        endpoint = resources(stack, "databricks_model_serving")[f"serving_{model.name}"]
        assert endpoint["name"] == env.endpoint_name(model)
        gateway = endpoint["ai_gateway"]["inference_table_config"]
        payload = f"{gateway['catalog_name']}.{gateway['schema_name']}.{gateway['table_name_prefix']}_payload"
        assert env.payload_table(model) == payload
        assert payload in read_tables(sql.payload_unpack_sql(env, model))


def test_a_table_the_job_creates_carries_the_declared_properties(example_config: PlatformConfig, stacks) -> None:
    env = example_config.env("prod")
    for model in env.monitored_models:
        table = resources(stacks["prod"], "databricks_sql_table")[f"predictions_{model.name}"]
        create = sqlglot.parse_one(sql.create_processed_sql(env, model), read="databricks")
        created = {p.name: p.text("value") for p in create.find_all(exp.Property) if type(p) is exp.Property}
        assert table["properties"] and created == table["properties"]
        formats = [p.text("this") for p in create.find_all(exp.FileFormatProperty)]
        assert formats == [table["data_source_format"]] == ["DELTA"]


def test_feature_monitor_watches_the_declared_table_on_the_jobs_clock(tmp_path) -> None:
    from infra.synth import synth
    from tests.configs import config_from_data, example_data

    data = example_data()
    data["environments"]["prod"]["jobs"]["timezone"] = "Europe/Berlin"
    config = config_from_data(tmp_path, data)
    synth(config, tmp_path / "out")
    prod = load_resolved_stacks(tmp_path / "out")["prod"]
    env = config.env("prod")
    for table in config.feature_tables:
        declared = full_name(resources(prod, "databricks_sql_table")[f"feature_table_{table.name}"])
        monitor_resource = resources(prod, "databricks_quality_monitor")[f"feature_monitor_{table.name}"]
        assert monitor_resource["table_name"] == declared == env.feature_table(table)
        assert monitor_resource["schedule"] == [{"quartz_cron_expression": env.config.jobs.monitoring_schedule,
                                                 "timezone_id": "Europe/Berlin"}]


def test_monitor_dashboards_have_a_folder_each_under_the_project(example_config: PlatformConfig, stacks) -> None:
    folders = [m["assets_dir"] for name in ("staging", "prod")
               for m in resources(stacks[name], "databricks_quality_monitor").values()]
    assert len(folders) == len(set(folders))
    assert all(folder.startswith(f"/Shared/{example_config.project}/") for folder in folders)


@pytest.mark.parametrize("env_name, stack", [("dev", "dev-account"), ("staging", "staging-account"),
                                             ("prod", "prod-account")])
def test_bootstrap_finds_the_deployer_terraform_creates(example_config: PlatformConfig, stacks, env_name: str,
                                                        stack: str) -> None:
    """Jobs run as the service principal bootstrap looks up by `env.deployer_name`."""
    [principal] = resources(stacks[stack], "databricks_service_principal").values()
    assert principal["display_name"] == example_config.env(env_name).deployer_name
