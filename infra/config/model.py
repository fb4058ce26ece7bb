"""Typed platform configuration: the one shape every layer reads.

Built once from `infra/platform.yaml` by `infra.config.load_config` and passed down; stacks,
policies, review and bootstrap never read the YAML themselves. Key names are the interface in
DESIGN.md section 3: extend, don't rename.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from infra.config.data import DataConfig, EvaluationConfig, GroundTruthConfig, default_table
from lakestack.secrets import SECRET_NAME

TIERS = ("dev", "staging", "prod")
Tier = Literal["dev", "staging", "prod"]
ROLES = ("reader", "writer")
Role = Literal["reader", "writer"]

# Unity Catalog stores names in lower case; hyphens and spaces need backticks everywhere, so we refuse them.
UC_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,254}$")
MONITOR_GRANULARITIES = (
    "5 minutes", "30 minutes", "1 hour", "1 day", "1 week", "2 weeks", "3 weeks", "4 weeks", "1 month", "1 year",
)
SQL_TYPES = ("BIGINT", "INT", "SMALLINT", "DOUBLE", "FLOAT", "DECIMAL(18,2)", "STRING", "BOOLEAN", "DATE", "TIMESTAMP")
RATE_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(minute)\s+per\s+(user|endpoint)\s*$")
QUARTZ_FIELDS = (6, 7)
# Workspace ids, rate-limit calls: the REST API reads them as signed 64-bit integers.
INT64_MAX = 2**63 - 1
# An environment's name becomes a stack name, a folder, part of endpoint and job names and an OIDC subject:
# lower-case letters, digits, hyphens and underscores only, so it is valid in every one of them.
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
ACCOUNT_STACK_SUFFIX = "-account"
ENDPOINT_NAME_MAX = 63
# Git branch or tag names as jobs check them out: no spaces, no control characters, no `..`.
GIT_REF = re.compile(r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
# Storage URLs Unity Catalog accepts for a managed location.
STORAGE_URL = re.compile(r"^(s3|s3a|abfss|gs|r2)://[^\s/]+(/[^\s]*)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
DATABRICKS_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")
WAREHOUSE_ID = re.compile(r"^[A-Za-z0-9]{1,64}$")
GITHUB_ENVIRONMENT = re.compile(r"^[A-Za-z0-9._-]{1,255}$")
HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.-]+(:\d+)?/?$")
# A drift alert reads the metrics its monitor's refresh writes, so it runs this long after the refresh starts.
ALERT_DELAY_MINUTES = 60
GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com"
# The schemas of every environment's catalog: models and features, inference tables, monitor outputs.
MODEL_SCHEMA, INFERENCE_SCHEMA, MONITORING_SCHEMA = "ml", "inference", "monitoring"


def uc_identifier(value: str) -> str:
    """Validate a Unity Catalog name; the message proposes a valid spelling."""
    if not isinstance(value, str) or not UC_IDENTIFIER.match(value):
        suggestion = re.sub(r"[^a-z0-9_]", "_", str(value).lower()).lstrip("0123456789") or "name"
        raise ValueError(
            f"'{value}' is not a valid Unity Catalog identifier: use lower-case letters, digits and "
            f"underscores, starting with a letter or underscore (for example '{suggestion}')"
        )
    return value


def quartz_cron(value: str) -> str:
    if len(str(value).split()) not in QUARTZ_FIELDS:
        raise ValueError(
            f"'{value}' is not a Quartz cron expression (6 or 7 fields: sec min hour day month weekday [year]), "
            "for example '0 0 6 * * ?'"
        )
    return value


def environment_name(value: str) -> str:
    """Validate an environment's name; the message proposes a valid spelling."""
    if not ENVIRONMENT_NAME.match(value) or value.endswith(ACCOUNT_STACK_SUFFIX):
        suggestion = re.sub(r"[^a-z0-9_-]", "-", value.lower()).lstrip("-0123456789_").removesuffix(
            ACCOUNT_STACK_SUFFIX)[:32].rstrip("-_") or "dev"
        raise ValueError(
            f"environment name '{value}' is not usable as a stack, endpoint and job name: use lower-case "
            "letters, digits, hyphens and underscores, starting with a letter, at most 32 characters, not ending "
            f"in '{ACCOUNT_STACK_SUFFIX}' (for example '{suggestion}')"
        )
    return value


def three_level_name(value: str) -> str:
    """`catalog.schema.table`, each part a Unity Catalog identifier."""
    parts = value.split(".")
    if len(parts) != 3 or not all(UC_IDENTIFIER.match(p) for p in parts):
        raise ValueError(f"'{value}' is not a table name catalog.schema.table (lower-case identifiers)")
    return value


def unique_names(items: list[Any], what: str) -> list[Any]:
    """Refuse two items of one list with the same `name`: the platform creates one object per name."""
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.name in first:
            raise ValueError(f"{what} '{item.name}' is declared twice ([{first[item.name]}] and [{index}]); "
                             "names must be unique: rename or remove one")
        first[item.name] = index
    return items


