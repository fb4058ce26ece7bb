"""`lakestack show`: the platform as declared, from the config alone, agreeing with what the synth declares."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from bootstrap.jobs import build_job_specs
from lakestack.cli import main
from lakestack.show.facts import platform_facts
from tests.configs import EXAMPLE, example_data, write_config
from tests.synth_json import load_stacks, resources

BINDING_TYPES = {"READ_WRITE": "BINDING_TYPE_READ_WRITE", "READ_ONLY": "BINDING_TYPE_READ_ONLY"}


def show(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["show", "--config", str(EXAMPLE), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def facts(example_config):
    return {env["name"]: env for env in platform_facts(example_config)["environments"]}


def group_grants(stack, grants_name):
    """Groups only: deployers' read paths are test_read_paths_agree_with_the_synth's."""
    return {g["principal"]: g["privileges"] for g in resources(stack, "databricks_grants")[grants_name]["grant"]
            if not g["principal"].startswith("${")}


GRANTS_OF = {"catalog": "grants_catalog", "schema": "grants_schema_ml"}


def test_group_grants_agree_with_the_synth(facts, example_synth_dir):
    stacks = load_stacks(example_synth_dir)
    for name, env in facts.items():
        declared = group_grants(stacks[name], "grants_catalog")
        shown = {g["group"]: g["privileges"]["catalog"] for g in env["access"]}
        assert shown == declared, name
        schema = group_grants(stacks[name], "grants_schema_ml")
        assert {g["group"]: g["privileges"]["schema"] for g in env["access"]} == schema
        model = group_grants(stacks[name], "grants_model_product_recommender")
        assert {g["group"]: g["privileges"]["model"] for g in env["access"]} == model


def test_read_paths_agree_with_the_synth(facts, example_synth_dir):
    """The deployer grants a deploy-model source declares are the read paths show lists (and only those)."""
    stacks = load_stacks(example_synth_dir)
    for name, env in facts.items():
        declared = {(g["principal"].split("-input-")[1].split("-account.")[0], grant_name, tuple(g["privileges"]))
                    for grant_name, body in resources(stacks[name], "databricks_grants").items()
                    for g in body["grant"] if g["principal"].startswith("${")}
        shown = {(p["environment"], GRANTS_OF.get(securable, f"grants_model_{p['model'].rsplit('.', 1)[1]}"),
                  tuple(privileges)) for p in env["read_paths"] for securable, privileges in p["privileges"].items()}
        assert shown == declared, name
    assert [p["deployer"] for p in facts["staging"]["read_paths"]] == ["retail-ml-prod-deployer"]
    assert facts["prod"]["read_paths"] == []


def test_catalog_isolation_and_bindings_agree_with_the_synth(facts, example_config, example_synth_dir):
    stacks = load_stacks(example_synth_dir)
    for name, env in facts.items():
        catalog = resources(stacks[name], "databricks_catalog")["catalog"]
        assert (catalog["name"], catalog["isolation_mode"]) == (env["catalog"]["name"], env["catalog"]["isolation"])
        assert catalog.get("lifecycle", {}).get("prevent_destroy", False) == env["catalog"]["prevent_destroy"]
        declared = {(b["workspace_id"], b["binding_type"])
                    for b in resources(stacks[name], "databricks_workspace_binding").values()}
        shown = {(b["workspace_id"], BINDING_TYPES[b["binding"]]) for b in env["bindings"]}
        # A created workspace's id is a cross-stack reference in the synth; show says "created".
        assert {s for s in shown if s[0] != "created"} == {d for d in declared if isinstance(d[0], int)}, name
        assert len(shown) == len(declared)
    assert [b["environment"] for b in facts["prod"]["bindings"]] == ["prod", "dev"]
    assert facts["dev"]["bindings"] == []


def test_endpoint_callers_and_workspace_groups_agree_with_the_synth(facts, example_synth_dir):
    stacks = load_stacks(example_synth_dir)
    for name, env in facts.items():
        stack_resources = [stacks[s] for s in env["stacks"]]
        for endpoint in env["serving"]:
            acl = resources(stacks[name], "databricks_permissions")[f"serving_permissions_{endpoint['model']}"]
            callers = [a["group_name"] for a in acl["access_control"] if a["permission_level"] == "CAN_QUERY"]
            assert callers == endpoint["callers"]
        assigned = {key.removeprefix("workspace_assignment_") for stack in stack_resources
                    for key in resources(stack, "databricks_mws_permission_assignment")
                    if key.startswith("workspace_assignment_")}
        assert assigned == {g["role"] for g in env["workspace_groups"]}, name


def test_jobs_are_the_ones_bootstrap_seeds(example_config, facts):
    for env in example_config.envs():
        specs = build_job_specs(env, "sp-id")
        assert [(j["name"], j["schedule"]) for j in facts[env.name]["jobs"]["jobs"]] == [
            (s.name, s.settings.schedule.quartz_cron_expression if s.settings.schedule else None) for s in specs]
        assert facts[env.name]["jobs"]["permissions"] == specs[0].permissions


def test_text_names_every_environment_and_fits_100_columns(capsys):
    code, out, _ = show(capsys)
    assert code == 0
    for expected in ("== dev (tier dev)", "== prod (tier prod, governed, protected)",
                     "bindings    prod workspace READ_WRITE, dev workspace READ_ONLY",
                     "retail-data-scientists (data_scientists) reader",
                     "endpoint retail-ml-prod-product-recommender (Small, scale to zero)",
                     "callers retail-merchandising-apps, retail-data-scientists",
                     "'[retail-ml/prod] drift on product_recommender' when data drift (ks_statistic numeric,",
                     "retail-ml-prod-inventory_demand-monitoring"):
        assert expected in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert "\033[" not in out, "no colour when standard output is not a terminal"


def test_one_environment(capsys):
    code, out, _ = show(capsys, "--env", "staging")
    assert code == 0
    assert "== staging" in out and "== prod" not in out and "== dev" not in out
    assert "created by the account stack" in out


def test_unknown_environment_is_bad_input(capsys):
    code, _, err = show(capsys, "--env", "qa")
    assert code == 2
    assert "unknown environment 'qa'; the config declares: dev, staging, prod" in err


def test_json_is_the_facts(capsys, example_config):
    code, out, _ = show(capsys, "--format", "json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(platform_facts(example_config)))


def test_markdown_holds_the_diagram_and_tables(capsys):
    code, out, _ = show(capsys, "--format", "markdown")
    assert code == 0
    assert "```mermaid\nflowchart LR\n" in out
    assert "## prod (tier prod, governed, protected)" in out
    assert "| `retail-data-scientists` (data_scientists) | reader | USE_CATALOG USE_SCHEMA SELECT" in out
    assert "| product_recommender | `retail-ml-prod-product-recommender` |" in out


def test_mermaid_is_the_diagram_alone(capsys, example_config):
    from lakestack.diagram import access_diagram

    code, out, _ = show(capsys, "--format", "mermaid", "--env", "prod")
    assert code == 0
    assert out == access_diagram(example_config, env="prod") + "\n"


def test_output_file(tmp_path, capsys):
    target = tmp_path / "platform.md"
    code, out, _ = show(capsys, "--format", "markdown", "--output", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("# retail-ml: the platform as declared")


def test_a_bad_config_is_reported_not_shown(tmp_path, capsys):
    data = example_data()
    data["environments"]["prod"]["access"] = {"data_scientist": "reader"}
    code = main(["show", "--config", str(write_config(tmp_path / "p.yaml", data))])
    assert code == 2
    assert "unknown group role 'data_scientist'" in capsys.readouterr().err


def test_show_and_validate_never_start_cdktf():
    """They read the config only: no jsii, no Node, no CDKTF import."""
    code = ("import sys\nfrom lakestack.cli import main\n"
            f"assert main(['show', '--config', {str(EXAMPLE)!r}]) == 0\n"
            f"assert main(['validate', '--config', {str(EXAMPLE)!r}]) == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('cdktf', 'jsii', 'mlflow')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_deployer_is_shown_with_what_it_owns(facts):
    deployer = facts["prod"]["deployer"]
    assert deployer["name"] == "retail-ml-prod-deployer"
    assert deployer["owns"][:2] == ["retail_prod", "retail_prod.ml"]
    assert deployer["oidc_subject"] == "repo:acme/retail-ml:environment:prod"
    assert deployer["member_of"] == ["retail-ml-deployers"]
    assert re.fullmatch(r"retail-ml-prod-[a-z-]+", deployer["manages_endpoints"][0])
