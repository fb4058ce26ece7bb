"""Risks of a first apply the review flags: a table created with CREATE OR REPLACE, a provider version change."""

from __future__ import annotations

from review.run import review_of
from tests.review.conftest import stack_doc, write_synth
from tests.review.plan_fixtures import plan, resource_change, write_plan

SCHEMA = {"schema_inference": {"catalog_name": "${databricks_catalog.catalog.name}", "name": "inference"}}


def table_doc(catalog: str, **top: object) -> dict:
    return stack_doc({
        "databricks_catalog": {"catalog": {"name": catalog}},
        "databricks_schema": SCHEMA,
        "databricks_sql_table": {"predictions": {
            "catalog_name": "${databricks_schema.schema_inference.catalog_name}",
            "schema_name": "${databricks_schema.schema_inference.name}", "name": "predictions",
            "table_type": "MANAGED"}},
    }, **top)


def risks(review, category: str) -> list:
    return [r for r in review.risks if r.category == category]


def test_a_table_created_in_a_governed_environment_may_replace_an_unmanaged_one(tmp_path, example_config):
    head = write_synth(tmp_path / "head", {"prod": table_doc("retail_prod"), "staging": table_doc("retail_staging"),
                                           "dev": table_doc("retail_dev")})
    review = review_of(example_config, base_dir=write_synth(tmp_path / "base", {}), head_dir=head, audit=False)
    found = risks(review, "table replaced")
    assert [(r.environment, r.level) for r in found] == [("prod", "medium"), ("staging", "medium")]
    assert "creates table retail_prod.inference.predictions with CREATE OR REPLACE TABLE" in found[0].message
    assert "replaces an unmanaged table of that name" in found[0].message


def test_an_imported_table_is_no_such_risk(tmp_path, example_config):
    imported = table_doc("retail_prod", **{"import": [{"to": "databricks_sql_table.predictions",
                                                       "id": "retail_prod.inference.predictions"}]})
    head = write_synth(tmp_path / "head", {"prod": imported})
    review = review_of(example_config, base_dir=write_synth(tmp_path / "base", {}), head_dir=head, audit=False)
    assert risks(review, "table replaced") == []


def provider_doc(version: str) -> dict:
    return stack_doc({"databricks_catalog": {"catalog": {"name": "retail_prod"}}}, terraform={
        "required_providers": {"databricks": {"source": "databricks/databricks", "version": version}}})


def test_a_provider_version_change_shows_in_the_review(tmp_path, example_config):
    base = write_synth(tmp_path / "base", {"prod": provider_doc("1.99.0")})
    head = write_synth(tmp_path / "head", {"prod": provider_doc("1.138.0")})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    [risk] = risks(review, "provider")
    assert (risk.environment, risk.address, risk.level) == ("prod", "provider.databricks", "medium")
    assert "databricks/databricks version 1.99.0 -> 1.138.0" in risk.message
    [change] = [c for c in review.changes if c.address == "provider.databricks"]
    assert (change.kind, change.before["version"], change.after["version"]) == ("update", "1.99.0", "1.138.0")


def test_the_same_provider_version_is_no_change(tmp_path, example_config):
    base = write_synth(tmp_path / "base", {"prod": provider_doc("1.99.0")})
    head = write_synth(tmp_path / "head", {"prod": provider_doc("1.99.0")})
    review = review_of(example_config, base_dir=base, head_dir=head, audit=False)
    assert risks(review, "provider") == [] and all(c.kind == "no-op" for c in review.changes)


def test_the_provider_change_stays_when_the_stack_is_reviewed_from_its_plan(tmp_path, example_config):
    """A plan does not carry the provider version: the synth pair still reports it."""
    base = write_synth(tmp_path / "base", {"prod": provider_doc("1.99.0")})
    head = write_synth(tmp_path / "head", {"prod": provider_doc("1.138.0")})
    path = write_plan(tmp_path / "prod.json", plan(resource_change(
        "databricks_catalog.catalog", ["no-op"], {"name": "retail_prod"}, {"name": "retail_prod"})))
    review = review_of(example_config, base_dir=base, head_dir=head, plans=[path], audit=False)
    assert [r.address for r in risks(review, "provider")] == ["provider.databricks"]
