"""The synth adapter: references resolved to literals where Terraform knows them, kept as references where not."""

from __future__ import annotations

from pathlib import Path

from policies.adapters.synth import read_synth
from policies.model import Inventory, Reference, Unresolved
from tests.policies.fixtures import write_synth


def inventories(tmp_path: Path, stacks: dict) -> dict[str, Inventory]:
    return {i.environment: i for i in read_synth(write_synth(tmp_path, stacks))}


def test_references_resolve_to_literals_and_derived_ids(tmp_path: Path) -> None:
    comment = "schema ${databricks_schema.ml.name} of ${databricks_catalog.catalog.name}"
    prod = inventories(tmp_path, {"prod": {"resource": {
        "databricks_catalog": {"catalog": {"name": "retail_prod"}},
        "databricks_schema": {"ml": {"catalog_name": "${databricks_catalog.catalog.name}", "name": "ml"}},
        "databricks_grants": {"g": {"schema": "${databricks_schema.ml.id}",
                                    "comment": comment}},
    }}})["prod"]
    grants = next(prod.of_type("databricks_grants"))
    assert grants.get("schema") == "retail_prod.ml"
    assert grants.get("comment") == "schema ml of retail_prod"


def test_computed_values_stay_unresolved_with_their_reference(tmp_path: Path) -> None:
    dev = inventories(tmp_path, {"dev": {"resource": {
        "databricks_service_principal": {"deployer": {"display_name": "d"}},
        "databricks_catalog": {"c": {"owner": "${databricks_service_principal.deployer.application_id}",
                                     "comment": "owned by ${databricks_service_principal.deployer.application_id}"}},
    }}})["dev"]
    catalog = next(dev.of_type("databricks_catalog"))
    owner = catalog.get("owner")
    assert isinstance(owner, Unresolved)
    assert owner.single == Reference("dev", "databricks_service_principal.deployer", "application_id")
    assert dev.target(owner) is next(dev.of_type("databricks_service_principal"))
    assert isinstance(catalog.get("comment"), Unresolved) and catalog.get("comment").single is not None


def test_cross_stack_references_follow_the_producing_stack(tmp_path: Path) -> None:
    remote = "${data.terraform_remote_state.cross-stack-reference-input-staging-account.outputs.out_sp}"
    staging = inventories(tmp_path, {
        "staging-account": {"resource": {"databricks_service_principal": {"deployer": {"display_name": "d"}}},
                            "output": {"out_sp": {"value": "${databricks_service_principal.deployer.application_id}"}}},
        "staging": {"resource": {"databricks_catalog": {"c": {"owner": remote}}}},
    })["staging"]
    owner = next(staging.of_type("databricks_catalog")).get("owner")
    assert owner.single == Reference("staging-account", "databricks_service_principal.deployer", "application_id")
    assert staging.target(owner).get("display_name") == "d"


def test_cycles_and_unknown_targets_do_not_loop(tmp_path: Path) -> None:
    dev = inventories(tmp_path, {"dev": {"resource": {"databricks_schema": {
        "a": {"name": "${databricks_schema.b.name}"}, "b": {"name": "${databricks_schema.a.name}"},
        "c": {"name": "${databricks_schema.missing.name}", "comment": "${upper(var.x)}"}}}}})["dev"]
    names = {r.name: r.get("name") for r in dev.of_type("databricks_schema")}
    assert all(isinstance(v, Unresolved) for v in names.values())
    assert isinstance(next(r for r in dev.of_type("databricks_schema") if r.name == "c").get("comment"), Unresolved)


def test_lifecycle_and_provider_are_kept_apart_from_attributes(tmp_path: Path) -> None:
    prod = inventories(tmp_path, {"prod": {"resource": {"databricks_catalog": {"c": {
        "name": "x", "lifecycle": {"prevent_destroy": True}, "provider": "databricks.account"}}}}})["prod"]
    catalog = next(prod.of_type("databricks_catalog"))
    assert catalog.lifecycle == {"prevent_destroy": True} and catalog.provider == "databricks.account"
    assert set(catalog.attributes) == {"name"}


