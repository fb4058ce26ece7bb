"""LS-ORDER-001 (same-stack objects through references) and LS-STACK-001 (no account objects in a deployer stack).

Hand-written stacks as Terraform JSON, so each case shows exactly the edge that is there or missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from infra.config import PlatformConfig
from policies.audit import run_audit
from tests.policies.fixtures import ref, write_synth

CATALOG = ref("databricks_catalog", "catalog", "name")
GROUP = "retail-data-scientists"


def dev_stack(**extra: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A dev stack with a catalog and a monitoring schema, plus `extra` resources by type."""
    resource: dict[str, Any] = {
        "databricks_catalog": {"catalog": {"name": "retail_dev", "isolation_mode": "OPEN", "force_destroy": False}},
        "databricks_schema": {"schema_monitoring": {"catalog_name": CATALOG, "name": "monitoring",
                                                    "force_destroy": False}},
    }
    for rtype, bodies in extra.items():
        resource.setdefault(rtype, {}).update(bodies)
    return {"terraform": {"backend": {"local": {"path": "terraform.tfstate"}}}, "resource": resource}


def order_findings(tmp_path: Path, config: PlatformConfig, stacks: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """(rule, resource) of each resource these rules flag (once, however many objects it names)."""
    report = run_audit(config, synth_dir=write_synth(tmp_path / "synth", stacks))
    return sorted({(f.rule_id, f.resource) for f in report.findings if f.rule_id in ("LS-ORDER-001", "LS-STACK-001")})


def table(catalog: str, schema: str, **more: Any) -> dict[str, dict[str, Any]]:
    return {"predictions": {"catalog_name": catalog, "schema_name": schema, "name": "predictions",
                            "table_type": "MANAGED", **more}}


def test_a_literal_schema_name_without_a_dependency_fails(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = dev_stack(databricks_sql_table=table("retail_dev", "monitoring"))
    assert order_findings(tmp_path, example_config, {"dev": stack}) == [
        ("LS-ORDER-001", "databricks_sql_table.predictions")]


@pytest.mark.parametrize("how", ["reference", "depends_on"])
def test_a_reference_or_depends_on_passes(tmp_path: Path, example_config: PlatformConfig, how: str) -> None:
    body = (table(ref("databricks_schema", "schema_monitoring", "catalog_name"),
                  ref("databricks_schema", "schema_monitoring", "name")) if how == "reference"
            else table("retail_dev", "monitoring", depends_on=["databricks_schema.schema_monitoring"]))
    assert order_findings(tmp_path, example_config, {"dev": dev_stack(databricks_sql_table=body)}) == []


def test_a_path_through_another_resource_is_enough(tmp_path: Path, example_config: PlatformConfig) -> None:
    """The monitor names the schema by a literal but depends on the table, which references the schema."""
    stack = dev_stack(
        databricks_sql_table=table(ref("databricks_schema", "schema_monitoring", "catalog_name"),
                                   ref("databricks_schema", "schema_monitoring", "name")),
        databricks_quality_monitor={"monitor": {"table_name": "retail_dev.monitoring.predictions",
                                                "output_schema_name": "retail_dev.monitoring",
                                                "depends_on": ["databricks_sql_table.predictions"]}},
    )
    assert order_findings(tmp_path, example_config, {"dev": stack}) == []


def test_a_literal_table_name_is_found_too(tmp_path: Path, example_config: PlatformConfig) -> None:
    stack = dev_stack(
        databricks_sql_table=table(ref("databricks_schema", "schema_monitoring", "catalog_name"),
                                   ref("databricks_schema", "schema_monitoring", "name")),
        databricks_quality_monitor={"monitor": {
            "table_name": "retail_dev.monitoring.predictions",
            "output_schema_name": "${databricks_schema.schema_monitoring.catalog_name}.monitoring"}},
    )
    assert order_findings(tmp_path, example_config, {"dev": stack}) == [
        ("LS-ORDER-001", "databricks_quality_monitor.monitor")]


def assigned_group_stack(**permissions: Any) -> dict[str, Any]:
    """A workspace-level assignment that makes the group exist in the workspace, and a permission naming it."""
    stack = dev_stack(
        databricks_permission_assignment={"scientists": {
            "principal_id": "${data.databricks_group.scientists.id}", "permissions": ["USER"]}},
        databricks_permissions={"endpoint": {"serving_endpoint_id": "abc", "access_control": [
            {"group_name": GROUP, "permission_level": "CAN_QUERY"}], **permissions}},
    )
    stack["data"] = {"databricks_group": {"scientists": {"display_name": GROUP}}}
    return stack


def test_a_principal_named_before_its_workspace_assignment_fails(tmp_path: Path,
                                                                 example_config: PlatformConfig) -> None:
    assert order_findings(tmp_path, example_config, {"dev": assigned_group_stack()}) == [
        ("LS-ORDER-001", "databricks_permissions.endpoint")]
    stack = assigned_group_stack(depends_on=["databricks_permission_assignment.scientists"])
    assert order_findings(tmp_path / "ok", example_config, {"dev": stack}) == []


def test_names_of_other_stacks_are_not_same_stack_objects(tmp_path: Path, example_config: PlatformConfig) -> None:
    """The account stack assigns the group; the deployer stack's permission on it is ordered by the stack order."""
    account = {"data": {"databricks_group": {"scientists": {"display_name": GROUP}}},
               "resource": {"databricks_mws_permission_assignment": {"scientists": {
                   "workspace_id": 1001, "principal_id": "${data.databricks_group.scientists.id}",
                   "permissions": ["USER"]}}}}
    stack = dev_stack(databricks_permissions={"endpoint": {"serving_endpoint_id": "abc", "access_control": [
        {"group_name": GROUP, "permission_level": "CAN_QUERY"}]}})
    assert order_findings(tmp_path, example_config, {"dev": stack, "dev-account": account}) == []


def test_an_account_level_object_in_a_deployer_stack_fails(tmp_path: Path, example_config: PlatformConfig) -> None:
    principal = {"databricks_service_principal": {"deployer": {"display_name": "retail-ml-dev-deployer"}}}
    assert order_findings(tmp_path, example_config, {"dev": dev_stack(**principal)}) == [
        ("LS-STACK-001", "databricks_service_principal.deployer")]
    assert order_findings(tmp_path / "ok", example_config,
                          {"dev": dev_stack(), "dev-account": {"resource": principal}}) == []


def edit(synth: Path, stack: str, rtype: str, name: str, **values: Any) -> None:
    path = synth / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    doc["resource"][rtype][name].update(values)
    path.write_text(json.dumps(doc))


def test_the_example_passes_and_fails_when_one_reference_becomes_a_literal(
        tmp_path: Path, example_config: PlatformConfig, example_synth_dir: Path) -> None:
    assert run_audit(example_config, synth_dir=example_synth_dir).findings == []
    synth = Path(shutil.copytree(example_synth_dir, tmp_path / "cdktf.out"))
    edit(synth, "prod", "databricks_quality_monitor", "monitor_product_recommender",
         output_schema_name="retail_prod.monitoring",
         table_name="retail_prod.inference.product_recommender_predictions", lifecycle={})
    findings = run_audit(example_config, synth_dir=synth).findings
    assert {(f.rule_id, f.resource) for f in findings} == {
        ("LS-ORDER-001", "databricks_quality_monitor.monitor_product_recommender")}
    messages = " ".join(f.message for f in findings)
    assert "schema 'retail_prod.monitoring'" in messages
    assert "table 'retail_prod.inference.product_recommender_predictions'" in messages


def test_the_synth_adapter_reads_references_and_depends_on_as_edges(tmp_path: Path) -> None:
    from policies.adapters.synth import read_synth

    stack = dev_stack(databricks_sql_table=table(
        ref("databricks_schema", "schema_monitoring", "catalog_name"), "monitoring",
        depends_on=["databricks_catalog.catalog"],
        lifecycle={"replace_triggered_by": ["databricks_schema.schema_monitoring.id"]},
        owner="${data.terraform_remote_state.cross-stack-reference-input-dev-account.outputs.deployer}"))
    [inventory] = read_synth(write_synth(tmp_path / "synth", {"dev": stack}))
    by_address = {r.address: r for r in inventory.resources}
    predictions = by_address["databricks_sql_table.predictions"]
    assert set(predictions.edges) == {"databricks_catalog.catalog", "databricks_schema.schema_monitoring"}
    assert by_address["databricks_schema.schema_monitoring"].edges == ("databricks_catalog.catalog",)
    assert inventory.depends_on(predictions, by_address["databricks_catalog.catalog"])
    assert not inventory.depends_on(by_address["databricks_catalog.catalog"], predictions)


def test_paths_are_found_through_resources_searched_before_and_around_cycles() -> None:
    """A search reuses what an earlier one found; a cycle ends it; a resource added later opens new paths."""
    from policies.model import Inventory, Resource, Source

    def resource(name: str, *edges: str) -> Resource:
        return Resource(address=f"t.{name}", type="t", name=name, stack="dev", environment="dev", attributes={},
                        source=Source("synth"), edges=tuple(f"t.{e}" for e in edges))

    inventory = Inventory("dev", "synth", "synth")
    by_name = {r.name: r for r in (resource("a", "b"), resource("b", "c"), resource("c", "b", "missing"),
                                   resource("d", "b"), resource("e"))}
    inventory.extend(by_name.values())
    assert inventory.reachable(by_name["b"]) == {"t.b", "t.c", "t.missing"}, "itself, through the cycle"
    assert inventory.reachable(by_name["a"]) == {"t.b", "t.c", "t.missing"}
    assert inventory.depends_on(by_name["d"], by_name["c"]) and not inventory.depends_on(by_name["c"], by_name["a"])
    assert not inventory.depends_on(by_name["a"], by_name["e"])
    inventory.add(resource("missing", "e"))
    assert inventory.depends_on(by_name["a"], by_name["e"])
