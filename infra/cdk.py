"""The CDK engine, in one place: every CDK and Databricks provider class the stacks use comes from here.

Two engines take the same classes under other module names: CDKTF (`cdktf` 0.21 with
`cdktf-cdktf-provider-databricks` 15.16, provider 1.99; the default) and its community fork CDK
Terrain (`cdktn` 0.24 with `cdktn-provider-databricks` 18.11, provider 1.138; the
`lakestack[cdktn]` extra). `LAKESTACK_CDK_ENGINE=cdktn` selects the fork (`infra/cdk_engine.py`,
docs/cdk-engine.md).

Only the provider submodules listed here are imported. The provider package's own `__init__`
imports all of its ~250 submodules (over a second of start-up for every synth); Python runs a
package's `__init__` before any of its submodules, so `provider_module` puts a bare package
object (the real package's folder as its path, nothing executed) in `sys.modules` first. The
submodules need nothing from the package `__init__`: each loads the jsii assembly itself through
`<package>._jsii`. A class of a submodule not imported here is unknown to jsii in this process, so
a new resource type is added to this file before a construct uses it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from typing import TYPE_CHECKING

from infra.cdk_engine import Engine, require, selected_engine
from infra.node_runtime import node_options_for_runtime
from lakestack.errors import InputError


def provider_module(engine: Engine, submodule: str) -> types.ModuleType:
    """`<provider package>.<submodule>`, without running the provider package's `__init__` (see above)."""
    package = engine.provider
    if package not in sys.modules:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.submodule_search_locations is None:
            require(engine, package)
            raise InputError(f"{package} is not a package")
        bare = types.ModuleType(package)
        bare.__path__ = list(spec.submodule_search_locations)
        bare.__spec__ = spec
        sys.modules[package] = bare
    return importlib.import_module(f"{package}.{submodule}")


# The type checker reads the default engine's classes statically: the runtime branch takes them
# from module attributes (`importlib`), which a checker can only see as `Any`, so every construct
# would go unchecked. cdktf is the default engine, and CDK Terrain has the same classes under other
# module names (docs/cdk-engine.md), so cdktf's types hold for both; the runtime branch stays the
# only code that runs, and keeps the engine choice. A class added below is added to both branches
# (tests/infra/test_typing.py checks they name the same classes; docs/typing.md).
if TYPE_CHECKING:
    from cdktf import (
        App,
        AzurermBackend,
        DataTerraformRemoteState,
        DataTerraformRemoteStateAzurerm,
        DataTerraformRemoteStateGcs,
        DataTerraformRemoteStateLocal,
        DataTerraformRemoteStateS3,
        GcsBackend,
        ITerraformDependable,
        LocalBackend,
        NamedRemoteWorkspace,
        RemoteBackend,
        S3Backend,
        TerraformElement,
        TerraformOutput,
        TerraformProvider,
        TerraformRemoteState,
        TerraformResource,
        TerraformResourceLifecycle,
        TerraformStack,
        Testing,
        Token,
    )
    from cdktf_cdktf_provider_databricks.alert_v2 import (
        AlertV2,
        AlertV2Evaluation,
        AlertV2EvaluationNotification,
        AlertV2EvaluationNotificationSubscriptions,
        AlertV2EvaluationSource,
        AlertV2EvaluationThreshold,
        AlertV2EvaluationThresholdValue,
        AlertV2RunAs,
        AlertV2Schedule,
    )
    from cdktf_cdktf_provider_databricks.catalog import Catalog
    from cdktf_cdktf_provider_databricks.data_databricks_group import DataDatabricksGroup
    from cdktf_cdktf_provider_databricks.grants import Grants, GrantsGrant
    from cdktf_cdktf_provider_databricks.group_member import GroupMember
    from cdktf_cdktf_provider_databricks.metastore_assignment import MetastoreAssignment
    from cdktf_cdktf_provider_databricks.model_serving import (
        ModelServing,
        ModelServingAiGateway,
        ModelServingAiGatewayInferenceTableConfig,
        ModelServingAiGatewayRateLimits,
        ModelServingAiGatewayUsageTrackingConfig,
        ModelServingTags,
    )
    from cdktf_cdktf_provider_databricks.mws_permission_assignment import MwsPermissionAssignment
    from cdktf_cdktf_provider_databricks.mws_workspaces import MwsWorkspaces
    from cdktf_cdktf_provider_databricks.permissions import Permissions, PermissionsAccessControl
    from cdktf_cdktf_provider_databricks.provider import DatabricksProvider
    from cdktf_cdktf_provider_databricks.quality_monitor import (
        QualityMonitor,
        QualityMonitorInferenceLog,
        QualityMonitorNotifications,
        QualityMonitorNotificationsOnFailure,
        QualityMonitorSchedule,
        QualityMonitorSnapshot,
        QualityMonitorTimeSeries,
    )
    from cdktf_cdktf_provider_databricks.registered_model import RegisteredModel
    from cdktf_cdktf_provider_databricks.schema import Schema
    from cdktf_cdktf_provider_databricks.service_principal import ServicePrincipal
    from cdktf_cdktf_provider_databricks.service_principal_federation_policy import (
        ServicePrincipalFederationPolicy,
        ServicePrincipalFederationPolicyOidcPolicy,
    )
    from cdktf_cdktf_provider_databricks.sql_endpoint import SqlEndpoint, SqlEndpointTags, SqlEndpointTagsCustomTags
    from cdktf_cdktf_provider_databricks.sql_table import SqlTable, SqlTableColumn
    from cdktf_cdktf_provider_databricks.workspace_binding import WorkspaceBinding
    from constructs import Construct
