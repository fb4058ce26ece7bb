"""Data drift on feature tables: the table declared in `<catalog>.ml` and a snapshot or time-series monitor."""

from __future__ import annotations

from infra.cdk import (
    Construct,
    QualityMonitor,
    QualityMonitorSchedule,
    QualityMonitorSnapshot,
    QualityMonitorTimeSeries,
    SqlTable,
    SqlTableColumn,
)
from infra.config.model import Environment, FeatureTableConfig
from infra.constructs.naming import terraform_name
from infra.constructs.protection import lifecycle, monitor_lifecycle
from infra.constructs.references import SchemaName, object_full_name, schema_full_name


class FeatureMonitor:
    def __init__(self, stack: Construct, *, env: Environment, table: FeatureTableConfig, owner: str,
                 warehouse_id: str, schedule: str, timezone: str, schema: SchemaName,
                 output_schema: SchemaName) -> None:
        """`schema` holds the table, `output_schema` the metrics tables; both reached through references."""
        self.table = SqlTable(
            stack, terraform_name(f"feature_table_{table.name}"),
            catalog_name=schema.catalog_name,
            schema_name=schema.name,
            name=table.name,
            table_type="MANAGED",
            data_source_format="DELTA",
            comment=f"Feature table {table.name}, managed by lakestack",
            column=[SqlTableColumn(name=c.name, type=c.type) for c in table.columns],
            owner=owner,
            warehouse_id=warehouse_id,
            lifecycle=lifecycle(env.protected),
        )
        profile = (
            {"time_series": [QualityMonitorTimeSeries(granularities=list(table.granularities),
                                                      timestamp_col=table.timestamp_col or "")]}
            if table.profile == "time_series"
            else {"snapshot": [QualityMonitorSnapshot()]}
        )
        QualityMonitor(
            stack, terraform_name(f"feature_monitor_{table.name}"),
            table_name=object_full_name(self.table),
            assets_dir=env.monitor_assets_dir(table.name),
            output_schema_name=schema_full_name(output_schema),
            schedule=[QualityMonitorSchedule(quartz_cron_expression=schedule, timezone_id=timezone)],
            warehouse_id=warehouse_id,
            lifecycle=monitor_lifecycle(self.table),
            **profile,
        )
