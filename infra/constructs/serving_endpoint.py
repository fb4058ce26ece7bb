"""A model-serving endpoint whose envelope Terraform owns and whose served versions the deploy job owns.

Terraform declares the name, AI Gateway (inference table, usage tracking, rate limits), tags and
permissions, and ignores `config`. The deployment task sets served entities and traffic when it
promotes a Champion. Without this split, every `terraform apply` would roll the endpoint back to
whatever version the code last named, and every promotion would show up as drift.
"""

from __future__ import annotations

from infra.cdk import (
    Construct,
    ModelServing,
    ModelServingAiGateway,
    ModelServingAiGatewayInferenceTableConfig,
    ModelServingAiGatewayRateLimits,
    ModelServingAiGatewayUsageTrackingConfig,
    ModelServingTags,
    Permissions,
    PermissionsAccessControl,
)
from infra.config.model import Environment, ModelConfig
from infra.constructs.naming import terraform_name
from infra.constructs.protection import lifecycle
from infra.constructs.references import ObjectName, SchemaName, object_full_name


class ServingEndpoint:
    def __init__(self, stack: Construct, *, env: Environment, model: ModelConfig,
                 deployer_application_id: str, inference_schema: SchemaName, registered_model: ObjectName) -> None:
        """`inference_schema`: where the AI Gateway writes the payload table; `registered_model`: what the
        endpoint serves. Both reached through references (created before it, destroyed after it)."""
        serving = model.serving
        assert serving is not None, "only served models get an endpoint"
        self.endpoint = ModelServing(
            stack, terraform_name(f"serving_{model.name}"),
            name=env.endpoint_name(model),
            ai_gateway=ModelServingAiGateway(
                inference_table_config=ModelServingAiGatewayInferenceTableConfig(
                    catalog_name=inference_schema.catalog_name,
                    schema_name=inference_schema.name,
                    table_name_prefix=env.inference_table_prefix(model),
                    enabled=True,
                ),
                usage_tracking_config=ModelServingAiGatewayUsageTrackingConfig(enabled=True),
                rate_limits=[
                    ModelServingAiGatewayRateLimits(calls=calls, renewal_period=period, key=key)
                    for calls, period, key in serving.parsed_rate_limits()
                ] or None,
            ),
            tags=[
                ModelServingTags(key="managed-by", value="lakestack"),
                ModelServingTags(key="environment", value=env.name),
                ModelServingTags(key="model", value=object_full_name(registered_model)),
                ModelServingTags(key="workload-size", value=serving.workload_size),
            ],
            lifecycle=lifecycle(False, ignore_changes=["config"]),
        )
        access = [
            PermissionsAccessControl(group_name=env.group(role), permission_level="CAN_QUERY")
            for role in serving.query_roles
        ] + [
            PermissionsAccessControl(service_principal_name=principal, permission_level="CAN_QUERY")
            for principal in serving.query_principals
        ] + [
            PermissionsAccessControl(service_principal_name=deployer_application_id, permission_level="CAN_MANAGE"),
        ]
        Permissions(
            stack, terraform_name(f"serving_permissions_{model.name}"),
            serving_endpoint_id=self.endpoint.serving_endpoint_id, access_control=access,
        )
