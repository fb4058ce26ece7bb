"""A pull request that moves a model to deploy-model: the review says which deployer gains which read path."""

from __future__ import annotations

import json

import pytest

from review import run_review
from tests.configs import config_from_data, example_data


@pytest.fixture(scope="module")
def deploy_code(tmp_path_factory):
    """The base branch: the example with every model on deploy-code, and its synth."""
    from infra.synth import synth

    data = example_data()
    for model in data["models"]:
        model.pop("deployment", None)
    tmp = tmp_path_factory.mktemp("deploy-code-base")
    config = config_from_data(tmp, data)
    synth(config, tmp / "cdktf.out")
    return config, tmp / "cdktf.out"


def environment_lines(text: str, environment: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"**{environment}**"))
    return lines[start:start + 2]


def test_the_review_names_the_read_path_each_source_opens(deploy_code, example_config, example_synth_dir):
    base_config, base_dir = deploy_code
    text = run_review(example_config, base_dir=base_dir, head_dir=example_synth_dir, base_config=base_config,
                      audit=False)
    staging = environment_lines(text, "staging")
    assert "`Plan: 1 to add, 3 to change, 0 to destroy.`" in staging[0]  # the binding; catalog, ml, model grants
    assert staging[1].startswith("prod deployer gains read of retail_staging.ml.inventory_demand "
                                 "(deploy-model inventory_demand: staging -> prod)")
    dev = environment_lines(text, "dev")
    assert dev[1].startswith("staging deployer gains read of retail_dev.ml.inventory_demand "
                             "(deploy-model inventory_demand: dev -> staging)")
    prod = environment_lines(text, "prod")  # the receiver: its stacks are unchanged (the review lists every one)
    assert "`Plan: 0 to add, 0 to change, 0 to destroy.`" in prod[0] and "deployer" not in prod[1]
    grants = text[text.index("### Grant changes"):]
    assert "- prod deployer: + USE_CATALOG" in grants and "- staging deployer: + EXECUTE" in grants
    assert not any(line.startswith("- ${") for line in grants.splitlines())  # raw references only in diffs
    assert "grant escalation" not in text  # reading is not an escalation
    for line in (line for line in text.splitlines() if line.startswith("|")):
        assert line.count("|") <= 7, line  # no table over 6 columns


def test_going_back_to_deploy_code_names_the_read_path_it_closes(deploy_code, example_config, example_synth_dir):
    base_config, base_dir = deploy_code
    document = json.loads(run_review(base_config, base_dir=example_synth_dir, head_dir=base_dir,
                                     base_config=example_config, audit=False, fmt="json"))
    text = json.dumps(document)
    assert ("prod deployer loses read of retail_staging.ml.inventory_demand "
            "(deploy-model inventory_demand: staging -> prod)") in text
