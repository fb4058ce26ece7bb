"""The right workspace or none: host checks, workspace id, credentials, retry policy."""

from __future__ import annotations

import pytest

from infra.config import PlatformConfig
from infra.config.model import WorkspaceConfig
from lakestack.errors import InputError
from lakestack.workspace import check_host, connect, normalise_host, workspace_host
from tests.bootstrap.conftest import Workspace


def test_hosts_compare_without_scheme_case_or_trailing_slash() -> None:
    assert normalise_host("DBC-1.cloud.databricks.com/") == normalise_host("https://dbc-1.cloud.databricks.com")
    assert normalise_host("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert normalise_host("https://a.cloud.databricks.com") != normalise_host("https://b.cloud.databricks.com")


def test_databricks_host_naming_another_workspace_is_refused(example_config: PlatformConfig) -> None:
    prod = example_config.env("prod")
    with pytest.raises(InputError) as caught:
        check_host(prod, {"DATABRICKS_HOST": "https://dbc-retail-dev.cloud.databricks.com"})
    assert ("DATABRICKS_HOST is https://dbc-retail-dev.cloud.databricks.com but environment 'prod' is in "
            "https://dbc-retail-prod.cloud.databricks.com") in caught.value.render()
    assert check_host(prod, {"DATABRICKS_HOST": "dbc-retail-prod.cloud.databricks.com/"}) == prod.host
    assert check_host(prod, {}) == prod.host


def test_an_environment_without_a_workspace_host_is_bad_input(example_config: PlatformConfig) -> None:
    staging = example_config.environments["staging"]
    hostless = staging.model_copy(update={"workspace": WorkspaceConfig.model_construct(host=None, create=None)})
    config = example_config.model_copy(update={"environments": {**example_config.environments, "staging": hostless}})
    with pytest.raises(InputError, match="environment 'staging' has no workspace host"):
        workspace_host(config.env("staging"))


def test_missing_credentials_are_bad_input_with_the_ways_to_give_them(
        workspace: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABRICKS_TOKEN")
    with pytest.raises(InputError) as caught:
        connect(workspace.env())
    assert f"no Databricks credentials for {workspace.server.url}" in caught.value.render()
    assert "DATABRICKS_TOKEN" in caught.value.render()


def test_the_workspace_id_the_host_reports_must_match_the_config(workspace: Workspace) -> None:
    workspace.state.workspace_id = "2002"
    assert connect(workspace.env("staging")).client.config.host == workspace.server.url
    with pytest.raises(InputError, match="reports workspace id 2002, but environment 'prod' declares workspace_id"):
        connect(workspace.env("prod"))