else:
    ENGINE = selected_engine()
    require(ENGINE, ENGINE.core)
    require(ENGINE, ENGINE.provider)
    with node_options_for_runtime():  # the jsii runtime starts with the first CDK module (infra/node_runtime.py)
        _core = importlib.import_module(ENGINE.core)
    Construct = importlib.import_module("constructs").Construct

    App = _core.App
    AzurermBackend = _core.AzurermBackend
    DataTerraformRemoteState = _core.DataTerraformRemoteState
    DataTerraformRemoteStateAzurerm = _core.DataTerraformRemoteStateAzurerm
    DataTerraformRemoteStateGcs = _core.DataTerraformRemoteStateGcs
    DataTerraformRemoteStateLocal = _core.DataTerraformRemoteStateLocal
    DataTerraformRemoteStateS3 = _core.DataTerraformRemoteStateS3
    GcsBackend = _core.GcsBackend
    ITerraformDependable = _core.ITerraformDependable
    LocalBackend = _core.LocalBackend
    NamedRemoteWorkspace = _core.NamedRemoteWorkspace
    RemoteBackend = _core.RemoteBackend
    S3Backend = _core.S3Backend
    TerraformElement = _core.TerraformElement
    TerraformOutput = _core.TerraformOutput
    TerraformProvider = _core.TerraformProvider
    TerraformRemoteState = _core.TerraformRemoteState
    TerraformResource = _core.TerraformResource
    TerraformResourceLifecycle = _core.TerraformResourceLifecycle
    TerraformStack = _core.TerraformStack
    Testing = _core.Testing
    Token = _core.Token

    _alert_v2 = provider_module(ENGINE, "alert_v2")
    AlertV2 = _alert_v2.AlertV2
    AlertV2Evaluation = _alert_v2.AlertV2Evaluation
    AlertV2EvaluationNotification = _alert_v2.AlertV2EvaluationNotification
    AlertV2EvaluationNotificationSubscriptions = _alert_v2.AlertV2EvaluationNotificationSubscriptions
    AlertV2EvaluationSource = _alert_v2.AlertV2EvaluationSource
    AlertV2EvaluationThreshold = _alert_v2.AlertV2EvaluationThreshold
    AlertV2EvaluationThresholdValue = _alert_v2.AlertV2EvaluationThresholdValue
    AlertV2RunAs = _alert_v2.AlertV2RunAs
    AlertV2Schedule = _alert_v2.AlertV2Schedule

    Catalog = provider_module(ENGINE, "catalog").Catalog
    DataDatabricksGroup = provider_module(ENGINE, "data_databricks_group").DataDatabricksGroup
    _grants = provider_module(ENGINE, "grants")
    Grants = _grants.Grants
    GrantsGrant = _grants.GrantsGrant
    GroupMember = provider_module(ENGINE, "group_member").GroupMember
    MetastoreAssignment = provider_module(ENGINE, "metastore_assignment").MetastoreAssignment

    _model_serving = provider_module(ENGINE, "model_serving")
    ModelServing = _model_serving.ModelServing
    ModelServingAiGateway = _model_serving.ModelServingAiGateway
    ModelServingAiGatewayInferenceTableConfig = _model_serving.ModelServingAiGatewayInferenceTableConfig
    ModelServingAiGatewayRateLimits = _model_serving.ModelServingAiGatewayRateLimits
    ModelServingAiGatewayUsageTrackingConfig = _model_serving.ModelServingAiGatewayUsageTrackingConfig
    ModelServingTags = _model_serving.ModelServingTags

    MwsPermissionAssignment = provider_module(ENGINE, "mws_permission_assignment").MwsPermissionAssignment
    MwsWorkspaces = provider_module(ENGINE, "mws_workspaces").MwsWorkspaces
    _permissions = provider_module(ENGINE, "permissions")
    Permissions = _permissions.Permissions
    PermissionsAccessControl = _permissions.PermissionsAccessControl
    DatabricksProvider = provider_module(ENGINE, "provider").DatabricksProvider

    _quality_monitor = provider_module(ENGINE, "quality_monitor")
    QualityMonitor = _quality_monitor.QualityMonitor
    QualityMonitorInferenceLog = _quality_monitor.QualityMonitorInferenceLog
    QualityMonitorNotifications = _quality_monitor.QualityMonitorNotifications
    QualityMonitorNotificationsOnFailure = _quality_monitor.QualityMonitorNotificationsOnFailure
    QualityMonitorSchedule = _quality_monitor.QualityMonitorSchedule
    QualityMonitorSnapshot = _quality_monitor.QualityMonitorSnapshot
    QualityMonitorTimeSeries = _quality_monitor.QualityMonitorTimeSeries

    RegisteredModel = provider_module(ENGINE, "registered_model").RegisteredModel
    Schema = provider_module(ENGINE, "schema").Schema
    ServicePrincipal = provider_module(ENGINE, "service_principal").ServicePrincipal
    _federation_policy = provider_module(ENGINE, "service_principal_federation_policy")
    ServicePrincipalFederationPolicy = _federation_policy.ServicePrincipalFederationPolicy
    ServicePrincipalFederationPolicyOidcPolicy = _federation_policy.ServicePrincipalFederationPolicyOidcPolicy

    _sql_endpoint = provider_module(ENGINE, "sql_endpoint")
    SqlEndpoint = _sql_endpoint.SqlEndpoint
    SqlEndpointTags = _sql_endpoint.SqlEndpointTags
    SqlEndpointTagsCustomTags = _sql_endpoint.SqlEndpointTagsCustomTags
    _sql_table = provider_module(ENGINE, "sql_table")
    SqlTable = _sql_table.SqlTable
    SqlTableColumn = _sql_table.SqlTableColumn
    WorkspaceBinding = provider_module(ENGINE, "workspace_binding").WorkspaceBinding
