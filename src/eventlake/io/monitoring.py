"""The `model_monitoring` table's one writer (jobs/monitor.py); schema: contracts/schemas.py."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from eventlake.contracts.schemas import MONITORING_SCHEMA

if TYPE_CHECKING:
    from eventlake.io.lake import Lake


def write_monitoring(lake: Lake, rows: list[dict[str, Any]], day: date) -> int:
    """Replace the rows of `date = day` (a rerun of D replaces D's rows); the new version."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    names = [f.name for f in MONITORING_SCHEMA if f.name != "computed_at"]
    schema = T.StructType([f for f in MONITORING_SCHEMA if f.name != "computed_at"])
    df = lake.spark.createDataFrame([tuple(r[n] for n in names) for r in rows], schema)
    return lake.replace(
        "model_monitoring",
        df.withColumn("computed_at", F.current_timestamp()),
        f"date = DATE'{day.isoformat()}'",
    )
