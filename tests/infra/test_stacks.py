"""The synthesized stacks of the shipped example, bullet by bullet of the foundation issue, per environment."""

from __future__ import annotations

import json
import re

import pytest

from infra.config.roles import privileges
from tests.synth_json import load_resolved_stacks, load_stacks, ref, resources

ENVS = ("dev", "staging", "prod")


@pytest.fixture(scope="module")
def stacks(example_synth_dir):
    return load_stacks(example_synth_dir)


@pytest.fixture(scope="module")
def resolved(example_synth_dir):
    """Same-stack references replaced by the literal values they stand for: what a plan shows."""
    return load_resolved_stacks(example_synth_dir)


def is_deployer(value: str, env: str) -> bool:
    """The deployer's application id, read from the environment's account stack (a cross-stack reference)."""
    pattern = rf"^\$\{{data\.terraform_remote_state\.[^}}]*-input-{env}-account\.[^}}]*application_id\}}$"
    return bool(re.match(pattern, value))


def test_every_environment_has_a_stack_and_an_account_stack(stacks):
    assert sorted(stacks) == ["dev", "dev-account", "prod", "prod-account", "staging", "staging-account"]


@pytest.mark.parametrize("env", ENVS)
def test_catalog_with_three_schemas_owned_by_deployer(stacks, env):
    stack = stacks[env]
    (catalog,) = resources(stack, "databricks_catalog").values()
    assert catalog["name"] == f"retail_{env}"
    assert is_deployer(catalog["owner"], env)
    schemas = resources(stack, "databricks_schema")
    assert sorted(s["name"] for s in schemas.values()) == ["inference", "ml", "monitoring"]
    for schema in schemas.values():
        assert schema["catalog_name"] == ref("databricks_catalog", "catalog", "name")
        assert is_deployer(schema["owner"], env)


@pytest.mark.parametrize(("env", "mode"), [("dev", "OPEN"), ("staging", "ISOLATED"), ("prod", "ISOLATED")])
def test_isolation_mode(stacks, env, mode):
    assert resources(stacks[env], "databricks_catalog")["catalog"]["isolation_mode"] == mode


def bindings(stack):
    return {(b["binding_type"], b["workspace_id"]) for b in resources(stack, "databricks_workspace_binding").values()}


def test_prod_catalog_bound_read_write_to_prod_and_read_only_to_dev(stacks):
    assert bindings(stacks["prod"]) == {("BINDING_TYPE_READ_WRITE", 3003), ("BINDING_TYPE_READ_ONLY", 1001)}
    for binding in resources(stacks["prod"], "databricks_workspace_binding").values():
        assert binding["securable_type"] == "catalog"
        assert binding["securable_name"] == ref("databricks_catalog", "catalog", "name")


def test_staging_binds_its_created_workspace_through_a_cross_stack_reference(stacks):
    found = bindings(stacks["staging"])
    assert {w for t, w in found if t == "BINDING_TYPE_READ_ONLY"} == {1001, 3003}  # read_only_from, deploy-model
    (read_write,) = [w for t, w in found if t == "BINDING_TYPE_READ_WRITE"]
    assert re.match(r"^\$\{data\.terraform_remote_state\..*workspace_id\}$", read_write)
    assert "staging-account" in json.dumps(stacks["staging"]["data"]["terraform_remote_state"])


def test_dev_catalog_has_no_bindings(stacks):
    assert resources(stacks["dev"], "databricks_workspace_binding") == {}


def grants_of(stack, name):
    return {g["principal"]: g["privileges"] for g in resources(stack, "databricks_grants")[name]["grant"]}


def group_grants_of(stack, name):
    """The groups' grants only (a deploy-model source also grants the receiving deployer: test_promotion_grants)."""
    return {p: privs for p, privs in grants_of(stack, name).items() if not p.startswith("${")}


@pytest.mark.parametrize(("env", "role"), [("dev", "writer"), ("staging", "reader"), ("prod", "reader")])
def test_grants_follow_roles_on_catalog_schemas_and_models(resolved, env, role):
    stack = resolved[env]
    expected_groups = {"retail-data-scientists", "retail-ml-engineers"}
    assert group_grants_of(stack, "grants_catalog") == {g: list(privileges(role, "catalog")) for g in expected_groups}
    for schema in ("ml", "inference", "monitoring"):
        grants = resources(stack, "databricks_grants")[f"grants_schema_{schema}"]
        assert grants["schema"] == f"retail_{env}.{schema}"
        assert group_grants_of(stack, f"grants_schema_{schema}") == {
            g: list(privileges(role, "schema")) for g in expected_groups
        }
    for model in ("product_recommender", "price_elasticity", "inventory_demand"):
        grants = resources(stack, "databricks_grants")[f"grants_model_{model}"]
        assert grants["model"] == f"retail_{env}.ml.{model}"
        expected = {g: list(privileges(role, "model")) for g in expected_groups}
        assert group_grants_of(stack, f"grants_model_{model}") == expected


