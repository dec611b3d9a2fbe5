"""The `dq_metrics` table: one catalog for its writes (Spark, in the ETL) and reads."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eventlake.contracts.schemas import DQ_METRICS_SCHEMA
from eventlake.io.lake import Lake, commit_metadata

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
    lake = Lake(spark, settings.lake_uri)
    lake.ensure("dq_metrics")
    data = [
        (day, run_id, metric, segment, None if value is None else float(value), gate_passed)
        for metric, segment, value in rows
    ]
    df = spark.createDataFrame(data, DQ_METRICS_SCHEMA)
    return lake.replace(
        "dq_metrics",
        df,
        f"processing_date = DATE'{day.isoformat()}'",
        commit_metadata(run_id, day.isoformat(), "dq_metrics"),
    )


def read_history(
    spark, settings: Settings, since: date, until: date, metrics: set[str] | None = None
) -> list[tuple[date, str, str, float | None]]:
    """(processing_date, metric, segment, value) of the passed runs with since <= date < until."""
    from pyspark.sql import functions as F

    lake = Lake(spark, settings.lake_uri)
    if not lake.exists("dq_metrics"):
        return []
    df = lake.dq_metrics().where(
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
