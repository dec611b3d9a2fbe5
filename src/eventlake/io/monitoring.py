"""The `model_monitoring` table's one writer (jobs/monitor.py); schema: contracts/schemas.py."""

from __future__ import annotations

from datetime import date
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from eventlake.contracts.schemas import MONITORING_SCHEMA
from eventlake.io.bucket import to_spark_path


def write_monitoring(
    spark: SparkSession, rows: list[dict[str, Any]], uri: str, day: date
) -> int | None:
    """Replace the rows of `date = day` (a rerun of D replaces D's rows); the new version."""
    from eventlake.io.lake import version

    names = [f.name for f in MONITORING_SCHEMA if f.name != "computed_at"]
    schema = T.StructType([f for f in MONITORING_SCHEMA if f.name != "computed_at"])
    df = spark.createDataFrame([tuple(r[n] for n in names) for r in rows], schema)
    (
        df.withColumn("computed_at", F.current_timestamp())
        .write.format("delta")
        .mode("overwrite")
        .option("replaceWhere", f"date = DATE'{day.isoformat()}'")
        .partitionBy("date")
        .save(to_spark_path(uri))
    )
    return version(spark, uri)
