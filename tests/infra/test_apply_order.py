"""A first `cdktf deploy` that works and loses nothing: apply order, who applies what, lifecycle.

Read from the synthesized JSON of the shipped example: same-stack objects are reached through
`${...}` references or `depends_on`, account-level objects live only in `<env>-account`, bindings
and monitors carry the lifecycle that keeps destroys and replacements safe.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess

import pytest

from infra.config.model import ALERT_DELAY_MINUTES, shifted_quartz
from infra.synth import synth
from policies.rules.stack_boundaries import ACCOUNT_LEVEL_TYPES
from tests.configs import config_from_data, example_data
from tests.synth_json import load_stacks, ref, resources

ENVS = ("dev", "staging", "prod")
GOVERNED = ("staging", "prod")
REFERENCE = re.compile(r"^(\$\{[^}]+\}\.?)+$")  # one or more `${...}` joined by dots, nothing literal


@pytest.fixture(scope="module")
def stacks(example_synth_dir):
    return load_stacks(example_synth_dir)


def is_reference(value: object) -> bool:
    return isinstance(value, str) and bool(REFERENCE.match(value))


@pytest.mark.parametrize("env", ENVS)
def test_a_deployer_stack_holds_no_account_level_object(stacks, env):
    doc = stacks[env]
    assert not set(ACCOUNT_LEVEL_TYPES) & set(doc.get("resource", {}))
    assert not set(ACCOUNT_LEVEL_TYPES) & set(doc.get("data", {}))
    assert all("account_id" not in p and "alias" not in p for p in doc["provider"]["databricks"])


@pytest.mark.parametrize("env", ENVS)
def test_the_account_stack_holds_only_account_level_objects_through_the_account_provider(stacks, env):
    doc = stacks[f"{env}-account"]
    assert set(doc["resource"]) <= set(ACCOUNT_LEVEL_TYPES)
    [provider] = doc["provider"]["databricks"]
    assert provider == {"alias": "account", "host": "https://accounts.cloud.databricks.com",
                        "account_id": "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"}
    for section in ("resource", "data"):
        for bodies in doc.get(section, {}).values():
            assert {body["provider"] for body in bodies.values()} == {"databricks.account"}


def test_the_account_stack_is_applied_first(example_synth_dir):
    manifest = json.loads((example_synth_dir / "manifest.json").read_text())
    # A deploy-model source also reads the receiving deployer's id from that environment's account stack.
    receiving = {"dev": ["staging-account"], "staging": ["prod-account"], "prod": []}
    for env in ENVS:
        assert manifest["stacks"][env]["dependencies"] == [f"{env}-account", *receiving[env]]
        assert manifest["stacks"][f"{env}-account"]["dependencies"] == []


@pytest.mark.parametrize("env", ENVS)
def test_the_deployer_stack_reads_the_deployer_from_the_account_stack(stacks, env):
    (catalog,) = resources(stacks[env], "databricks_catalog").values()
    assert re.match(rf"^\$\{{data\.terraform_remote_state\.cross-stack-reference-input-{env}-account\.outputs\.",
                    catalog["owner"])
    assert stacks[f"{env}-account"]["output"]["deployer_application_id"]["value"] == ref(
        "databricks_service_principal", "deployer", "application_id")


@pytest.mark.parametrize("env", ENVS)
def test_objects_inside_the_catalog_reach_it_through_references(stacks, env):
    stack = stacks[env]
    for schema in resources(stack, "databricks_schema").values():
        assert schema["catalog_name"] == ref("databricks_catalog", "catalog", "name")
    for model in resources(stack, "databricks_registered_model").values():
        assert model["catalog_name"] == ref("databricks_schema", "schema_ml", "catalog_name")
        assert model["schema_name"] == ref("databricks_schema", "schema_ml", "name")
    for name, grants in resources(stack, "databricks_grants").items():
        securable = next(grants[k] for k in ("catalog", "schema", "model") if k in grants)
        assert is_reference(securable), name


@pytest.mark.parametrize("env", GOVERNED)
def test_endpoints_tables_and_monitors_reach_their_schemas_and_tables_through_references(stacks, env):
    stack = stacks[env]
    for endpoint in resources(stack, "databricks_model_serving").values():
        table = endpoint["ai_gateway"]["inference_table_config"]
        assert table["catalog_name"] == ref("databricks_schema", "schema_inference", "catalog_name")
        assert table["schema_name"] == ref("databricks_schema", "schema_inference", "name")
        [model_tag] = [t["value"] for t in endpoint["tags"] if t["key"] == "model"]
        assert is_reference(model_tag)
    for name, table in resources(stack, "databricks_sql_table").items():
        assert is_reference(table["catalog_name"]) and is_reference(table["schema_name"]), name
    for name, monitor in resources(stack, "databricks_quality_monitor").items():
        assert is_reference(monitor["table_name"]), name
        assert monitor["output_schema_name"] == (f"{ref('databricks_schema', 'schema_monitoring', 'catalog_name')}."
                                                 f"{ref('databricks_schema', 'schema_monitoring', 'name')}")
        [table] = set(re.findall(r"\$\{databricks_sql_table\.([^.]+)\.", monitor["table_name"]))
        # a bare traversal: Terraform JSON refuses `${...}` in replace_triggered_by
        assert monitor["lifecycle"]["replace_triggered_by"] == [f"databricks_sql_table.{table}.id"], name
    for name, alert in resources(stack, "databricks_alert_v2").items():
        assert alert["depends_on"] == [f"databricks_quality_monitor.{name.replace('drift_alert_', 'monitor_')}"]


@pytest.mark.parametrize("env", GOVERNED)
def test_the_owning_workspace_binding_goes_after_everything_that_needs_it(stacks, env):
    stack = stacks[env]
    own = f"databricks_workspace_binding.binding_read_write_{env}"
    for name, schema in resources(stack, "databricks_schema").items():
        assert schema["depends_on"] == [own], name
    assert resources(stack, "databricks_grants")["grants_catalog"]["depends_on"] == [own]


def test_dev_schemas_wait_for_no_binding(stacks):
    assert all("depends_on" not in s for s in resources(stacks["dev"], "databricks_schema").values())


@pytest.mark.parametrize(("env", "protected"), [("staging", False), ("prod", True)])
def test_prod_bindings_cannot_be_destroyed(stacks, env, protected):
    for name, binding in resources(stacks[env], "databricks_workspace_binding").items():
        assert binding.get("lifecycle", {}).get("prevent_destroy", False) is protected, name


@pytest.mark.parametrize("env", ENVS)
def test_catalog_storage_root_comes_from_the_environment(stacks, env):
    assert resources(stacks[env], "databricks_catalog")["catalog"]["storage_root"] == f"s3://acme-retail-ml-uc/{env}"


def test_without_storage_root_the_catalog_uses_the_metastore_storage(tmp_path):
    data = example_data()
    del data["environments"]["dev"]["storage_root"]
    synth(config_from_data(tmp_path, data), tmp_path / "out")
    assert "storage_root" not in resources(load_stacks(tmp_path / "out")["dev"], "databricks_catalog")["catalog"]


@pytest.mark.parametrize(("schedule", "shifted"), [
    ("0 0 6 * * ?", "0 0 7 * * ?"),
    ("0 30 23 * * ?", "0 30 0 * * ?"),  # past midnight on a daily schedule
    ("15 45 2 ? * MON", "15 45 3 ? * MON"),
])
def test_the_alert_runs_an_hour_after_the_refresh(schedule, shifted):
    assert ALERT_DELAY_MINUTES == 60
    assert shifted_quartz(schedule, ALERT_DELAY_MINUTES) == shifted


@pytest.mark.parametrize(("schedule", "message"), [
    ("0 */15 * * * ?", "no fixed minute and hour"),
    ("0 30 23 ? * MON", "crosses midnight"),
])
def test_a_schedule_the_alert_cannot_follow_is_refused(schedule, message):
    with pytest.raises(ValueError, match=message):
        shifted_quartz(schedule, ALERT_DELAY_MINUTES)


def stand_in(address: str) -> str:
    """`type.name[.attr]` -> the address of its `terraform_data` stand-in (`terraform_data.type__name[.attr]`)."""
    rtype, name, *rest = address.split(".")
    return ".".join([f"terraform_data.{rtype}__{name}", *rest])


def meta_arguments_only(doc: dict) -> dict:
    """The stack with each resource replaced by a `terraform_data` carrying its `depends_on` and `lifecycle`
    ordering arguments, pointed at the stand-ins: what Terraform itself parses, without the provider."""
    bodies = {}
    for rtype, named in doc["resource"].items():
        for name, body in named.items():
            lifecycle = body.get("lifecycle", {})
            stand = {"input": name}
            if "depends_on" in body:
                stand["depends_on"] = [stand_in(a) for a in body["depends_on"]]
            kept = {k: v for k, v in lifecycle.items() if k in ("prevent_destroy", "replace_triggered_by")}
            if "replace_triggered_by" in kept:
                kept["replace_triggered_by"] = [stand_in(a) for a in kept["replace_triggered_by"]]
            if kept:
                stand["lifecycle"] = kept
            bodies[f"{rtype}__{name}"] = stand
    return {"resource": {"terraform_data": bodies}}


@pytest.mark.parametrize("env", GOVERNED)
def test_terraform_accepts_the_ordering_and_lifecycle_arguments(stacks, env, tmp_path):
    """The real `terraform validate` on the stack's `depends_on` and `lifecycle` as written (a `${...}` in
    `replace_triggered_by`, for one, is refused by Terraform JSON)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        pytest.skip("terraform binary not installed")
    (tmp_path / "main.tf.json").write_text(json.dumps(meta_arguments_only(stacks[env])))
    env_vars = {k: v for k, v in os.environ.items() if k != "TF_CLI_CONFIG_FILE"}
    env_vars.update(CHECKPOINT_DISABLE="1", TF_IN_AUTOMATION="1")
    for args in (["init", "-input=false", "-backend=false"], ["validate"]):
        done = subprocess.run([terraform, *args, "-no-color"], cwd=tmp_path, env=env_vars, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
