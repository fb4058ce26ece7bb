"""The platform as declared, as plain data: what each environment's stacks and jobs will hold.

Built only from the config's accessors (`Environment`, the role table), the same ones the stacks and
bootstrap read, so `lakestack show` says what a synth would produce without running one. Every
format (text, markdown, JSON) renders this one structure.
"""

from __future__ import annotations

from typing import Any

from infra.config.model import Environment, FeatureTableConfig, ModelConfig, PlatformConfig
from infra.config.roles import PROMOTION_READER, privileges

SECURABLES = ("catalog", "schema", "model")
BINDING_NAMES = {"BINDING_TYPE_READ_WRITE": "READ_WRITE", "BINDING_TYPE_READ_ONLY": "READ_ONLY"}
WORKSPACE_PERMISSION = "USER"


def platform_facts(config: PlatformConfig, env: str | None = None) -> dict[str, Any]:
    envs = [e for e in config.envs() if env is None or e.name == env]
    return {
        "project": config.project,
        "github_repository": config.github.repository,
        "groups": dict(config.groups),
        "models": [m.name for m in config.models],
        "feature_tables": [t.name for t in config.feature_tables],
        "environments": [environment_facts(e) for e in envs],
    }


def environment_facts(env: Environment) -> dict[str, Any]:
    return {
        "name": env.name,
        "tier": env.tier,
        "governed": env.governed,
        "protected": env.protected,
        "stacks": [f"{env.name}-account", env.name],  # account-level objects apart from what the deployer applies
        "backend": env.config.backend.type,
        "workspace": _workspace(env),
        "catalog": {
            "name": env.catalog,
            "isolation": env.isolation_mode,
            "schemas": list(env.SCHEMAS),
            "owner": env.deployer_name,
            "prevent_destroy": env.protected,
        },
        "bindings": [
            {"environment": other, "workspace_id": _workspace_id(env.platform.env(other)),
             "binding": BINDING_NAMES[binding]}
            for other, binding in env.workspace_bindings
        ],
        "access": [_group_access(env, role, access) for role, access in sorted(env.config.access.items())],
        "deployer": _deployer(env),
        "read_paths": _read_paths(env),
        "workspace_groups": [{"role": role, "group": env.group(role), "permission": WORKSPACE_PERMISSION}
                             for role in env.workspace_roles],
        "serving": [_serving(env, model) for model in env.served_models],
        "monitors": [_inference_monitor(env, model) for model in env.monitored_models]
        + ([_feature_monitor(env, table) for table in env.platform.feature_tables] if env.monitoring_enabled else []),
        "jobs": _jobs(env),
        "notifications": env.notification_emails,
    }


def _read_paths(env: Environment) -> list[dict[str, Any]]:
    """Deploy-model steps out of this environment: which deployer may read which registered model here."""
    return [
        {"deployer": env.platform.env(receiver).deployer_name, "environment": receiver,
         "model": env.model_full_name(model), "step": f"{env.name} -> {receiver}",
         "privileges": {securable: list(privileges) for securable, privileges in PROMOTION_READER.items()}}
        for receiver, models in env.promoted_models.items() for model in models
    ]


def _workspace(env: Environment) -> dict[str, Any]:
    create = env.config.workspace.create
    return {
        "host": env.host,
        "workspace_id": env.config.workspace.workspace_id,
        "created": create is not None,
        "region": create.aws_region if create is not None else None,
    }


def _workspace_id(env: Environment) -> int | str:
    """An existing workspace's id, or "created" for one the `<env>-account` stack creates."""
    workspace_id = env.config.workspace.workspace_id
    return workspace_id if workspace_id is not None else "created"


def _group_access(env: Environment, role: str, access: str) -> dict[str, Any]:
    return {
        "role": role,
        "group": env.group(role),
        "access": access,
        "privileges": {securable: list(privileges(access, securable)) for securable in SECURABLES},
        "on": {
            "catalog": env.catalog,
            "schema": [f"{env.catalog}.{schema}" for schema in env.SCHEMAS],
            "model": [env.model_full_name(m) for m in env.platform.models],
        },
    }


def _deployer(env: Environment) -> dict[str, Any]:
    return {
        "name": env.deployer_name,
        "owns": [env.catalog, *(f"{env.catalog}.{s}" for s in env.SCHEMAS),
                 *(env.model_full_name(m) for m in env.platform.models)],
        "manages_endpoints": [env.endpoint_name(m) for m in env.served_models],
        "runs_jobs": True,
        "workspace_permission": WORKSPACE_PERMISSION,
        "member_of": [env.group(role) for role in env.config.deployer.member_of],
        "github_environment": env.github_environment,
        "oidc_subject": env.oidc_subject,
    }


def _serving(env: Environment, model: ModelConfig) -> dict[str, Any]:
    serving = model.serving
    assert serving is not None, "served models have a serving section"
    return {
        "model": model.name,
        "registered_model": env.model_full_name(model),
        "endpoint": env.endpoint_name(model),
        "workload_size": serving.workload_size,
        "scale_to_zero": serving.scale_to_zero,
        "rate_limits": list(serving.rate_limits),
        "callers": [env.group(role) for role in serving.query_roles] + list(serving.query_principals),
        "manager": env.deployer_name,
        "payload_table": env.payload_table(model),
    }


def _inference_monitor(env: Environment, model: ModelConfig) -> dict[str, Any]:
    monitor = model.monitor
    assert monitor is not None, "monitored models have a monitor section"
    return {
        "kind": "inference",
        "subject": model.name,
        "table": env.processed_table(model),
        "granularities": list(monitor.granularities),
        "schedule": monitor.schedule,
        "timezone": monitor.timezone,
        "drift_metrics": {"numeric": monitor.drift_metrics.numeric, "categorical": monitor.drift_metrics.categorical},
        "alert_when": (f"data drift ({monitor.drift_metrics.numeric} numeric, {monitor.drift_metrics.categorical} "
                       f"categorical) > {monitor.drift_threshold} or model performance drops"),
        "drift_threshold": monitor.drift_threshold,
        "min_violating_windows": monitor.min_violating_windows,
        "drift_metrics_table": env.drift_metrics_table(model),
        "alert": env.drift_alert_name(model),
        "notify": env.notification_emails,
    }


def _feature_monitor(env: Environment, table: FeatureTableConfig) -> dict[str, Any]:
    jobs = env.config.jobs
    return {
        "kind": "feature",
        "subject": table.name,
        "table": env.feature_table(table),
        "profile": table.profile,
        "granularities": list(table.granularities),
        "schedule": jobs.monitoring_schedule,
        "timezone": jobs.timezone,
    }


def _jobs(env: Environment) -> dict[str, Any]:
    jobs = env.config.jobs
    ref_type, ref = env.git_ref
    return {
        "git_ref": f"{ref_type} {ref}",
        "data_fraction": jobs.data_fraction,
        "paused": jobs.paused,
        "timezone": jobs.timezone,
        "run_as": env.deployer_name,
        "permissions": env.job_permissions,
        "jobs": [
            {"name": env.job_name(model, kind), "model": model.name, "kind": kind, "schedule": env.job_schedule(kind)}
            for model in env.platform.models for kind in env.job_kinds(model)
        ],
    }
