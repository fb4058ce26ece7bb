"""Synth pairs (base vs head) become the change model, highlights and risks."""

from __future__ import annotations

import pytest

from review.changes import ResourceChange
from review.highlights import HIGH
from review.run import review_of
from review.synth_diff import UNPROTECTED_NOTE, changes_from_synth
from tests.review.conftest import binding, catalog, grants, registered_model, stack_doc, write_synth

READER = ["USE_CATALOG", "USE_SCHEMA", "SELECT"]


def prod_doc(**overrides):
    resources = {
        "databricks_catalog": {"catalog": catalog("retail_prod")},
        "databricks_registered_model": {"model_recommender": registered_model("retail_prod", "recommender"),
                                        "model_pricing": registered_model("retail_prod", "pricing")},
        "databricks_grants": {"grants_catalog": grants("catalog", "${databricks_catalog.catalog.name}",
                                                       {"retail-data-scientists": READER})},
        "databricks_workspace_binding": {"binding_read_write_prod": binding(3003, "BINDING_TYPE_READ_WRITE"),
                                         "binding_read_only_dev": binding(1001, "BINDING_TYPE_READ_ONLY")},
    }
    for path, value in overrides.items():
        rtype, name = path.split("__")
        if value is None:
            resources[rtype].pop(name)
        else:
            resources.setdefault(rtype, {})[name] = value
    return stack_doc(resources)


def by_address(changes: list[ResourceChange]) -> dict[str, ResourceChange]:
    return {c.address: c for c in changes}


def pair(tmp_path, base, head):
    return write_synth(tmp_path / "base", base), write_synth(tmp_path / "head", head)


def test_identical_synth_is_all_no_op(tmp_path):
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": prod_doc()})
    changes = changes_from_synth(base, head)
    assert {c.kind for c in changes} == {"no-op"}
    assert len(changes) == 6


def test_model_added_is_a_create_with_its_attributes(tmp_path):
    head_doc = prod_doc(databricks_registered_model__model_churn=registered_model("retail_prod", "churn"))
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": head_doc})
    change = by_address(changes_from_synth(base, head))["databricks_registered_model.model_churn"]
    assert change.kind == "create"
    assert change.after == {"catalog_name": "retail_prod", "schema_name": "ml", "name": "churn"}
    assert change.environment == "prod"


def test_prod_model_removed_is_a_high_data_loss_risk_noting_lost_protection(tmp_path, example_config):
    head_doc = prod_doc(databricks_registered_model__model_pricing=None)
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": head_doc})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    [removed] = review.destructive
    assert (removed.address, removed.kind) == ("databricks_registered_model.model_pricing", "delete")
    assert removed.action_reason == "delete_because_no_resource_config"
    assert removed.notes == (UNPROTECTED_NOTE,)
    [risk] = review.risks
    assert (risk.level, risk.category, risk.environment) == (HIGH, "data loss", "prod")
    assert review.level == HIGH


def test_grant_changed_gives_additions_and_removals_per_principal(tmp_path, example_config):
    head_grants = grants("catalog", "${databricks_catalog.catalog.name}", {
        "retail-data-scientists": ["USE_CATALOG", "USE_SCHEMA", "MODIFY", "CREATE_TABLE"],
        "retail-apps": ["USE_CATALOG"],
    })
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": prod_doc(databricks_grants__grants_catalog=head_grants)})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    [grant] = review.grants
    assert grant.kind == "update"
    assert grant.securable == "catalog retail_prod"  # the reference to the catalog's name is resolved
    assert grant.added == {"retail-apps": ("USE_CATALOG",), "retail-data-scientists": ("CREATE_TABLE", "MODIFY")}
    assert grant.removed == {"retail-data-scientists": ("SELECT",)}
    assert grant.escalations == {"retail-data-scientists": ("CREATE_TABLE", "MODIFY")}
    categories = sorted((r.category, r.level) for r in review.risks)
    assert categories == [("access removed", "medium"), ("grant escalation", "high")]


def test_dev_writers_are_shown_but_not_a_risk(tmp_path, example_config):
    writer = grants("catalog", "retail_dev", {"retail-data-scientists": ["USE_CATALOG", "MODIFY"]})
    head = write_synth(tmp_path / "head", {"dev": stack_doc({"databricks_grants": {"grants_catalog": writer}})})
    review = review_of(example_config, head_dir=head, audit=False)
    assert [g.escalations for g in review.grants] == [{"retail-data-scientists": ("MODIFY",)}]
    assert review.risks == ()