def test_a_text_met_inside_a_cycle_still_resolves_once_its_resource_is_done(tmp_path: Path) -> None:
    """Texts are resolved once per stack; one whose target was still being resolved is not remembered."""
    dev = inventories(tmp_path, {"dev": {"resource": {"databricks_schema": {
        "a": {"name": "a", "comment": "${databricks_schema.b.comment}"},
        "b": {"name": "b", "comment": "${databricks_schema.a.name}"},
        "c": {"name": "c", "comment": "${databricks_schema.a.name}"}}}}})["dev"]
    comments = {r.name: r.get("comment") for r in dev.of_type("databricks_schema")}
    assert isinstance(comments["a"], Unresolved) and isinstance(comments["b"], Unresolved)
    assert comments["c"] == "a"


def test_edges_come_from_values_keys_and_unresolved_metadata(tmp_path: Path) -> None:
    dev = inventories(tmp_path, {"dev": {"resource": {
        "databricks_catalog": {"c": {"name": "c"}},
        "databricks_schema": {"s": {"name": "s"}, "t": {"name": "t"}},
        "databricks_job": {"j": {
            "name": "job", "tags": {"${databricks_catalog.c.name}": "x"},
            "count": "${databricks_schema.s.id}", "lifecycle": {"ignore": "${databricks_schema.t.id}"},
            "depends_on": ["databricks_schema.t"]}},
    }}})["dev"]
    job = next(dev.of_type("databricks_job"))
    assert job.edges == ("databricks_schema.t", "databricks_catalog.c", "databricks_schema.s")
    assert set(job.attributes) == {"name", "tags"}


def test_the_parts_found_while_resolving_are_those_a_walk_of_the_attributes_finds(tmp_path: Path) -> None:
    """Rules read every string from what the resolver met; it must be what is in the resolved attributes."""
    from policies.model import Parts

    remote = "${data.terraform_remote_state.cross-stack-reference-input-staging-account.outputs.tags}"
    staging = inventories(tmp_path, {
        "staging-account": {"resource": {"databricks_service_principal": {"deployer": {"display_name": "d"}}},
                            "output": {"tags": {"value": {"owner": "${databricks_service_principal.deployer.id}",
                                                          "team": ["ml", {"x": "y"}]}}}},
        "staging": {"resource": {
            "databricks_catalog": {"c": {"name": "cat"}},
            "databricks_job": {"j": {"name": "job ${databricks_catalog.c.name}", "tags": remote, "n": 3,
                                     "task": [{"k": ["a", "${databricks_catalog.c.name}"], "none": None}]}}}},
    })["staging"]
    job = next(staging.of_type("databricks_job"))
    walked = Parts()
    walked.add(job.attributes)
    assert sorted(job.strings) == sorted(walked.strings) and "cat" in job.strings and "y" in job.strings
    assert sorted(map(str, job.unresolved)) == sorted(map(str, walked.unresolved)) and job.unresolved
    assert sorted(map(id, job.objects)) == sorted(map(id, walked.objects))


def test_blocks_without_a_reference_are_shared_with_the_parsed_synth_which_stays_as_read(tmp_path: Path) -> None:
    """Only the containers on the way to a reference are copied; resolving never writes into the parsed synth."""
    import copy

    from lakestack.terraform_json import parsed_synth_stacks

    folder = write_synth(tmp_path, {"dev": {"resource": {
        "databricks_catalog": {"c": {"name": "cat"}},
        "databricks_sql_table": {"t": {"name": "t", "catalog_name": "${databricks_catalog.c.name}",
                                       "column": [{"name": "a", "type": "STRING"}],
                                       "options": {"k": ["${databricks_catalog.c.name}", "plain"]}}}}}})
    parsed = parsed_synth_stacks(folder)
    before = copy.deepcopy(parsed)
    [dev] = read_synth(folder)
    table = next(dev.of_type("databricks_sql_table"))
    body = parsed["dev"]["resource"]["databricks_sql_table"]["t"]
    assert table.get("column") is body["column"]
    assert table.get("options") == {"k": ["cat", "plain"]} and table.get("options") is not body["options"]
    assert parsed == before
