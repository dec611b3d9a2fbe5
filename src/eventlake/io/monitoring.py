"""The `model_monitoring` table: its schema and its one writer (jobs/monitor.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from eventlake.io.bucket import to_spark_path

MONITORING_SCHEMA = T.StructType(
    [
        T.StructField("date", T.DateType(), False),  # the monitoring date D
        T.StructField("model_name", T.StringType(), False),
        T.StructField("model_version", T.StringType(), True),
        T.StructField("role", T.StringType(), False),  # champion | challenger (shadow)
        T.StructField("kind", T.StringType(), False),  # realized | feature_drift | prediction_drift
        T.StructField("metric", T.StringType(), False),
        T.StructField("segment", T.StringType(), False),
        T.StructField("value", T.DoubleType(), True),
        T.StructField("threshold", T.DoubleType(), True),
        T.StructField("severity", T.StringType(), True),  # warn | fail, null without threshold
        T.StructField("status", T.StringType(), False),  # ok | breach | no_labels | insufficient
        T.StructField("detail", T.StringType(), True),
        T.StructField("rows", T.LongType(), False),
        T.StructField("run_id", T.StringType(), False),
        T.StructField("computed_at", T.TimestampType(), False),
    ]
)


def write_monitoring(
    spark: SparkSession, rows: list[dict[str, Any]], uri: str, day: date
) -> int | None:
    """Replace the rows of `date = day` (a rerun of D replaces D's rows); the new version."""
    from eventlake.ml.data import delta_version

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
    return delta_version(spark, uri)
