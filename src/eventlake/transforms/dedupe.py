"""Duplicate detection on event_id: within the run and against the lake."""

from __future__ import annotations

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F


def with_duplicate_flag(
    df: DataFrame,
    existing_ids_df: DataFrame | None = None,
    order_by: tuple[str, ...] = ("_source_file", "_raw_record"),
) -> DataFrame:
    """Adds `is_duplicate` (never null) to rows that are not quarantined.

    Within the run the first record of an event_id wins, in `order_by` order (source file,
    then raw text or a hash of it: reruns pick the same one). A record whose event_id is in
    `existing_ids_df` (one column `event_id`, the ids loaded by other run dates) is a
    duplicate too. Quarantined rows are never duplicates: they are counted once, as
    quarantined.
    """
    order = Window.partitionBy("event_id", "is_quarantined").orderBy(*order_by)
    flagged = df.withColumn(
        "_dup_rank", F.when(~F.col("is_quarantined"), F.row_number().over(order))
    )
    in_lake = F.lit(False)
    if existing_ids_df is not None:
        ids = existing_ids_df.select("event_id").distinct().withColumn("_in_lake", F.lit(True))
        flagged = flagged.join(ids, on="event_id", how="left")
        in_lake = F.coalesce(F.col("_in_lake"), F.lit(False))
    return flagged.withColumn(
        "is_duplicate",
        ~F.col("is_quarantined") & ((F.coalesce(F.col("_dup_rank"), F.lit(1)) > 1) | in_lake),
    ).drop("_dup_rank", "_in_lake")
