"""Typed platform configuration: the one shape every layer reads.

Built once from `infra/platform.yaml` by `infra.config.load_config` and passed down; stacks,
policies, review and bootstrap never read the YAML themselves. Key names are the interface in
DESIGN.md section 3: extend, don't rename.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

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


UcIdentifier = Annotated[str, AfterValidator(uc_identifier)]
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


class Strict(BaseModel):
    """Base for every config object: immutable, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class AccountConfig(Strict):
    account_id: str = Field(min_length=1)
    host: str = "https://accounts.cloud.databricks.com"
    metastore_id: str = Field(min_length=1)
    cloud: Literal["aws", "azure", "gcp"] = "aws"


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
            if "@" not in email:
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
            if not RATE_LIMIT.match(item):
                raise ValueError(
                    f"rate limit '{item}' does not parse; write '<calls>/minute per user' or "
                    "'<calls>/minute per endpoint', for example '100/minute per user'"
                )
        return value

    def parsed_rate_limits(self) -> list[tuple[int, str, str]]:
        """(calls, renewal_period, key) for each rate limit."""
        out = []
        for item in self.rate_limits:
            match = RATE_LIMIT.match(item)
            assert match  # validated above
            out.append((int(match.group(1)), match.group(2), match.group(3)))
        return out


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
    baseline_table: str | None = None
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
    # Where the model's data lives (infra/config/data.py); defaults name `<model>_training`, `_scoring`, `_labels`.
    data: DataConfig = Field(default_factory=DataConfig)

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

    @model_validator(mode="after")
    def _time_series_needs_timestamp(self) -> FeatureTableConfig:
        if self.profile == "time_series" and not self.timestamp_col:
            raise ValueError(f"feature table '{self.name}' has profile time_series but no timestamp_col")
        return self


class ExistingWorkspace(Strict):
    host: str
    workspace_id: int

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
    workspace_id: int | None = None
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
        """The workspace URL; for a created AWS workspace it follows from the deployment name."""
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

    display_name: str | None = None
    member_of: list[str] = Field(default_factory=list)
    github_environment: str | None = None


class JobsConfig(Strict):
    """How bootstrap seeds the MLOps jobs in this environment."""

    git_branch: str | None = None
    git_tag: str | None = None
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
    storage_root: str | None = None
    access: dict[str, Role] = Field(default_factory=dict)
    read_only_from: list[str] = Field(default_factory=list)
    serving: bool | list[str] | None = None  # True/False for every served model, or the names to serve
    monitoring: bool | None = None
    warehouse_id: str | None = None
    backend: BackendConfig = Field(default_factory=BackendConfig)
    deployer: DeployerConfig = Field(default_factory=DeployerConfig)
    jobs: JobsConfig = Field(default_factory=JobsConfig)
    notifications: NotificationsConfig | None = None


class PlatformConfig(Strict):
    project: str
    account: AccountConfig
    github: GithubConfig
    groups: dict[str, str] = Field(min_length=1)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    models: list[ModelConfig] = Field(default_factory=list)
    feature_tables: list[FeatureTableConfig] = Field(default_factory=list)
    environments: dict[str, EnvironmentConfig] = Field(min_length=1)

    @field_validator("project")
    @classmethod
    def _project(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9-]{0,39}$", value):
            raise ValueError(f"'{value}' is not a project slug (lower-case letters, digits, hyphens; max 40)")
        return value

    # Accessors that resolve defaults, so no layer re-derives them differently.

    def env(self, name: str) -> Environment:
        return Environment(self, name)

    def envs(self) -> list[Environment]:
        return [Environment(self, name) for name in self.environments]

    def model(self, name: str) -> ModelConfig | None:
        return next((m for m in self.models if m.name == name), None)


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

    @property
    def oidc_audiences(self) -> list[str]:
        """Audiences GitHub's token may carry: the account id (what the SDKs ask for at account level and the
        policy default) and the workspace's token endpoint (what they ask for at a workspace that
        advertises no default audience)."""
        return [self.platform.account.account_id, f"{self.host}/oidc/v1/token"]

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
        declared = self.config.jobs.permissions
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
        # Serving endpoint names allow letters, digits, hyphens and underscores, up to 63 characters.
        return f"{self.platform.project}-{self.name}-{model.name}".replace("_", "-")[:63]

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