def text_like(pattern: re.Pattern[str], what: str, example: str) -> AfterValidator:
    """A validator refusing text that does not match `pattern`, saying what was expected."""

    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"'{value}' is not {what} (for example '{example}')")
        return value

    return AfterValidator(check)


def shifted_quartz(schedule: str, minutes: int) -> str:
    """`schedule` moved `minutes` later: the fixed second/minute/hour of a daily or weekly Quartz cron.

    Only a fixed minute and hour can be shifted; past midnight the day moves too, which is only
    right when the day fields are wildcards, so anything else is refused with the fix.
    """
    fields = str(schedule).split()
    minute, hour = fields[1], fields[2]
    if not (minute.isdigit() and hour.isdigit()):
        raise ValueError(
            f"schedule '{schedule}' has no fixed minute and hour, so its drift alert cannot be placed "
            f"{minutes} minutes after each refresh; use a fixed time such as '0 0 6 * * ?'"
        )
    total = int(hour) * 60 + int(minute) + minutes
    if total >= 24 * 60 and not (fields[3] in ("*", "?") and fields[5] in ("*", "?")):
        raise ValueError(
            f"schedule '{schedule}' plus the drift alert's {minutes} minutes crosses midnight on a schedule "
            "with fixed days; move the refresh earlier in the day"
        )
    total %= 24 * 60
    return " ".join([fields[0], str(total % 60), str(total // 60), *fields[3:]])


UcIdentifier = Annotated[str, AfterValidator(uc_identifier)]
# Group roles name Terraform resources (`group_<role>`, `workspace_assignment_<role>`), where `-` would become `_`.
GroupRole = Annotated[str, text_like(re.compile(r"^[a-z][a-z0-9_]{0,63}$"), "a group role name (lower-case letters, "
                                     "digits, underscores)", "data_scientists")]
EnvironmentName = Annotated[str, AfterValidator(environment_name)]
# Ids the REST API takes as positive 64-bit integers; strict, so `true` or `"12"` are not taken for numbers.
def positive_int64(value: int) -> int:
    if not 0 < value <= INT64_MAX:
        raise ValueError(f"{value} is out of range: give the positive id (1 to {INT64_MAX}) the workspace shows in "
                         "its URL (`?o=<id>`) or in the account console")
    return value


PositiveId = Annotated[int, Field(strict=True), AfterValidator(positive_int64)]
QuartzCron = Annotated[str, AfterValidator(quartz_cron)]


def granularity(value: str) -> str:
    if value not in MONITOR_GRANULARITIES:
        raise ValueError(f"granularity '{value}' is not one of: {', '.join(MONITOR_GRANULARITIES)}")
    return value


Granularity = Annotated[str, AfterValidator(granularity)]


def payload_table_name(catalog: str, schema: str, prefix: str) -> str:
    """The AI Gateway writes an endpoint's requests to `<catalog>.<schema>.<table_name_prefix>_payload`."""
    return f"{catalog}.{schema}.{prefix}_payload"


def processed_table_name(catalog: str, prefix: str) -> str:
    """The monitorable table the monitoring job fills from an endpoint's payload table."""
    return f"{catalog}.{INFERENCE_SCHEMA}.{prefix}_predictions"


def monitor_output_tables(output_schema: str, monitored_table: str) -> tuple[str, str]:
    """(profile, drift) metrics tables: Lakehouse Monitoring names them after the monitored table's
    short name, `<output_schema>.<table>_profile_metrics` and `<output_schema>.<table>_drift_metrics`."""
    table = monitored_table.rsplit(".", 1)[-1]
    return f"{output_schema}.{table}_profile_metrics", f"{output_schema}.{table}_drift_metrics"


def endpoint_name(project: str, environment: str, model: str) -> str:
    """Serving endpoint names allow letters, digits, hyphens and underscores, up to 63 characters (checked at load)."""
    return f"{project}-{environment}-{model}".replace("_", "-")


class Strict(BaseModel):
    """Base for every config object: immutable, unknown keys are errors.

    Validators are built when a class first validates, not at import (`defer_build`): loading the
    config builds the platform's one validator, which holds every section's, so the ~30 per-class
    validators are built only for a class that validates on its own (a broken file's salvaged sections).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False,
                              defer_build=True)


class AccountConfig(Strict):
    account_id: Annotated[str, text_like(DATABRICKS_ID, "an account id", "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9")]
    host: str = "https://accounts.cloud.databricks.com"
    metastore_id: Annotated[str, text_like(DATABRICKS_ID, "a metastore id", "5b6c7d8e-9f01-4a2b-8c3d-4e5f6a7b8c9d")]
    cloud: Literal["aws", "azure", "gcp"] = "aws"

    @field_validator("host")
    @classmethod
    def _https(cls, value: str) -> str:
        if not HTTPS_URL.match(value):
            raise ValueError(f"'{value}' is not an https URL of an accounts console "
                             "(for example 'https://accounts.cloud.databricks.com')")
        return value.rstrip("/")


class GithubConfig(Strict):
    repository: str

    @field_validator("repository")
    @classmethod
    def _owner_repo(cls, value: str) -> str:
        if not re.match(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", value):
            raise ValueError(f"'{value}' is not 'owner/repo' (for example 'acme/retail-ml')")
        return value

    @property
    def url(self) -> str:
        return f"https://github.com/{self.repository}"


class NotificationsConfig(Strict):
    emails: list[str] = Field(default_factory=list)

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        for email in value:
            if not EMAIL.match(email):
                raise ValueError(f"'{email}' is not an email address")
        return value


class FeatureColumn(Strict):
    name: UcIdentifier
    type: str = "DOUBLE"

    @field_validator("type")
    @classmethod
    def _sql_type(cls, value: str) -> str:
        if value.upper() not in SQL_TYPES:
            raise ValueError(f"'{value}' is not a supported column type; use one of: {', '.join(SQL_TYPES)}")
        return value.upper()


class ValidationConfig(Strict):
    """How the validate task compares a challenger with the champion."""

    metric: str
    higher_is_better: bool = True
    threshold: float | None = None
    min_improvement: float = 0.0
    mode: Literal["disabled", "dry_run", "enabled"] = "enabled"


class ServingConfig(Strict):
    workload_size: Literal["Small", "Medium", "Large"] = "Small"
    scale_to_zero: bool = True
    # How long deploy and rollback wait for the endpoint to load a new version before giving up.
    update_timeout_minutes: int = Field(default=30, ge=1)
    rate_limits: list[str] = Field(default_factory=list)
    query_roles: list[str] = Field(default_factory=list)
    query_principals: list[str] = Field(default_factory=list)

    @field_validator("rate_limits")
    @classmethod
    def _rate_limits(cls, value: list[str]) -> list[str]:
        for item in value:
            match = RATE_LIMIT.match(item)
            if not match:
                raise ValueError(
                    f"rate limit '{item}' does not parse; write '<calls>/minute per user' or "
                    "'<calls>/minute per endpoint', for example '100/minute per user'"
                )
            if not 1 <= int(match.group(1)) <= INT64_MAX:
                raise ValueError(f"rate limit '{item}': calls must be between 1 and {INT64_MAX} (the API's range); "
                                 "remove the limit to allow unlimited calls")
        return value

    def parsed_rate_limits(self) -> list[tuple[int, str, str]]:
        """(calls, renewal_period, key) for each rate limit."""
        out = []
        for item in self.rate_limits:
            match = RATE_LIMIT.match(item)
            assert match  # validated above
            out.append((int(match.group(1)), match.group(2), match.group(3)))
        return out


class DeploymentConfig(Strict):
    """How a model reaches production: the seed paper's two deployment paths.

    `deploy-code` (the default): every environment trains its own model from the same code (staging on
    a subset, prod on everything). `deploy-model`: one environment (`train_in`) trains; the registered
    version is copied along `path` (dev -> staging -> prod by default), validated against each target's
    champion on the target's evaluation data before it serves there.
    """

    strategy: Literal["deploy-code", "deploy-model"] = "deploy-code"
    train_in: str | None = None
    path: list[str] | None = None


def promotion_path(deployment: DeploymentConfig, tiers: dict[str, str]) -> list[str]:
    """The environments (name -> tier, in config order) a deploy-model version moves through; [] for deploy-code.

    Default: the training environment (default: the first dev-tier one), then every staging-tier and every
    prod-tier environment, in config order.
    """
    if deployment.strategy != "deploy-model" or not tiers:
        return []
    if deployment.path:
        return list(deployment.path)
    source = deployment.train_in or next((name for name, tier in tiers.items() if tier == "dev"), next(iter(tiers)))
    later = [name for tier in ("staging", "prod") for name, of in tiers.items() if of == tier and name != source]
    return [source, *later]


def _after(path: list[str], name: str) -> str | None:
    """The environment after `name` on a promotion path, if any."""
    return path[path.index(name) + 1] if name in path[:-1] else None


# Which drift statistics Lakehouse Monitoring fills in its drift metrics table, by column kind; a statistic
# of the other kind is NULL there, so a check configured with it would never see drift.
NUMERIC_DRIFT_STATISTICS = ("ks_statistic", "wasserstein_distance", "population_stability_index")
CATEGORICAL_DRIFT_STATISTICS = ("js_distance", "chi_squared_statistic", "tv_distance", "l_infinity_distance")
# Column types the monitor profiles as numeric; every other type is categorical.
NUMERIC_SQL_TYPES = ("BIGINT", "INT", "SMALLINT", "DOUBLE", "FLOAT", "DECIMAL(18,2)")
# The model-quality metrics of an inference-log monitor's profile metrics table, by problem type.
QUALITY_METRICS = {
    "classification": ("accuracy_score", "precision", "recall", "f1_score"),
    "regression": ("root_mean_squared_error", "mean_squared_error", "mean_average_error", "r2_score",
                   "mean_absolute_percentage_error"),
}


class DriftStatistics(Strict):
    """The drift statistic read for numeric and for categorical columns (each must be one the monitor fills)."""

    numeric: str = "ks_statistic"
    categorical: str = "js_distance"

    @field_validator("numeric")
    @classmethod
    def _numeric(cls, value: str) -> str:
        return _drift_statistic(value, "numeric", NUMERIC_DRIFT_STATISTICS)

    @field_validator("categorical")
    @classmethod
    def _categorical(cls, value: str) -> str:
        return _drift_statistic(value, "categorical", CATEGORICAL_DRIFT_STATISTICS)


def _drift_statistic(value: str, kind: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        known = value in (*NUMERIC_DRIFT_STATISTICS, *CATEGORICAL_DRIFT_STATISTICS)
        why = f"the monitor leaves {value} empty for {kind} columns" if known else f"unknown statistic '{value}'"
        raise ValueError(f"{why}; use one of: {', '.join(allowed)}")
    return value


class MonitorConfig(Strict):
    granularities: list[Granularity] = Field(default_factory=lambda: ["1 day"], min_length=1)
    drift_threshold: float = Field(gt=0, le=1)
    drift_metrics: DriftStatistics = Field(default_factory=DriftStatistics)
    min_violating_windows: int = Field(default=1, ge=1)
    schedule: QuartzCron = "0 0 6 * * ?"
    timezone: str = "UTC"
    slicing_exprs: list[str] = Field(default_factory=list)
    baseline_table: Annotated[str, AfterValidator(three_level_name)] | None = None
    # Model-performance drift: a quality metric of the profile metrics table, per window and served version,
    # against `performance_threshold` (default: the validation threshold when validation uses the same metric),
    # else against the version's first labelled window, allowing `performance_tolerance`.
    performance_metric: str | None = None
    performance_threshold: float | None = None
    performance_tolerance: float = Field(default=0.05, ge=0)

    @field_validator("performance_metric")
    @classmethod
    def _quality_metric(cls, value: str | None) -> str | None:
        known = [m for metrics in QUALITY_METRICS.values() for m in metrics]
        if value is not None and value not in known:
            raise ValueError(f"'{value}' is not a quality metric of the monitor; use one of: {', '.join(known)}")
        return value

    @field_validator("schedule")
    @classmethod
    def _alert_fits(cls, value: str) -> str:
        shifted_quartz(value, ALERT_DELAY_MINUTES)
        return value

    @property
    def alert_schedule(self) -> str:
        """When the drift alert runs: `ALERT_DELAY_MINUTES` after each refresh, so it reads that refresh's metrics."""
        return shifted_quartz(self.schedule, ALERT_DELAY_MINUTES)


class ModelConfig(Strict):
    name: UcIdentifier
    description: str = ""
    problem_type: Literal["classification", "regression"]
    prediction_col: UcIdentifier = "prediction"
    label_col: UcIdentifier | None = None
    timestamp_col: UcIdentifier = "timestamp"
    model_id_col: UcIdentifier = "model_version"
    # Input columns: they shape the training data, the serving signature and the processed inference table.
    features: list[FeatureColumn] = Field(min_length=1)
    validation: ValidationConfig | None = None
    serving: ServingConfig | None = None
    monitor: MonitorConfig | None = None
    deployment: DeploymentConfig = Field(default_factory=DeploymentConfig)
    # Where the model's data lives (infra/config/data.py); defaults name `<model>_training`, `_scoring`, `_labels`.
    data: DataConfig = Field(default_factory=DataConfig)

    @field_validator("features")
    @classmethod
    def _unique_features(cls, value: list[FeatureColumn]) -> list[FeatureColumn]:
        return unique_names(value, "feature")

    @model_validator(mode="after")
    def _monitor_needs_label(self) -> ModelConfig:
        if self.monitor is not None and self.problem_type == "classification" and not self.label_col:
            raise ValueError(
                f"model '{self.name}' is a classification model with a monitor but no label_col; "
                "add label_col (the ground-truth column) or remove monitor"
            )
        if self.monitor is not None and self.serving is None:
            raise ValueError(
                f"model '{self.name}' has a monitor but no serving: the monitor watches the serving "
                "endpoint's inference table; add serving or remove monitor"
            )
        metric = self.monitor.performance_metric if self.monitor is not None else None
        if metric is not None and metric not in QUALITY_METRICS[self.problem_type]:
            raise ValueError(f"monitor.performance_metric '{metric}' is not computed for {self.problem_type} models; "
                             f"use one of: {', '.join(QUALITY_METRICS[self.problem_type])}")
        return self

    @property
    def validation_or_default(self) -> ValidationConfig:
        if self.validation is not None:
            return self.validation
        if self.problem_type == "classification":
            return ValidationConfig(metric="roc_auc", higher_is_better=True)
        return ValidationConfig(metric="rmse", higher_is_better=False)


class FeatureTableConfig(Strict):
    """A feature table in `<catalog>.ml`, declared so its data-drift monitor has a table at apply time."""

    name: UcIdentifier
    profile: Literal["snapshot", "time_series"] = "snapshot"
    timestamp_col: UcIdentifier | None = None
    granularities: list[Granularity] = Field(default_factory=lambda: ["1 day"], min_length=1)
    columns: list[FeatureColumn] = Field(min_length=1)

    @field_validator("columns")
    @classmethod
    def _unique_columns(cls, value: list[FeatureColumn]) -> list[FeatureColumn]:
        return unique_names(value, "column")

    @model_validator(mode="after")
    def _time_series_needs_timestamp(self) -> FeatureTableConfig:
        if self.profile == "time_series" and not self.timestamp_col:
            raise ValueError(f"feature table '{self.name}' has profile time_series but no timestamp_col")
        return self


class ExistingWorkspace(Strict):
    host: str
    workspace_id: PositiveId

    @field_validator("host")
    @classmethod
    def _https(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+/?$", value):
            raise ValueError(f"'{value}' is not a workspace URL (for example 'https://dbc-1234.cloud.databricks.com')")
        return value.rstrip("/")


class WorkspaceCreate(Strict):
    """An AWS workspace created through the account API (`databricks_mws_workspaces`)."""

    deployment_name: str
    aws_region: str
    credentials_id: str
    storage_configuration_id: str
    network_id: str | None = None
    pricing_tier: Literal["PREMIUM", "ENTERPRISE"] = "PREMIUM"

    @field_validator("deployment_name")
    @classmethod
    def _deployment(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9-]{1,62}$", value):
            raise ValueError(f"'{value}' is not a deployment name (lower-case letters, digits, hyphens)")
        return value


class WorkspaceConfig(Strict):
    """Either attach to an existing workspace (`host` + `workspace_id`) or `create` one."""

    host: str | None = None
    workspace_id: PositiveId | None = None
    create: WorkspaceCreate | None = None

    @model_validator(mode="after")
    def _one_of(self) -> WorkspaceConfig:
        if self.create is not None:
            if self.host or self.workspace_id:
                raise ValueError("give either create or host + workspace_id, not both")
            return self
        if not self.host or self.workspace_id is None:
            raise ValueError("needs host and workspace_id of an existing workspace, or create: {...}")
        ExistingWorkspace(host=self.host, workspace_id=self.workspace_id)
        return self

    @property
    def url(self) -> str:
        """The workspace URL for callers outside Terraform (bootstrap, live audit).

        For a created workspace this is only a guess from the deployment name (Databricks may add an
        account prefix); the stacks never use it: they read `workspace_url` from the account stack.
        """
        if self.create is not None:
            return f"https://{self.create.deployment_name}.cloud.databricks.com"
        assert self.host
        return self.host.rstrip("/")


class BackendConfig(Strict):
    """Terraform state backend; `options` are passed to the CDKTF backend class of that type."""

    type: Literal["local", "s3", "azurerm", "gcs", "remote"] = "local"
    options: dict[str, str | bool | int] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _required_options(self) -> BackendConfig:
        required = {
            "local": (),
            "s3": ("bucket", "key", "region"),
            "azurerm": ("resource_group_name", "storage_account_name", "container_name", "key"),
            "gcs": ("bucket",),
            "remote": ("organization", "workspace"),
        }[self.type]
        missing = [k for k in required if k not in self.options]
        if missing:
            raise ValueError(f"backend type '{self.type}' needs options: {', '.join(missing)}")
        if self.type == "s3" and "dynamodb_table" in self.options and self.options.get("use_lockfile") is not True:
            raise ValueError(
                "backend option dynamodb_table is deprecated since Terraform 1.11; set use_lockfile: true "
                "(S3-native locking) and remove dynamodb_table once every run uses Terraform 1.10 or later"
            )
        secrets = [k for k in self.options if SECRET_NAME.search(k)]
        if secrets:
            raise ValueError(
                f"backend option(s) {', '.join(secrets)} hold credentials, which would be written to the synthesized "
                "JSON; remove them and give the backend its credentials through its environment variables "
                "(AWS_*, ARM_*, GOOGLE_CREDENTIALS, TF_TOKEN_*)"
            )
        return self


class DeployerConfig(Strict):
    """The environment's CI/CD service principal."""

    display_name: str | None = Field(default=None, min_length=1, max_length=255)
    member_of: list[str] = Field(default_factory=list)
    # GitHub environment names go into the OIDC subject `repo:<owner>/<repo>:environment:<name>`.
    github_environment: Annotated[str, text_like(GITHUB_ENVIRONMENT, "a GitHub environment name", "prod")] | None = None


class JobsConfig(Strict):
    """How bootstrap seeds the MLOps jobs in this environment."""

    git_branch: Annotated[str, text_like(GIT_REF, "a git branch name", "main")] | None = None
    git_tag: Annotated[str, text_like(GIT_REF, "a git tag name", "v1.2.0")] | None = None
    training_schedule: QuartzCron = "0 0 3 ? * MON"
    batch_inference_schedule: QuartzCron = "0 0 5 * * ?"
    monitoring_schedule: QuartzCron = "0 0 7 * * ?"
    timezone: str = "UTC"
    data_fraction: float = Field(default=1.0, gt=0, le=1)
    paused: bool = False
    permissions: dict[str, Literal["CAN_VIEW", "CAN_MANAGE_RUN", "CAN_MANAGE"]] | None = None

    @model_validator(mode="after")
    def _one_ref(self) -> JobsConfig:
        if self.git_branch and self.git_tag:
            raise ValueError("give git_branch or git_tag, not both")
        return self


class EnvironmentConfig(Strict):
    tier: Tier | None = None
    workspace: WorkspaceConfig
    catalog: UcIdentifier
    storage_root: str | None = None  # the catalog's managed storage, needed on a metastore without root storage
    access: dict[str, Role] = Field(default_factory=dict)
    read_only_from: list[str] = Field(default_factory=list)
    serving: bool | list[str] | None = None  # True/False for every served model, or the names to serve
    monitoring: bool | None = None
    warehouse_id: Annotated[str, text_like(WAREHOUSE_ID, "a SQL warehouse id", "1234567890abcdef")] | None = None
    backend: BackendConfig = Field(default_factory=BackendConfig)
    deployer: DeployerConfig = Field(default_factory=DeployerConfig)
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    notifications: NotificationsConfig | None = None

    @field_validator("storage_root")
    @classmethod
    def _storage_url(cls, value: str | None) -> str | None:
        if value is not None and not STORAGE_URL.match(value):
            raise ValueError(
                f"'{value}' is not a cloud storage URL; use s3://bucket/path, abfss://container@account.dfs.core."
                "windows.net/path, gs://bucket/path or r2://bucket/path (inside an external location)"
            )
        return value


class PlatformConfig(Strict):
    project: str
    account: AccountConfig
    github: GithubConfig
    groups: dict[GroupRole, Annotated[str, Field(min_length=1)]] = Field(min_length=1)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    models: list[ModelConfig] = Field(default_factory=list)
    feature_tables: list[FeatureTableConfig] = Field(default_factory=list)
    environments: dict[EnvironmentName, EnvironmentConfig] = Field(min_length=1)

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9-]{0,39}$", value):
            raise ValueError(f"'{value}' is not a project slug (lower-case letters, digits, hyphens; max 40)")
        return value

    @field_validator("environments")
    @classmethod
    def _distinct_as_terraform_names(cls, value: dict[str, EnvironmentConfig]) -> dict[str, EnvironmentConfig]:
        """Terraform names spell `-` as `_` (`binding_read_only_<env>`): `qa-1` and `qa_1` would be one resource."""
        seen: dict[str, str] = {}
        for name in value:
            other = seen.setdefault(name.replace("-", "_"), name)
            if other != name:
                raise ValueError(f"environments '{other}' and '{name}' differ only in '-' versus '_', which "
                                 "Terraform resource names do not tell apart; rename one")
        return value

    @field_validator("environments")
    @classmethod
    def _endpoint_names_fit(cls, value: dict[str, EnvironmentConfig], info: ValidationInfo) -> dict[str, Any]:
        """`<project>-<env>-<model>` names a serving endpoint; cut to the limit, two models could share one."""
        project: str = info.data.get("project") or ""  # absent when the project key itself failed validation
        models = info.data.get("models") or []
        for env in value if project else ():
            for model in models:
                name = endpoint_name(project, env, model.name)
                if len(name) > ENDPOINT_NAME_MAX and model.serving is not None:
                    raise ValueError(f"serving endpoint name '{name}' of model '{model.name}' in environment "
                                     f"'{env}' is longer than {ENDPOINT_NAME_MAX} characters; shorten the "
                                     "project, environment or model name")
        return value

    # Accessors that resolve defaults, so no layer re-derives them differently.

    def env(self, name: str) -> Environment:
        return Environment(self, name)

    def envs(self) -> list[Environment]:
        return [Environment(self, name) for name in self.environments]

    def model(self, name: str) -> ModelConfig | None:
        return next((m for m in self.models if m.name == name), None)

    def promotion_path(self, model: ModelConfig) -> list[str]:
        """Environments a `deploy-model` version moves through, training environment first ([] for deploy-code).

        Asked for every model of every environment by the review's postures: a deploy-code model's answer
        needs no environment read."""
        if model.deployment.strategy != "deploy-model":
            return []
        return promotion_path(model.deployment, {env.name: env.tier for env in self.envs()})


class Environment:
    """One environment with its defaults resolved (tier, serving, names) against the platform."""

    SCHEMAS = (MODEL_SCHEMA, INFERENCE_SCHEMA, MONITORING_SCHEMA)

    def __init__(self, platform: PlatformConfig, name: str) -> None:
        self.platform = platform
        self.name = name
        self.config = platform.environments[name]

    def __repr__(self) -> str:
        return f"Environment({self.name!r})"

    @property
    def tier(self) -> str:
        return self.config.tier or self.name

    @property
    def governed(self) -> bool:
        """Staging and prod: isolated catalogs, read-only humans, inference tables everywhere."""
        return self.tier in ("staging", "prod")

    @property
    def protected(self) -> bool:
        """Prod: data-bearing resources cannot be destroyed by Terraform."""
        return self.tier == "prod"

    @property
    def catalog(self) -> str:
        return self.config.catalog

    @property
    def isolation_mode(self) -> str:
        """Governed catalogs are ISOLATED (reachable only from bound workspaces); dev catalogs are OPEN."""
        return "ISOLATED" if self.governed else "OPEN"

    @property
    def workspace_bindings(self) -> list[tuple[str, str]]:
        """(environment name, binding type) of each workspace bound to an ISOLATED catalog: its own workspace
        READ_WRITE, each `read_only_from` workspace and each environment that receives a deploy-model version
        from here READ_ONLY. An OPEN catalog has no bindings."""
        if not self.governed:
            return []
        readers = list(self.config.read_only_from)
        readers += [target for target in self.promotion_targets if target not in readers]
        return [(self.name, "BINDING_TYPE_READ_WRITE")] + [(other, "BINDING_TYPE_READ_ONLY") for other in readers]

    @property
    def serving_enabled(self) -> bool:
        serving = self.config.serving
        if serving is None:
            return self.tier != "dev"
        return bool(serving)

    @property
    def monitoring_enabled(self) -> bool:
        if not self.serving_enabled:
            return False
        return self.config.monitoring if self.config.monitoring is not None else True

    @property
    def served_models(self) -> list[ModelConfig]:
        if not self.serving_enabled:
            return []
        chosen = self.config.serving if isinstance(self.config.serving, list) else None
        return [m for m in self.platform.models if m.serving is not None and (chosen is None or m.name in chosen)]

    @property
    def monitored_models(self) -> list[ModelConfig]:
        return [m for m in self.served_models if m.monitor is not None] if self.monitoring_enabled else []

    def trains(self, model: ModelConfig) -> bool:
        """Whether this environment trains `model` (every one under deploy-code; the first of the path otherwise)."""
        path = self.platform.promotion_path(model)
        return not path or path[0] == self.name

    def promotion_source(self, model: ModelConfig) -> str | None:
        """The environment whose registered version this one receives (deploy-model), else None."""
        path = self.platform.promotion_path(model)
        return path[path.index(self.name) - 1] if self.name in path[1:] else None

    def promotion_target(self, model: ModelConfig) -> str | None:
        """The environment that receives `model`'s registered version from this one (deploy-model), else None."""
        return _after(self.platform.promotion_path(model), self.name)

    @property
    def promoted_models(self) -> dict[str, list[ModelConfig]]:
        """Receiving environment -> the deploy-model models it copies from this environment's catalog.

        The environments' tiers are read once for every model (a platform can have a thousand)."""
        tiers = {env.name: env.tier for env in self.platform.envs()}
        found: dict[str, list[ModelConfig]] = {}
        for model in self.platform.models:
            target = _after(promotion_path(model.deployment, tiers), self.name)
            if target is not None:
                found.setdefault(target, []).append(model)
        return found

    @property
    def promotion_targets(self) -> list[str]:
        """Environments whose deployer reads a registered model of this catalog (in config order)."""
        promoted = self.promoted_models
        return [name for name in self.platform.environments if name in promoted]

    @property
    def creates_workspace(self) -> bool:
        return self.config.workspace.create is not None

    @property
    def host(self) -> str:
        return self.config.workspace.url

    @property
    def deployer_name(self) -> str:
        return self.config.deployer.display_name or f"{self.platform.project}-{self.name}-deployer"

    @property
    def github_environment(self) -> str:
        return self.config.deployer.github_environment or self.name

    @property
    def oidc_subject(self) -> str:
        return f"repo:{self.platform.github.repository}:environment:{self.github_environment}"

    def oidc_audiences(self, workspace_url: str) -> list[str]:
        """Audiences GitHub's token may carry: the account id (what the SDKs ask for at account level and the
        policy default) and the workspace's token endpoint (what they ask for at a workspace that
        advertises no default audience). `workspace_url` is the real URL (a reference for a created one)."""
        return [self.platform.account.account_id, f"{workspace_url}/oidc/v1/token"]

    @property
    def notification_emails(self) -> list[str]:
        own = self.config.notifications
        return list(own.emails if own is not None else self.platform.notifications.emails)

    @property
    def git_ref(self) -> tuple[str, str]:
        """('branch' | 'tag', name) that bootstrap jobs check out; prod defaults to the release branch."""
        jobs = self.config.jobs
        if jobs.git_tag:
            return ("tag", jobs.git_tag)
        return ("branch", jobs.git_branch or "main")

    @property
    def job_permission_roles(self) -> dict[str, str]:
        """Group role -> job permission level; by default engineers run jobs and scientists watch them."""
        declared: Mapping[str, str] | None = self.config.jobs.permissions
        if declared is None:
            defaults = {"ml_engineers": "CAN_MANAGE_RUN", "data_scientists": "CAN_VIEW"}
            declared = {role: level for role, level in defaults.items() if role in self.platform.groups}
        return dict(declared)

    @property
    def job_permissions(self) -> dict[str, str]:
        """Group name -> job permission level."""
        return {self.group(role): level for role, level in self.job_permission_roles.items()}

    @property
    def workspace_roles(self) -> list[str]:
        """Group roles whose members work in this environment's workspace: data access, endpoint callers, jobs.

        Account groups reach a workspace only when assigned to it, so the stacks assign exactly these.
        """
        roles = set(self.config.access) | set(self.job_permission_roles)
        for model in self.served_models:
            roles |= set(model.serving.query_roles if model.serving else ())
        return sorted(roles)

    def group(self, role: str) -> str:
        return self.platform.groups[role]

    def endpoint_name(self, model: ModelConfig) -> str:
        return endpoint_name(self.platform.project, self.name, model.name)

    def model_full_name(self, model: ModelConfig) -> str:
        return f"{self.catalog}.{MODEL_SCHEMA}.{model.name}"

    @property
    def monitoring_schema(self) -> str:
        """Where every monitor of this environment writes its metrics tables (`output_schema_name`)."""
        return f"{self.catalog}.{MONITORING_SCHEMA}"

    def inference_table_prefix(self, model: ModelConfig) -> str:
        return model.name

    def payload_table(self, model: ModelConfig) -> str:
        """The raw AI Gateway payload table Databricks writes for the endpoint."""
        return payload_table_name(self.catalog, INFERENCE_SCHEMA, self.inference_table_prefix(model))

    def processed_table(self, model: ModelConfig) -> str:
        """The monitorable table the monitoring job fills from the payload table."""
        return processed_table_name(self.catalog, self.inference_table_prefix(model))

    def drift_metrics_table(self, model: ModelConfig) -> str:
        """What the monitor on `processed_table` writes to `monitoring_schema` (read by alert and drift check)."""
        return monitor_output_tables(self.monitoring_schema, self.processed_table(model))[1]

    def profile_metrics_table(self, model: ModelConfig) -> str:
        return monitor_output_tables(self.monitoring_schema, self.processed_table(model))[0]

    def feature_table(self, table: FeatureTableConfig) -> str:
        """A declared feature table's full name, in the models' schema."""
        return f"{self.catalog}.{MODEL_SCHEMA}.{table.name}"

    def monitor_assets_dir(self, monitored: str) -> str:
        """Workspace folder of a monitor's dashboard; per project, so two platforms in a workspace do not share it."""
        return f"/Shared/{self.platform.project}/monitors/{self.name}/{monitored}"

    def batch_predictions_table(self, model: ModelConfig) -> str:
        """Where the batch inference job writes the champion's scores (lakestack owns it: the stacks declare it)."""
        return f"{self.catalog}.{MODEL_SCHEMA}.{model.name}_batch_predictions"

    def job_kinds(self, model: ModelConfig) -> list[str]:
        """The MLOps jobs bootstrap seeds for a model here: training where the model trains (a promotion job
        where a deploy-model version is received instead), batch inference, and monitoring when the model
        is monitored in this environment."""
        monitored = any(m.name == model.name for m in self.monitored_models)
        first = "training" if self.trains(model) else "promotion"
        return [first, "batch-inference", *(["monitoring"] if monitored else [])]

    def job_schedule(self, kind: str) -> str | None:
        """The Quartz cron expression of a job kind (timezone: `jobs.timezone`); None for a promotion, which runs
        when started (by the deploy workflow or by hand) after the source environment has a new champion."""
        jobs = self.config.jobs
        return {"training": jobs.training_schedule, "batch-inference": jobs.batch_inference_schedule,
                "monitoring": jobs.monitoring_schedule, "promotion": None}[kind]

    def drift_alert_name(self, model: ModelConfig) -> str:
        return f"[{self.platform.project}/{self.name}] drift on {model.name}"

    def table(self, name: str) -> str:
        """A config table name in this environment: `t` -> `<catalog>.ml.t`, `s.t` -> `<catalog>.s.t`, else as is."""
        parts = name.split(".")
        if len(parts) == 3:
            return name
        return f"{self.catalog}.{name}" if len(parts) == 2 else f"{self.catalog}.{MODEL_SCHEMA}.{name}"

    def training_table(self, model: ModelConfig) -> str:
        return self.table(model.data.training_table or default_table(model, "training"))

    def scoring_table(self, model: ModelConfig) -> str:
        """The batch inference input."""
        return self.table(model.data.scoring_table or default_table(model, "scoring"))

    def ground_truth_table(self, model: ModelConfig) -> str:
        """Where labels of served predictions arrive (joined by request id or business key)."""
        ground_truth: GroundTruthConfig = model.data.ground_truth
        return self.table(ground_truth.table or default_table(model, "labels"))

    def evaluation_table(self, model: ModelConfig) -> str | None:
        """The evaluation table, or None when evaluation is a time cut of the training table."""
        evaluation: EvaluationConfig = model.data.evaluation
        return self.table(evaluation.table) if evaluation.table else None

    def feature_table_named(self, name: str) -> str:
        """The full name of the declared feature table `name`."""
        table = next(t for t in self.platform.feature_tables if t.name == name)
        return self.feature_table(table)

    def job_name(self, model: ModelConfig, kind: str) -> str:
        """Name of a seeded MLOps job; kind is training, batch-inference or monitoring."""
        return f"{self.platform.project}-{self.name}-{model.name}-{kind}"

    def experiment_path(self, model: ModelConfig) -> str:
        return f"/Shared/{self.platform.project}/{self.name}/{model.name}"
