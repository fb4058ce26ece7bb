"""Lakehouse Monitoring's two metric tables, computed locally with Spark in their documented shapes.

On Databricks the quality monitor on the processed table writes `<table>_profile_metrics` and
`<table>_drift_metrics` in the environment's monitoring schema. Offline there is no monitor, so this
module writes the same tables (`env.profile_metrics_table`, `env.drift_metrics_table`) from the
processed table, and the retraining decision reads the same rows in both places:

- profile metrics, per window, granularity and model version (`model_id_col`), whole table only
  (`slice_key` NULL): per column `count`, `num_nulls`, `avg`, `min`, `max`, `stddev`; on the `:table`
  row the model-quality metrics over the rows that have a label: `accuracy_score` and macro/weighted
  `precision`, `recall`, `f1_score` (classification), or `mean_squared_error`,
  `root_mean_squared_error`, `mean_average_error`, `mean_absolute_percentage_error`, `r2_score`
  (regression);
- drift metrics, per window and model version against the adjacent earlier window of the same version
  (`CONSECUTIVE`) and, with a `baseline_table`, against it (`BASELINE`): `count_delta`, `avg_delta`,
  and, as the monitor fills them, `ks_test`, `wasserstein_distance`, `population_stability_index` for
  numeric columns and `js_distance`, `chi_squared_test`, `tv_distance`, `l_infinity_distance` for
  categorical ones (the others stay NULL).

Spark aggregates the processed table into counts and histograms; the distances are finished on those
small results (`distances`). Each refresh rewrites both tables, as a full monitor refresh does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from infra.config import Environment, ModelConfig
from infra.config.tables import TABLE_ROW, drift_columns, prediction_type
from lifecycle.monitoring import distances

BINS = 20
WINDOW = "STRUCT<start: TIMESTAMP, end: TIMESTAMP>"
TEST = "STRUCT<statistic: DOUBLE, pvalue: DOUBLE>"
AVERAGES = "STRUCT<macro: DOUBLE, weighted: DOUBLE>"
KEYS = f"window {WINDOW}, granularity STRING, model_id_col STRING, slice_key STRING, slice_value STRING, " \
       "column_name STRING, data_type STRING"
PROFILE_SCHEMA = (f"{KEYS}, count BIGINT, num_nulls BIGINT, avg DOUBLE, min DOUBLE, max DOUBLE, stddev DOUBLE, "
                  f"accuracy_score DOUBLE, precision {AVERAGES}, recall {AVERAGES}, f1_score {AVERAGES}, "
                  "mean_squared_error DOUBLE, root_mean_squared_error DOUBLE, mean_average_error DOUBLE, "
                  "mean_absolute_percentage_error DOUBLE, r2_score DOUBLE")
DRIFT_SCHEMA = (f"{KEYS}, window_cmp {WINDOW}, drift_type STRING, count_delta DOUBLE, avg_delta DOUBLE, "
                f"js_distance DOUBLE, ks_test {TEST}, wasserstein_distance DOUBLE, population_stability_index DOUBLE, "
                f"chi_squared_test {TEST}, tv_distance DOUBLE, l_infinity_distance DOUBLE")
GROUP = ["granularity", "window_start", "model_version"]
# Granularities Spark's `date_trunc` aligns as the monitor does; the others use fixed-length `window()`.
TRUNCATED = {"1 hour": "HOUR", "1 day": "DAY", "1 week": "WEEK", "1 month": "MONTH", "1 year": "YEAR"}


@dataclass(frozen=True)
class Refresh:
    profile_rows: int
    drift_rows: int


def window_start(granularity: str, timestamp: str) -> str:
    if granularity in TRUNCATED:
        return f"date_trunc('{TRUNCATED[granularity]}', {timestamp})"
    return f"window({timestamp}, '{granularity}').start"


def _long(frame: DataFrame, model: ModelConfig, numeric: list[str], categorical: list[str]) -> DataFrame:
    """One row per (row, column): the value as a number (numeric columns) or as text (categorical)."""
    present = set(frame.columns)
    pairs = [(n, f"CAST({n} AS DOUBLE)", "CAST(NULL AS STRING)") for n in numeric if n in present]
    pairs += [(c, "CAST(NULL AS DOUBLE)", f"CAST({c} AS STRING)") for c in categorical if c in present]
    stacked = ", ".join(f"'{name}', {num}, {cat}" for name, num, cat in pairs)
    keep = [c for c in ("granularity", "window_start", "model_version") if c in present]
    return frame.selectExpr(*keep, f"stack({len(pairs)}, {stacked}) AS (column_name, num, cat)")


def _windowed(processed: DataFrame, model: ModelConfig, granularities: list[str]) -> DataFrame:
    kept = [c for c in processed.columns if c not in (model.model_id_col, *GROUP)]
    parts = [processed.selectExpr(*kept, f"'{g}' AS granularity",
                                  f"{window_start(g, model.timestamp_col)} AS window_start",
                                  f"{model.model_id_col} AS model_version") for g in granularities]
    out = parts[0]
    for part in parts[1:]:
        out = out.unionByName(part)
    return out.where("model_version IS NOT NULL")  # rows whose version is not known yet wait for a later pass


def _edges(values: DataFrame) -> pd.DataFrame:
    """Quantile bin edges per numeric column (from the baseline when there is one)."""
    quantiles = ", ".join(str(q) for q in np.linspace(0, 1, BINS + 1)[1:-1].round(4))
    rows = (values.where("num IS NOT NULL").groupBy("column_name")
            .agg(F.expr(f"percentile_approx(num, array({quantiles}))").alias("edges"),
                 F.min("num").alias("low"), F.max("num").alias("high")).toPandas())
    return rows.set_index("column_name")


def _histograms(values: DataFrame, edges: pd.DataFrame, spark: SparkSession, by: list[str]) -> pd.DataFrame:
    edge_rows = spark.createDataFrame([(c, [float(e) for e in r.edges]) for c, r in edges.iterrows()],
                                      "column_name STRING, edges ARRAY<DOUBLE>")
    binned = (values.where("num IS NOT NULL").join(F.broadcast(edge_rows), "column_name")
              .selectExpr(*by, "column_name", "CAST(size(filter(edges, e -> e <= num)) AS STRING) AS bucket"))
    categories = values.where("cat IS NOT NULL").selectExpr(*by, "column_name", "cat AS bucket")
    return binned.unionByName(categories).groupBy(*by, "column_name", "bucket").count().toPandas()


def _quality(windowed: DataFrame, model: ModelConfig) -> pd.DataFrame:
    """Model-quality metrics per window and version, over the rows with a label."""
    label, prediction = model.label_col, model.prediction_col
    if not label:
        return pd.DataFrame(columns=GROUP)
    labelled = windowed.where(f"{label} IS NOT NULL AND {prediction} IS NOT NULL")
    if model.problem_type == "regression":
        return (labelled.groupBy(*GROUP).agg(
            F.expr(f"avg(power({prediction} - {label}, 2))").alias("mean_squared_error"),
            F.expr(f"avg(abs({prediction} - {label}))").alias("mean_average_error"),
            F.expr(f"avg(abs(({prediction} - {label}) / nullif({label}, 0)))").alias("mean_absolute_percentage_error"),
            F.expr(f"sum(power({prediction} - {label}, 2))").alias("sse"),
            F.expr(f"sum(power({label}, 2)) - power(sum({label}), 2) / count(*)").alias("sst"),
        ).toPandas().assign(
            root_mean_squared_error=lambda f: np.sqrt(f["mean_squared_error"]),
            r2_score=lambda f: np.where(f["sst"] > 0, 1 - f["sse"] / f["sst"].where(f["sst"] > 0, 1), np.nan),
        ).drop(columns=["sse", "sst"]))
    confusion = labelled.groupBy(*GROUP, prediction, label).count().toPandas()
    return pd.DataFrame([_classification(group, key, prediction, label)
                         for key, group in confusion.groupby(GROUP)],
                        columns=[*GROUP, "accuracy_score", "precision", "recall", "f1_score"])


def _classification(counts: pd.DataFrame, key: tuple, prediction: str, label: str) -> tuple:
    total = counts["count"].sum()
    correct = counts.loc[counts[prediction] == counts[label], "count"].sum()
    classes = sorted(set(counts[prediction]) | set(counts[label]))
    support = np.array([counts.loc[counts[label] == c, "count"].sum() for c in classes], dtype=float)
    tp = np.array([counts.loc[(counts[prediction] == c) & (counts[label] == c), "count"].sum() for c in classes])
    predicted = np.array([counts.loc[counts[prediction] == c, "count"].sum() for c in classes], dtype=float)
    precision = np.divide(tp, predicted, out=np.zeros(len(classes)), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros(len(classes)), where=support > 0)
    denominator = precision + recall
    f1 = np.divide(2 * precision * recall, denominator, out=np.zeros(len(classes)), where=denominator > 0)
    weights = support / support.sum() if support.sum() else support

    def averages(values: np.ndarray) -> dict[str, float]:
        return {"macro": float(values.mean()), "weighted": float((values * weights).sum())}

    return (*key, float(correct / total), averages(precision), averages(recall), averages(f1))


def _window(start: pd.Timestamp, granularity: str) -> dict:
    return {"start": start.to_pydatetime(), "end": (start + _length(granularity)).to_pydatetime()}


def _length(granularity: str) -> pd.DateOffset:
    count, unit = granularity.split()
    unit = unit.rstrip("s")
    return pd.DateOffset(**{{"minute": "minutes", "hour": "hours", "day": "days", "week": "weeks",
                             "month": "months", "year": "years"}[unit]: int(count)})


def _none(value: float) -> float | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else float(value)


def profile_rows(columns: pd.DataFrame, table: pd.DataFrame, quality: pd.DataFrame,
                 types: dict[str, str]) -> list[dict]:
    rows = []
    for record in columns.to_dict("records"):
        rows.append({"window": _window(record["window_start"], record["granularity"]),
                     "granularity": record["granularity"], "model_id_col": record["model_version"],
                     "column_name": record["column_name"], "data_type": types[record["column_name"]],
                     **{k: _none(record[k]) for k in ("avg", "min", "max", "stddev")},
                     "count": int(record["count"]), "num_nulls": int(record["num_nulls"])})
    merged = table.merge(quality, on=GROUP, how="left") if len(quality) else table
    for record in merged.to_dict("records"):
        metrics = {k: (record[k] if isinstance(record.get(k), dict) else _none(record.get(k)))
                   for k in ("accuracy_score", "precision", "recall", "f1_score", "mean_squared_error",
                             "root_mean_squared_error", "mean_average_error", "mean_absolute_percentage_error",
                             "r2_score")}
        rows.append({"window": _window(record["window_start"], record["granularity"]),
                     "granularity": record["granularity"], "model_id_col": record["model_version"],
                     "column_name": TABLE_ROW, "data_type": None, "count": int(record["count"]), **metrics})
    return rows


def _distance_columns(current: pd.Series, compared: pd.Series, column: str, numeric: bool,
                      edges: pd.DataFrame) -> dict:
    buckets = sorted(set(current.index) | set(compared.index), key=lambda b: int(b) if numeric else b)
    p = compared.reindex(buckets, fill_value=0).to_numpy(dtype=float)
    q = current.reindex(buckets, fill_value=0).to_numpy(dtype=float)
    if numeric:
        row = edges.loc[column]
        bounds = np.concatenate([[row.low], np.asarray(row.edges, dtype=float), [row.high]])
        points = np.array([(bounds[int(b)] + bounds[int(b) + 1]) / 2 for b in buckets])
        d = distances.numeric(p, q, points)
        return {"ks_test": {"statistic": d["ks_statistic"], "pvalue": d["ks_pvalue"]},
                "wasserstein_distance": d["wasserstein_distance"],
                "population_stability_index": d["population_stability_index"]}
    d = distances.categorical(p, q)
    return {"js_distance": d["js_distance"],
            "chi_squared_test": {"statistic": d["chi_squared_statistic"], "pvalue": d["chi_squared_pvalue"]},
            "tv_distance": d["tv_distance"], "l_infinity_distance": d["l_infinity_distance"]}


def drift_rows(histograms: pd.DataFrame, baseline: pd.DataFrame | None, columns: pd.DataFrame,
               numeric: list[str], edges: pd.DataFrame, types: dict[str, str]) -> list[dict]:
    """CONSECUTIVE drift against the adjacent earlier window of the same version; BASELINE against the baseline."""
    stats = columns.set_index([*GROUP, "column_name"])
    rows = []
    for (granularity, version, column), group in histograms.groupby(["granularity", "model_version", "column_name"]):
        by_window = {start: g.set_index("bucket")["count"] for start, g in group.groupby("window_start")}
        starts = sorted(by_window)
        for i, start in enumerate(starts):
            window = _window(start, granularity)
            comparisons = []
            if i and _window(starts[i - 1], granularity)["end"] == window["start"]:
                comparisons.append(("CONSECUTIVE", starts[i - 1], by_window[starts[i - 1]]))
            if baseline is not None and column in set(baseline["column_name"]):
                comparisons.append(("BASELINE", None, baseline[baseline["column_name"] == column]
                                    .set_index("bucket")["count"]))
            current = stats.loc[(granularity, start, version, column)]
            for drift_type, earlier, compared in comparisons:
                previous = stats.loc[(granularity, earlier, version, column)] if earlier is not None else None
                rows.append({
                    "window": window, "granularity": granularity, "model_id_col": version,
                    "column_name": column, "data_type": types[column], "drift_type": drift_type,
                    "window_cmp": _window(earlier, granularity) if earlier is not None else None,
                    "count_delta": float(current["count"] - previous["count"]) if previous is not None else None,
                    "avg_delta": _none(current["avg"] - previous["avg"]) if previous is not None else None,
                    **_distance_columns(by_window[start], compared, column, column in numeric, edges),
                })
    return rows


def refresh(spark: SparkSession, env: Environment, model: ModelConfig) -> Refresh:
    """Recompute both metric tables from the processed table, as a monitor refresh would."""
    monitor = model.monitor
    assert monitor is not None, "only monitored models have metric tables"
    numeric, categorical = drift_columns(model)
    types = {f.name: f.type for f in model.features} | {model.prediction_col: prediction_type(model)}
    windowed = _windowed(spark.table(env.processed_table(model)), model, list(monitor.granularities)).cache()
    values = _long(windowed, model, numeric, categorical).cache()
    columns = (values.groupBy(*GROUP, "column_name").agg(
        F.count(F.lit(1)).alias("count"), F.expr("count_if(num IS NULL AND cat IS NULL)").alias("num_nulls"),
        F.avg("num").alias("avg"), F.min("num").alias("min"), F.max("num").alias("max"),
        F.stddev("num").alias("stddev")).toPandas())
    table = windowed.groupBy(*GROUP).agg(F.count(F.lit(1)).alias("count")).toPandas()
    quality = _quality(windowed, model)
    baseline_values = None
    if monitor.baseline_table:
        baseline_values = _long(spark.table(monitor.baseline_table), model, numeric, categorical)
    edges = _edges(baseline_values if baseline_values is not None else values)
    histograms = _histograms(values, edges, spark, GROUP)
    baseline = _histograms(baseline_values, edges, spark, []) if baseline_values is not None else None
    values.unpersist()
    windowed.unpersist()
    profile = profile_rows(columns, table, quality, types)
    drift = drift_rows(histograms, baseline, columns, numeric, edges, types)
    _write(spark, env.profile_metrics_table(model), profile, PROFILE_SCHEMA)
    _write(spark, env.drift_metrics_table(model), drift, DRIFT_SCHEMA)
    return Refresh(len(profile), len(drift))


def _write(spark: SparkSession, table: str, rows: list[dict], schema: str) -> None:
    catalog, name_schema, _ = table.split(".")
    spark.sql(f"CREATE SCHEMA IF NOT EXISTS {catalog}.{name_schema}")
    frame = spark.createDataFrame(rows, schema) if rows else spark.createDataFrame([], schema)
    frame.write.format("delta").mode("overwrite").option("overwriteSchema", "true").saveAsTable(table)