def test_binding_removed_is_listed_and_risky(tmp_path, example_config):
    base, head = pair(tmp_path, {"prod": prod_doc()},
                      {"prod": prod_doc(databricks_workspace_binding__binding_read_only_dev=None)})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    [bound] = review.bindings
    assert (bound.kind, bound.workspace_id, bound.securable) == ("delete", "1001", "catalog retail_prod")
    assert (bound.binding_before, bound.binding_after) == ("BINDING_TYPE_READ_ONLY", None)
    assert [(r.category, r.level) for r in review.risks] == [("binding", HIGH)]


def test_forces_new_attribute_is_a_replacement_with_its_path(tmp_path):
    head_doc = prod_doc(databricks_catalog__catalog=catalog("retail_prod", storage_root="s3://bucket/prod"))
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": head_doc})
    moved = by_address(changes_from_synth(base, head))["databricks_catalog.catalog"]
    assert moved.kind == "replace"
    assert moved.replace_paths == (("storage_root",),)
    assert moved.action_reason == "replace_because_cannot_update"


def test_catalog_rename_is_an_update_in_place_and_its_dependants_are_replaced(tmp_path):
    """The provider renames a catalog in place; grants naming it are replaced, bindings follow it in place."""
    head_doc = prod_doc(databricks_catalog__catalog=catalog("retail_prod_v2"))
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": head_doc})
    changes = by_address(changes_from_synth(base, head))
    assert changes["databricks_catalog.catalog"].kind == "update"
    # Resources referring to the catalog's name follow it.
    assert changes["databricks_grants.grants_catalog"].kind == "replace"
    assert changes["databricks_workspace_binding.binding_read_only_dev"].kind == "update"


# (type, base attributes, head attributes, kind the provider plans): ForceNew flags of provider 1.99.
PROVIDER_ACTIONS = [
    ("databricks_sql_table", {"name": "t", "catalog_name": "c", "schema_name": "s"},
     {"name": "t2", "catalog_name": "c", "schema_name": "s"}, "update"),
    ("databricks_sql_table", {"name": "t", "catalog_name": "c", "schema_name": "s"},
     {"name": "t", "catalog_name": "c", "schema_name": "s2"}, "replace"),
    ("databricks_sql_table", {"name": "t", "partitions": ["a"]}, {"name": "t", "partitions": ["b"]}, "replace"),
    ("databricks_sql_table", {"name": "t", "storage_location": "s3://a"}, {"name": "t", "storage_location": "s3://b"},
     "update"),
    ("databricks_quality_monitor", {"table_name": "c.s.a", "assets_dir": "/x"},
     {"table_name": "c.s.b", "assets_dir": "/x"}, "update"),
    ("databricks_mws_permission_assignment", {"workspace_id": 1, "principal_id": 2, "permissions": ["USER"]},
     {"workspace_id": 1, "principal_id": 2, "permissions": ["ADMIN"]}, "replace"),
    ("databricks_schema", {"catalog_name": "a", "name": "ml"}, {"catalog_name": "b", "name": "ml"}, "replace"),
    ("databricks_registered_model", {"catalog_name": "a", "schema_name": "ml", "name": "m"},
     {"catalog_name": "a", "schema_name": "ml", "name": "m2"}, "replace"),
    ("databricks_model_serving", {"name": "ep"}, {"name": "ep2"}, "replace"),
]


@pytest.mark.parametrize("rtype, before, after, kind", PROVIDER_ACTIONS,
                         ids=[f"{t}-{k}-{i}" for i, (t, _, _, k) in enumerate(PROVIDER_ACTIONS)])
def test_replacements_follow_the_providers_force_new_attributes(tmp_path, rtype, before, after, kind):
    base, head = pair(tmp_path, {"prod": stack_doc({rtype: {"r": before}})}, {"prod": stack_doc({rtype: {"r": after}})})
    assert by_address(changes_from_synth(base, head))[f"{rtype}.r"].kind == kind


def test_in_place_attribute_is_an_update(tmp_path):
    head_doc = prod_doc(databricks_catalog__catalog=catalog("retail_prod", comment="now documented"))
    base, head = pair(tmp_path, {"prod": prod_doc()}, {"prod": head_doc})
    change = by_address(changes_from_synth(base, head))["databricks_catalog.catalog"]
    assert (change.kind, change.replace_paths) == ("update", ())


