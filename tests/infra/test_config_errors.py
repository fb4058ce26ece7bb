"""Bad platform configs: one clear line per problem (file:line, key, fix), exit code 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import load_config
from lakestack.cli import main
from lakestack.errors import InputError
from tests.configs import EXAMPLE, example_data, write_config

BASE = EXAMPLE.read_text()


def run_synth(tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    out = tmp_path / "out"
    code = main(["synth", "--config", str(config), "--out", str(out)])
    assert not out.exists(), "bad config must not write the output folder"
    return code, capsys.readouterr().err


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """The example YAML with one textual edit, so line numbers are those of the shipped file."""
    assert old in BASE, old
    path = tmp_path / "platform.yaml"
    path.write_text(BASE.replace(old, new, 1))
    return path


def reported_line(old: str, new: str, needle: str) -> int:
    """Line of `needle` in the edited file: inside the edit when it is there, else its first occurrence."""
    text = BASE.replace(old, new, 1)
    pos = BASE.index(old) + new.index(needle) if needle in new else text.index(needle)
    return text[:pos].count("\n") + 1


PROD_TAIL = "    read_only_from: [dev]\n    deployer: {member_of: [deployers]}\n    jobs: {git_branch: release"
STAGING_TAIL = "    deployer: {member_of: [deployers]}\n    jobs: {git_branch: main"

TEXT_CASES = [
    # (id, old, new, expected fragments of the message, needle locating the reported line)
    ("yaml-syntax", "  data_scientists: retail-data-scientists", "  data_scientists: [retail-data-scientists",
     ["invalid YAML"], None),
    ("unknown-key", "    problem_type: classification\n    prediction_col: prediction\n    label_col: label",
     "    problem_type: classification\n    predicton_col: prediction\n    label_col: label",
     ["models[0].predicton_col", "unknown key 'predicton_col'", "did you mean 'prediction_col'"], "predicton_col"),
    ("missing-key", "    problem_type: regression\n    prediction_col: prediction\n    label_col: observed",
     "    prediction_col: prediction\n    label_col: observed",
     ["models[1]", "missing required key 'problem_type'"], "- name: price_elasticity"),
    ("uc-identifier", "catalog: retail_prod", "catalog: retail-prod",
     ["environments.prod.catalog", "not a valid Unity Catalog identifier", "'retail_prod'"], "catalog: retail-prod"),
    ("unknown-access-role", "access: {data_scientists: reader, ml_engineers: reader}\n    read_only_from: [dev]\n"
     "    deployer: {member_of: [deployers]}\n    jobs: {git_branch: release",
     "access: {data_scientists: owner, ml_engineers: reader}\n    read_only_from: [dev]\n"
     "    deployer: {member_of: [deployers]}\n    jobs: {git_branch: release",
     ["environments.prod.access.data_scientists", "'owner' is not allowed", "'reader' or 'writer'"],
     "data_scientists: owner"),
    ("unknown-group", "access: {data_scientists: writer, ml_engineers: writer}",
     "access: {data_scientist: writer, ml_engineers: writer}",
     ["environments.dev.access.data_scientist", "unknown group role 'data_scientist'",
      "did you mean 'data_scientists'"], "data_scientist: writer"),
    ("read-only-unknown-env", PROD_TAIL, PROD_TAIL.replace("[dev]", "[devv]"),
     ["environments.prod.read_only_from[0]", "unknown environment 'devv'", "did you mean 'dev'"], "[devv]"),
    ("read-only-self", PROD_TAIL, PROD_TAIL.replace("[dev]", "[prod]"),
     ["environments.prod.read_only_from[0]", "'prod' cannot be read-only bound to itself"], "[prod]"),
    ("duplicate-model", "  - name: inventory_demand", "  - name: price_elasticity",
     ["models[2].name", "duplicate model name 'price_elasticity'"], "price_elasticity"),
    ("problem-type", "    problem_type: regression\n    prediction_col: forecast_units",
     "    problem_type: forecasting\n    prediction_col: forecast_units",
     ["models[2].problem_type", "'forecasting' is not allowed", "'classification' or 'regression'"],
     "problem_type: forecasting"),
    ("duplicate-yaml-key", "  ml_engineers: retail-ml-engineers\n",
     "  ml_engineers: retail-ml-engineers\n  ml_engineers: other\n", ["duplicate key 'ml_engineers'"],
     "ml_engineers: other"),
    # Serving and monitoring
    ("serving-unknown-role", "      query_roles: [merchandising_apps, data_scientists]",
     "      query_roles: [merchandising_app, data_scientists]",
     ["models[0].serving.query_roles[0]", "unknown group role 'merchandising_app'"], "merchandising_app,"),
    ("rate-limit", '      rate_limits: ["500/minute per endpoint"]', '      rate_limits: ["500 per hour"]',
     ["models[1].serving.rate_limits", "'500 per hour' does not parse", "100/minute per user"], "500 per hour"),
    ("monitor-without-label", "    label_col: label\n", "",
     ["models[0]", "classification model with a monitor but no label_col"], "- name: product_recommender"),
    ("granularity", '      granularities: ["1 day", "1 week"]', '      granularities: ["1 day", "weekly"]',
     ["models[1].monitor.granularities[1]", "granularity 'weekly' is not one of"], "weekly"),
    ("drift-threshold", "      drift_threshold: 0.15", "      drift_threshold: 1.5",
     ["models[1].monitor.drift_threshold", "less than or equal to 1"], "drift_threshold: 1.5"),
    ("serving-list-unknown-model", "    read_only_from: [dev]\n" + STAGING_TAIL,
     "    read_only_from: [dev]\n    serving: [recommender]\n" + STAGING_TAIL,
     ["environments.staging.serving[0]", "unknown model 'recommender'"], "serving: [recommender]"),
    ("storage-root", "    storage_root: s3://acme-retail-ml-uc/prod", "    storage_root: acme-retail-ml-uc/prod",
     ["environments.prod.storage_root", "not a cloud storage URL", "s3://bucket/path"], "storage_root: acme"),
    ("dynamodb-lock", "region: us-east-1,\n                use_lockfile: true, encrypt: true}\n\n  prod:",
     "region: us-east-1,\n                dynamodb_table: tflock, encrypt: true}\n\n  prod:",
     ["environments.staging.backend", "dynamodb_table is deprecated", "use_lockfile: true"], None),
    ("alert-after-unfixed-schedule", "      drift_threshold: 0.25", "      drift_threshold: 0.25\n"
     "      schedule: '0 */30 * * * ?'",
     ["models[2].monitor.schedule", "no fixed minute and hour", "drift alert"], "schedule: '0 */30"),
    ("cron", "    jobs: {git_branch: main, data_fraction: 0.1}",
     "    jobs: {git_branch: main, training_schedule: daily}",
     ["environments.staging.jobs.training_schedule", "not a Quartz cron expression"], "training_schedule: daily"),
]


@pytest.mark.parametrize(("old", "new", "fragments", "needle"), [c[1:] for c in TEXT_CASES],
                         ids=[c[0] for c in TEXT_CASES])
def test_bad_config_is_reported_with_file_line_and_fix(tmp_path, capsys, old, new, fragments, needle):
    path = edited(tmp_path, old, new)
    code, err = run_synth(tmp_path, path, capsys)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("error: ")
    for fragment in fragments:
        assert fragment in err, err
    if needle is not None:
        assert f"{path}:{reported_line(old, new, needle)}:" in err, err


def test_every_problem_is_reported_at_once(tmp_path):
    data = example_data()
    data["environments"]["dev"]["catalog"] = "Retail Dev"
    data["models"][0]["problem_type"] = "ranking"
    data["models"][1]["monitr"] = {}
    with pytest.raises(InputError) as err:
        load_config(write_config(tmp_path / "p.yaml", data))
    assert len(err.value.problems) == 3


def test_missing_file_is_bad_input(tmp_path, capsys):
    code, err = run_synth(tmp_path, tmp_path / "nope.yaml", capsys)
    assert code == 2
    assert "nope.yaml: file not found" in err


def test_top_level_must_be_a_mapping(tmp_path, capsys):
    path = tmp_path / "list.yaml"
    path.write_text("- just\n- a list\n")
    code, err = run_synth(tmp_path, path, capsys)
    assert code == 2
    assert "expected a mapping at the top level" in err


def test_environment_outside_the_three_tiers_needs_a_tier(tmp_path):
    data = example_data()
    data["environments"]["qa"] = dict(data["environments"]["dev"], catalog="retail_qa")
    with pytest.raises(InputError, match="environment 'qa' needs tier"):
        load_config(write_config(tmp_path / "p.yaml", data))
    data["environments"]["qa"]["tier"] = "staging"
    assert load_config(write_config(tmp_path / "p.yaml", data)).env("qa").governed


def test_shared_catalog_between_environments_is_refused(tmp_path):
    data = example_data()
    data["environments"]["staging"]["catalog"] = "retail_prod"
    with pytest.raises(InputError, match="catalog 'retail_prod' is also used by 'staging'"):
        load_config(write_config(tmp_path / "p.yaml", data))


def test_backend_options_are_checked(tmp_path):
    data = example_data()
    data["environments"]["prod"]["backend"] = {"type": "s3", "options": {"bucket": "tf-state"}}
    with pytest.raises(InputError, match="backend type 's3' needs options: key, region"):
        load_config(write_config(tmp_path / "p.yaml", data))


def test_workspace_needs_host_and_id_or_create(tmp_path):
    data = example_data()
    data["environments"]["dev"]["workspace"] = {"host": "https://dbc-1.cloud.databricks.com"}
    with pytest.raises(InputError, match="needs host and workspace_id of an existing workspace"):
        load_config(write_config(tmp_path / "p.yaml", data))


def test_a_model_needs_its_input_features(tmp_path):
    data = example_data()
    data["models"][2]["features"] = []
    with pytest.raises(InputError, match=r"models\[2\]\.features: List should have at least 1 item"):
        load_config(write_config(tmp_path / "p.yaml", data))


def test_credentials_in_backend_options_are_refused(tmp_path):
    data = example_data()
    data["environments"]["prod"]["backend"]["options"]["secret_key"] = "wJalrXUtnFEMI"
    with pytest.raises(InputError) as err:
        load_config(write_config(tmp_path / "p.yaml", data))
    assert "environments.prod.backend: backend option(s) secret_key hold credentials" in str(err.value)
    assert "wJalrXUtnFEMI" not in str(err.value)


def test_a_lock_table_is_accepted_beside_the_lock_file_while_migrating(tmp_path):
    data = example_data()
    data["environments"]["prod"]["backend"]["options"]["dynamodb_table"] = "tflock"
    assert load_config(write_config(tmp_path / "p.yaml", data)).environments["prod"].backend.options["use_lockfile"]


DEPLOY_MODEL = "    deployment: {strategy: deploy-model}"


@pytest.mark.parametrize(("new", "needle", "message"), [
    ("    deployment: {strategy: deploy-model, train_in: qa}", "train_in", "unknown environment 'qa'"),
    ("    deployment: {strategy: deploy-model, path: [dev, prod, staging]}", "path",
     "'staging' is a lower tier than 'prod'"),
    ("    deployment: {strategy: deploy-model, train_in: dev, path: [staging, prod]}", "path",
     "start the path with the training environment"),
    ("    deployment: {strategy: deploy-model, path: [dev, dev]}", "path", "two or more different environments"),
    ("    deployment: {train_in: dev}", "train_in", "applies to strategy deploy-model only"),
])
def test_a_deployment_path_must_move_towards_production(tmp_path: Path, new: str, needle: str, message: str) -> None:
    path = edited(tmp_path, DEPLOY_MODEL, new)
    with pytest.raises(InputError) as caught:
        load_config(path)
    rendered = caught.value.render()
    assert message in rendered
    assert f"{path}:{reported_line(DEPLOY_MODEL, new, needle)}: models[2].deployment" in rendered
