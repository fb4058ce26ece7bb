"""Drift made observable and actionable: processed inference table, quality monitor, drift alert.

The AI Gateway writes raw request/response payloads, which Lakehouse Monitoring cannot profile as
they are; the monitoring job unpacks them into the processed table declared here (so the monitor
has a table at apply time). The monitor computes profile and drift metrics on it; the SQL alert
reads both metric tables and notifies when, in the latest window, a served version's data drift
crosses `drift_threshold` or its model performance drops below its rule. The retraining trigger
itself is the seeded monitoring job's check, which reads the same query (`monitor_windows_sql`) from
the same config (see README, "Drift: who does what").
"""


from __future__ import annotations

from infra.cdk import (
    AlertV2,
    AlertV2Evaluation,
    AlertV2EvaluationNotification,
    AlertV2EvaluationNotificationSubscriptions,
    AlertV2EvaluationSource,
    AlertV2EvaluationThreshold,
    AlertV2EvaluationThresholdValue,
    AlertV2RunAs,
    AlertV2Schedule,
    Construct,
    QualityMonitor,
    QualityMonitorInferenceLog,
    QualityMonitorNotifications,
    QualityMonitorNotificationsOnFailure,
    QualityMonitorSchedule,
    SqlTable,
    SqlTableColumn,
)
from infra.config.model import Environment, ModelConfig
from infra.config.tables import (
    PROCESSED_TABLE_PROPERTIES,
    latest_violation_sql,
    performance_rule,
    processed_columns,
)
from infra.constructs.naming import terraform_name
from infra.constructs.protection import lifecycle, monitor_lifecycle
from infra.constructs.references import SchemaName, object_full_name, schema_full_name


def sql_columns(model: ModelConfig) -> list[SqlTableColumn]:
    return [SqlTableColumn(name=c.name, type=c.type, comment=c.comment or None) for c in processed_columns(model)]


class InferenceMonitor:
    def __init__(self, stack: Construct, *, env: Environment, model: ModelConfig, owner: str,
                 warehouse_id: str, deployer_application_id: str, schema: SchemaName,
                 output_schema: SchemaName) -> None:
        """`schema` holds the processed table, `output_schema` the metrics tables; both reached through references.
        The alert runs `MonitorConfig.alert_schedule`: after the refresh whose metrics it reads."""
        monitor = model.monitor
        assert monitor is not None, "only monitored models get a monitor"
        self.table = SqlTable(
            stack, terraform_name(f"predictions_{model.name}"),
            catalog_name=schema.catalog_name,
            schema_name=schema.name,
            name=env.processed_table(model).rsplit(".", 1)[-1],
            table_type="MANAGED",
            data_source_format="DELTA",
            comment=f"Processed inference log of {env.endpoint_name(model)}, filled by the monitoring job",
            column=sql_columns(model),
            owner=owner,
            warehouse_id=warehouse_id,
            properties=dict(PROCESSED_TABLE_PROPERTIES),
            lifecycle=lifecycle(env.protected),
        )
        emails = env.notification_emails
        self.monitor = QualityMonitor(
            stack, terraform_name(f"monitor_{model.name}"),
            table_name=object_full_name(self.table),
            assets_dir=env.monitor_assets_dir(model.name),
            output_schema_name=schema_full_name(output_schema),
            inference_log=[QualityMonitorInferenceLog(
                problem_type=f"PROBLEM_TYPE_{model.problem_type.upper()}",
                prediction_col=model.prediction_col,
                label_col=model.label_col,
                timestamp_col=model.timestamp_col,
                model_id_col=model.model_id_col,
                granularities=list(monitor.granularities),
            )],
            schedule=[QualityMonitorSchedule(quartz_cron_expression=monitor.schedule, timezone_id=monitor.timezone)],
            notifications=[QualityMonitorNotifications(
                on_failure=[QualityMonitorNotificationsOnFailure(email_addresses=emails)],
            )] if emails else None,
            slicing_exprs=list(monitor.slicing_exprs) or None,
            baseline_table_name=monitor.baseline_table,
            warehouse_id=warehouse_id,
            lifecycle=monitor_lifecycle(self.table),
        )
        AlertV2(
            stack, terraform_name(f"drift_alert_{model.name}"),
            display_name=env.drift_alert_name(model),
            query_text=latest_violation_sql(env, model, monitor),
            warehouse_id=warehouse_id,
            schedule=AlertV2Schedule(quartz_cron_schedule=monitor.alert_schedule, timezone_id=monitor.timezone),
            evaluation=AlertV2Evaluation(
                comparison_operator="GREATER_THAN",
                source=AlertV2EvaluationSource(name="violated"),
                threshold=AlertV2EvaluationThreshold(value=AlertV2EvaluationThresholdValue(double_value=0)),
                empty_result_state="OK",
                notification=AlertV2EvaluationNotification(
                    notify_on_ok=True,
                    subscriptions=[AlertV2EvaluationNotificationSubscriptions(user_email=e) for e in emails] or None,
                ),
            ),
            custom_summary=(f"{model.name}: data drift above {monitor.drift_threshold} or a drop in "
                            f"{performance_rule(model, monitor).metric}"),
            run_as=AlertV2RunAs(service_principal_name=deployer_application_id),
            depends_on=[self.monitor],
        )