def test_ignored_and_meta_attributes_do_not_count_as_changes(tmp_path):
    def endpoint(served, protected):
        return {"name": "ep", "config": {"served_entities": served},
                "lifecycle": {"ignore_changes": ["config"], "prevent_destroy": protected}}

    base_doc = stack_doc({"databricks_model_serving": {"serving_m": endpoint(["v1"], False)}})
    head_doc = stack_doc({"databricks_model_serving": {"serving_m": endpoint(["v2"], True)}})
    base, head = pair(tmp_path, {"prod": base_doc}, {"prod": head_doc})
    [change] = changes_from_synth(base, head)
    assert change.kind == "no-op"


def test_moved_and_import_blocks(tmp_path):
    base_doc = prod_doc()
    head_doc = prod_doc(databricks_registered_model__model_pricing=None,
                        databricks_registered_model__model_price=registered_model("retail_prod", "pricing"),
                        databricks_catalog__legacy=catalog("legacy"))
    head_doc["moved"] = [{"from": "databricks_registered_model.model_pricing",
                          "to": "databricks_registered_model.model_price"}]
    head_doc["import"] = [{"to": "databricks_catalog.legacy", "id": "legacy"}]
    base, head = pair(tmp_path, {"prod": base_doc}, {"prod": head_doc})
    changes = by_address(changes_from_synth(base, head))
    moved = changes["databricks_registered_model.model_price"]
    assert (moved.kind, moved.moved, moved.previous_address) == ("no-op", True,
                                                                 "databricks_registered_model.model_pricing")
    assert "databricks_registered_model.model_pricing" not in changes
    imported = changes["databricks_catalog.legacy"]
    assert (imported.kind, imported.importing_id, imported.matrix_kinds()) == ("no-op", "legacy", ["no-op", "import"])


def test_empty_base_makes_everything_a_create(example_synth_dir, empty_base, example_config):
    review = review_of(example_config, base_dir=empty_base, head_dir=example_synth_dir, audit=False)
    assert {c.kind for c in review.changes} == {"create"}
    assert {s.stack for s in review.stacks} == {"dev", "dev-account", "staging", "staging-account", "prod",
                                                "prod-account"}
    assert review.destructive == []
    assert all(s.counts["create"] == s.changed for s in review.stacks)


def test_removed_stack_deletes_everything_in_it(tmp_path, example_config):
    base, head = pair(tmp_path, {"prod": prod_doc(), "dev": prod_doc()}, {"prod": prod_doc()})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    dev = next(s for s in review.stacks if s.stack == "dev")
    assert dev.counts["delete"] == 6
    assert review.stacks[0].stack == "prod"  # riskiest tier first


def test_a_provider_version_change_between_base_and_head_is_a_change_of_its_own(tmp_path, example_config):
    def with_provider(version):
        doc = prod_doc()
        doc["terraform"] = {"required_providers": {"databricks": {"source": "databricks/databricks",
                                                                  "version": version}}}
        return doc

    base, head = pair(tmp_path, {"prod": with_provider("1.99.0")}, {"prod": with_provider("1.138.0")})
    change = by_address(changes_from_synth(base, head))["provider.databricks"]
    assert change.kind == "update"
    assert (change.before["version"], change.after["version"]) == ("1.99.0", "1.138.0")
    same = pair(tmp_path / "same", {"prod": with_provider("1.99.0")}, {"prod": with_provider("1.99.0")})
    assert "provider.databricks" not in by_address(changes_from_synth(*same))
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    assert any(c.address == "provider.databricks" for c in review.changes)


def test_an_unchanged_resource_is_a_no_op_with_its_secrets_masked_on_both_sides(tmp_path):
    """Unchanged bodies skip the comparison, never the masking."""
    secret = {"scope": "ci", "key": "k", "string_value": "s3cr3t", "comment": "of ${databricks_catalog.catalog.name}"}
    doc = prod_doc(databricks_secret__ci=secret)
    base, head = pair(tmp_path, {"prod": doc}, {"prod": doc})
    change = by_address(changes_from_synth(base, head))["databricks_secret.ci"]
    assert change.kind == "no-op"
    assert change.before == change.after == {"scope": "ci", "key": "k", "string_value": "(sensitive)",
                                             "comment": "of retail_prod"}
