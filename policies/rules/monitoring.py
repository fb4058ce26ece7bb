"""Monitoring: every served model has a scheduled quality monitor on its inference table and a drift alert."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from infra.config import ModelConfig
from infra.config.model import monitor_output_tables, payload_table_name, processed_table_name
from policies.model import Inventory, Resource, literal
from policies.rules.base import Context, Rule, Scope, Severity, Violation
from policies.rules.common import inference_table_config, model_key, model_of_endpoint

ENDPOINT_TYPES = ("databricks_model_serving",)
MONITOR_TYPES = ("databricks_quality_monitor",)
ALERT_TYPES = ("databricks_alert_v2", "databricks_alert", "databricks_sql_alert")
QUERY_TYPES = ("databricks_query", "databricks_sql_query")
SQL_NAME = re.compile(r"[\w`.]+")
NOT_IN_NAMES = str.maketrans({chr(c): " " for c in range(128) if not SQL_NAME.fullmatch(chr(c))})


def watched_tables(ctx: Context, endpoint: Resource, model: ModelConfig | None) -> set[str]:
    """Tables a monitor of this endpoint may watch: the processed predictions table, or the raw payloads."""
    tables = set()
    if model is not None:
        tables |= {ctx.env.processed_table(model), ctx.env.payload_table(model)}
    table = inference_table_config(endpoint)
    catalog, schema, prefix = (literal(table.get(key)) for key in ("catalog_name", "schema_name", "table_name_prefix"))
    if catalog and schema and prefix:
        tables |= {payload_table_name(catalog, schema, prefix), processed_table_name(catalog, prefix)}
    return tables


def monitor_of(ctx: Context, endpoint: Resource, model: ModelConfig | None) -> Resource | None:
    by_table = ctx.memo("monitors_by_table", lambda: {
        literal(m.get("table_name")): m for m in ctx.inventory.of_type(*MONITOR_TYPES)})
    return next((by_table[t] for t in sorted(watched_tables(ctx, endpoint, model)) if t in by_table), None)


def is_scheduled(monitor: Resource) -> bool:
    schedule = monitor.first("schedule")
    paused = (literal(schedule.get("pause_status")) or "").upper() == "PAUSED"
    return bool(literal(schedule.get("quartz_cron_expression"))) and not paused


Served = tuple[Resource, ModelConfig | None, Resource | None]  # an endpoint, the model it serves, its monitor


def served_models(ctx: Context) -> list[Served]:
    """Every serving endpoint with its configured model and monitor, found once for both monitoring rules."""
    return ctx.memo("served_models", lambda: [served(ctx, e) for e in ctx.inventory.of_type(*ENDPOINT_TYPES)])


def served(ctx: Context, endpoint: Resource) -> Served:
    model = model_of_endpoint(ctx, endpoint)
    return endpoint, model, monitor_of(ctx, endpoint, model)


def monitors_scheduled(ctx: Context) -> Iterator[Violation]:
    for endpoint, model, monitor in served_models(ctx):
        if monitor is None:
            yield Violation(endpoint, f"serving endpoint '{endpoint.get('name')}' in {ctx.env.name} has no quality "
                                      "monitor on its inference table; drift would go unnoticed",
                            model_key(ctx.env, model, "monitor"))
        elif not is_scheduled(monitor):
            yield Violation(monitor, f"quality monitor on '{monitor.get('table_name')}' has no active schedule; "
                                     "its drift metrics are never refreshed", model_key(ctx.env, model, "monitor"))


def drift_table(ctx: Context, monitor: Resource | None, model: ModelConfig | None) -> str | None:
    if monitor is not None:
        named = literal(monitor.get("drift_metrics_table_name"))
        schema, table = literal(monitor.get("output_schema_name")), literal(monitor.get("table_name"))
        if named:
            return named
        if schema and table:
            return monitor_output_tables(schema, table)[1]
    return ctx.env.drift_metrics_table(model) if model is not None else None


def alert_queries(inventory: Inventory) -> list[str]:
    """The SQL each alert evaluates, inline (alert v2) or through the query it points at."""
    texts = []
    queries = {literal(q.get("id")): q for q in inventory.of_type(*QUERY_TYPES) if literal(q.get("id"))}
    for alert in inventory.of_type(*ALERT_TYPES):
        inline = literal(alert.get("query_text"))
        if inline:
            texts.append(inline)
            continue
        query = inventory.target(alert.get("query_id")) or queries.get(literal(alert.get("query_id")))
        if query is not None:
            texts.append(literal(query.get("query_text")) or literal(query.get("query")) or "")
    return texts


def names_in(texts: Iterable[str]) -> set[str]:
    """Every dotted name the queries mention (backquotes dropped): an index, so each endpoint is one lookup.

    Alert queries repeat the same lines with another model's names, and no name spans a line, so each
    distinct line is read once; in ASCII text, where `\\w` is `[A-Za-z0-9_]`, the names are what is
    left between the other characters, which a translation and a split find faster than the pattern.
    """
    lines = "\n".join(set("\n".join(texts).splitlines()))
    names = set(lines.translate(NOT_IN_NAMES).split()) if lines.isascii() else SQL_NAME.findall(lines)
    return {name.replace("`", "") for name in names}


def drift_alerts(ctx: Context) -> Iterator[Violation]:
    watched = names_in(alert_queries(ctx.inventory))
    for endpoint, model, monitor in served_models(ctx):
        table = drift_table(ctx, monitor, model)
        if table is None:
            continue  # no monitor and no configured model: LS-MON-001 reports the endpoint
        if table.replace("`", "") not in watched:
            yield Violation(endpoint, f"no alert watches '{table}', the drift metrics of serving endpoint "
                                      f"'{endpoint.get('name')}' in {ctx.env.name}",
                            model_key(ctx.env, model, "monitor", "drift_threshold"))


RULES = (
    Rule(
        id="LS-MON-001",
        title="Every served model has a scheduled quality monitor on its inference table",
        severity=Severity.HIGH,
        resource_types=(*ENDPOINT_TYPES, *MONITOR_TYPES),
        scope=Scope.GOVERNED,
        rationale="A model in production degrades silently as its inputs shift; the monitor computes the "
                  "profile and drift metrics that retraining decisions rely on.",
        remediation="Give the model a `monitor:` block in platform.yaml (granularities, drift_threshold, "
                    "schedule); the inference monitor construct creates a scheduled `databricks_quality_monitor`.",
        check=monitors_scheduled,
    ),
    Rule(
        id="LS-MON-002",
        title="Every served model has a drift alert on its monitor's drift metrics",
        severity=Severity.MEDIUM,
        resource_types=(*ENDPOINT_TYPES, *ALERT_TYPES),
        scope=Scope.GOVERNED,
        rationale="Drift metrics nobody reads do not trigger retraining; an alert turns a crossed threshold into "
                  "a notification and a retraining run.",
        remediation="Keep the model's `monitor:` block (its `drift_threshold` is the alert's threshold); the "
                    "inference monitor construct adds a `databricks_alert_v2` on the drift metrics table.",
        check=drift_alerts,
    ),
)