def test_data_scientists_can_only_read_prod(stacks):
    write = {"MODIFY", "CREATE_TABLE", "CREATE_MODEL", "ALL_PRIVILEGES", "MANAGE", "WRITE_VOLUME"}
    for name in resources(stacks["prod"], "databricks_grants"):
        granted = set(grants_of(stacks["prod"], name).get("retail-data-scientists", []))
        assert granted and not granted & write, name


def test_created_workspace_and_metastore_assignment_live_in_the_account_stack(stacks):
    account = stacks["staging-account"]
    (workspace,) = resources(account, "databricks_mws_workspaces").values()
    assert workspace["deployment_name"] == "retail-ml-staging"
    assert workspace["aws_region"] == "us-east-1"
    assert workspace["provider"] == "databricks.account"
    assert "token" not in workspace
    (assignment,) = resources(account, "databricks_metastore_assignment").values()
    assert assignment["metastore_id"] == "5b6c7d8e-9f01-4a2b-8c3d-4e5f6a7b8c9d"
    assert assignment["workspace_id"] == ref("databricks_mws_workspaces", "workspace", "workspace_id")
    deployer_assignment = resources(account, "databricks_mws_permission_assignment")["deployer_workspace_assignment"]
    assert deployer_assignment["depends_on"] == ["databricks_metastore_assignment.metastore_assignment"]
    for stack in ("dev", "prod", "staging", "dev-account", "prod-account"):
        assert resources(stacks[stack], "databricks_mws_workspaces") == {}


HOSTS = {
    "dev": "https://dbc-retail-dev.cloud.databricks.com",
    "prod": "https://dbc-retail-prod.cloud.databricks.com",
}
CREATED_URL = ref("databricks_mws_workspaces", "workspace", "workspace_url")


@pytest.mark.parametrize(("env", "host"), HOSTS.items())
def test_workspace_provider_points_at_the_environment_and_carries_no_credentials(stacks, env, host):
    assert stacks[env]["provider"]["databricks"] == [{"host": host}]


def test_a_created_workspace_is_reached_at_the_url_databricks_reports(stacks):
    """No URL built from the deployment name: the provider reads `workspace_url` from the account stack."""
    [provider] = stacks["staging"]["provider"]["databricks"]
    output = re.match(r"^\$\{data\.terraform_remote_state\.cross-stack-reference-input-staging-account\.outputs\."
                      r"([^}]+)\}$", provider["host"])
    assert output, provider
    assert stacks["staging-account"]["output"][output.group(1)]["value"] == CREATED_URL
    assert stacks["staging-account"]["output"]["workspace_url"]["value"] == CREATED_URL
    assert "retail-ml-staging.cloud.databricks.com" not in json.dumps(stacks["staging"])
    assert "retail-ml-staging.cloud.databricks.com" not in json.dumps(stacks["staging-account"])


AUDIENCE_HOSTS = {**HOSTS, "staging": CREATED_URL}


@pytest.mark.parametrize("env", ENVS)
def test_deployer_identity_with_github_oidc_and_user_assignment(stacks, env):
    doc = stacks[f"{env}-account"]
    (sp,) = resources(doc, "databricks_service_principal").values()
    assert sp["display_name"] == f"retail-ml-{env}-deployer"
    assert sp["provider"] == "databricks.account"
    (policy,) = resources(doc, "databricks_service_principal_federation_policy").values()
    assert policy["oidc_policy"] == {
        "issuer": "https://token.actions.githubusercontent.com",
        "subject": f"repo:acme/retail-ml:environment:{env}",
        "audiences": ["0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9", f"{AUDIENCE_HOSTS[env]}/oidc/v1/token"],
    }
    assert policy["service_principal_id"] == ref("databricks_service_principal", "deployer", "id")
    assignment = resources(doc, "databricks_mws_permission_assignment")["deployer_workspace_assignment"]
    assert assignment["permissions"] == ["USER"]
    assert assignment["principal_id"] == ref("databricks_service_principal", "deployer", "id")
    (member,) = resources(doc, "databricks_group_member").values()
    assert member["member_id"] == ref("databricks_service_principal", "deployer", "id")
    assert doc["data"]["databricks_group"]["group_deployers"]["display_name"] == "retail-ml-deployers"


