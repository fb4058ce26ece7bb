"""Which environments a change touches: catalog names (also inside lists of blocks) and workspace hosts."""

from __future__ import annotations

from review.changes import ResourceChange, Values
from review.matching import _touched

CATALOGS = {"retail_prod": "prod", "retail_dev": "dev"}
HOSTS = {"https://prod.example": "prod", "https://staging.example": "staging"}


def change(rtype: str, before, after) -> ResourceChange:
    return ResourceChange(stack="dev", environment="dev", address=f"{rtype}.x", type=rtype, actions=("update",),
                          shown=Values(before, after))


def test_catalog_names_hosts_and_list_items_under_their_lists_key() -> None:
    after = {"table_name": ["retail_prod.ml.t"], "config": [{"host": "https://staging.example/"}], "name": "retail_dev"}
    assert _touched(change("databricks_job", None, after), CATALOGS, HOSTS) == {"prod", "staging"}
    assert _touched(change("databricks_catalog", {"name": "retail_dev"}, None), CATALOGS, HOSTS) == {"dev"}


def test_both_sides_are_read_and_one_shared_copy_once() -> None:
    assert _touched(change("databricks_grants", {"catalog": "retail_dev"}, {"catalog": "retail_prod"}),
                    CATALOGS, HOSTS) == {"dev", "prod"}
    same = {"securable_name": "retail_prod"}
    assert _touched(change("databricks_workspace_binding", same, same), CATALOGS, HOSTS) == {"prod"}
