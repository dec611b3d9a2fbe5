"""The `dq_metrics` table: one catalog for its writes (Spark, in the ETL) and reads."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eventlake.contracts.schemas import DQ_METRICS_SCHEMA
from eventlake.io import lake
from eventlake.io.paths import table_uri

if TYPE_CHECKING:
    from eventlake.settings import Settings


def write_metrics(
    spark,
    settings: Settings,
    day: date,
    run_id: str,
    rows: list[tuple[str, str, float | None]],
    gate_passed: bool,
) -> int:
    """Replace D's metrics with this run's (one Delta commit); returns the table version."""
    uri = table_uri(settings, "dq_metrics")
    lake.ensure_table(spark, uri, DQ_METRICS_SCHEMA, ("processing_date",))
    data = [
        (day, run_id, metric, segment, None if value is None else float(value), gate_passed)
        for metric, segment, value in rows
    ]
    df = spark.createDataFrame(data, DQ_METRICS_SCHEMA)
    return lake.replace_where(
        df,
        uri,
        f"processing_date = DATE'{day.isoformat()}'",
        lake.commit_metadata(run_id, day.isoformat(), "dq_metrics"),
    )


def read_history(
    spark, settings: Settings, since: date, until: date, metrics: set[str] | None = None
) -> list[tuple[date, str, str, float | None]]:
    """(processing_date, metric, segment, value) of the passed runs with since <= date < until."""
    from pyspark.sql import functions as F

    uri = table_uri(settings, "dq_metrics")
    if not lake.table_exists(spark, uri):
        return []
    df = lake.read_table(spark, uri).where(
        (F.col("processing_date") >= F.lit(since))
        & (F.col("processing_date") < F.lit(until))
        & F.col("gate_passed")
    )
    if metrics is not None:
        df = df.where(F.col("metric").isin(sorted(metrics)))
    return [
        (r["processing_date"], r["metric"], r["segment"], r["value"])
        for r in df.select("processing_date", "metric", "segment", "value").collect()
    ]