@pytest.mark.parametrize(("env", "roles"), [
    ("dev", ["data_scientists", "ml_engineers"]),
    ("staging", ["data_scientists", "merchandising_apps", "ml_engineers"]),
    ("prod", ["data_scientists", "merchandising_apps", "ml_engineers"]),
])
def test_groups_the_environment_names_are_assigned_to_its_workspace_as_users(stacks, env, roles):
    """Grants, endpoint permissions and job permissions reach people only through a workspace assignment."""
    doc = stacks[f"{env}-account"]
    groups = {k.removeprefix("workspace_assignment_"): v
              for k, v in resources(doc, "databricks_mws_permission_assignment").items()
              if k.startswith("workspace_assignment_")}
    assert sorted(groups) == roles
    for role, assignment in groups.items():
        assert assignment["principal_id"] == ref("data.databricks_group", f"group_{role}", "id")
        assert assignment["permissions"] == ["USER"]
        assert assignment["provider"] == "databricks.account"
    assert "platform_admins" not in groups  # named in no environment's access, endpoint or jobs
    lookups = doc["data"]["databricks_group"]
    assert {k: v["display_name"] for k, v in lookups.items()}["group_data_scientists"] == "retail-data-scientists"


def test_no_long_lived_credentials_are_declared(stacks):
    forbidden = {"databricks_token", "databricks_obo_token", "databricks_service_principal_secret"}
    for doc in stacks.values():
        assert not forbidden & set(doc.get("resource", {}))


@pytest.mark.parametrize("env", ENVS)
def test_one_registered_model_per_model_without_aliases(resolved, env):
    models = resources(resolved[env], "databricks_registered_model")
    assert sorted(m["name"] for m in models.values()) == ["inventory_demand", "price_elasticity", "product_recommender"]
    for model in models.values():
        assert model["catalog_name"] == f"retail_{env}"
        assert model["schema_name"] == "ml"
        assert "aliases" not in model
        assert is_deployer(model["owner"], env)


DATA_BEARING = ("databricks_catalog", "databricks_schema", "databricks_registered_model", "databricks_sql_table")


def test_prod_data_bearing_resources_are_protected(stacks):
    for type_ in DATA_BEARING:
        found = resources(stacks["prod"], type_)
        assert found, type_
        for name, resource in found.items():
            assert resource.get("lifecycle", {}).get("prevent_destroy") is True, name
            assert resource.get("force_destroy", False) is False, name


@pytest.mark.parametrize("env", ["dev", "staging"])
def test_only_prod_is_destroy_protected(stacks, env):
    for type_ in DATA_BEARING:
        for name, resource in resources(stacks[env], type_).items():
            assert "prevent_destroy" not in resource.get("lifecycle", {}), name


def test_dev_state_is_local_beside_the_output_folder_so_it_survives_resynth(stacks):
    assert stacks["dev"]["terraform"]["backend"] == {"local": {"path": "../../../terraform.dev.tfstate"}}


@pytest.mark.parametrize("stack", ["staging", "staging-account", "prod"])
def test_governed_state_is_shared_locked_and_encrypted_in_s3(stacks, stack):
    assert stacks[stack]["terraform"]["backend"] == {"s3": {
        "bucket": "acme-retail-ml-tfstate", "key": f"retail-ml/{stack}.tfstate", "region": "us-east-1",
        "use_lockfile": True, "encrypt": True,
    }}


SECRET_KEYS = re.compile(r"(token|secret|password|client_secret|private_key)", re.I)
SECRET_VALUES = re.compile(r"(dapi[0-9a-f]{20,}|dose[0-9a-f]{20,}|ghp_[A-Za-z0-9]{20,}|-----BEGIN)")


def walk(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from walk(child, (*path, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield from walk(child, (*path, i))
    else:
        yield path, value


def test_synthesized_json_contains_no_secret_looking_values(stacks):
    for name, doc in stacks.items():
        for path, value in walk(doc):
            keys = [str(p) for p in path if isinstance(p, str)]
            assert not any(SECRET_KEYS.search(k) for k in keys), (name, path)
            assert not SECRET_VALUES.search(str(value)), (name, path)
