"""The ETL's frames between classification and the writes: the slim rows it ranks and caches,
the count columns of its one counting pass, and the quarantine table's rows."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.schemas import EVENTS_SCHEMA, QUARANTINE_SCHEMA
from eventlake.transforms.dedupe import payload_hash
from eventlake.transforms.redact import with_redacted_raw_record


def slim(classified_df: DataFrame) -> DataFrame:
    """Only what the counts and the two tables need, before the rows are shuffled for the
    duplicate check and cached: the raw text is kept for quarantined rows only (the bulk of
    the bytes otherwise), and the duplicate order uses a 64-bit hash of it instead."""
    keep = dict.fromkeys(
        [*EVENTS_SCHEMA.names, *QUARANTINE_SCHEMA.names, "reasons", "warnings", "is_quarantined"]
    )
    keep.pop("raw_record")
    return classified_df.select(
        *keep,
        F.when(F.col("is_quarantined"), F.col("_raw_record")).alias("_raw_record"),
        F.xxhash64("_raw_record").alias("_record_hash"),
        payload_hash().alias("_payload_hash"),
    )


def count_columns(
    codes: Sequence[str], conflicting_code: str, reasons_where: Column | None = None
) -> list[Column]:
    """The aggregate columns of the run's counts over flagged rows (`is_quarantined`,
    `is_duplicate`, `is_conflicting`, `reasons`, `warnings`): rows read, quarantined, duplicate
    and clean, and `reason__<code>` = rows carrying `code` as a reason or a warning (a
    duplicate whose payload differs from its winner's counts as `conflicting_code`).
    `reasons_where`: the rows the `reason__` counts look at (null in a group without any);
    the volume counts look at every row."""

    def count(condition: Column) -> Column:
        if reasons_where is not None:
            condition = F.when(reasons_where, condition)
        return F.sum(condition.cast("long"))

    aggs = [
        F.count(F.lit(1)).alias("rows_read"),
        F.sum(F.col("is_quarantined").cast("long")).alias("rows_quarantined"),
        F.sum(F.col("is_duplicate").cast("long")).alias("duplicates_removed"),
        F.sum((~F.col("is_quarantined") & ~F.col("is_duplicate")).cast("long")).alias("rows_clean"),
        count(F.col("is_conflicting")).alias(f"reason__{conflicting_code}"),
    ]
    for code in codes:
        in_row = F.array_contains("reasons", code) | F.array_contains("warnings", code)
        aggs.append(count(in_row).alias(f"reason__{code}"))
    return aggs


def quarantine_rows(flagged_df: DataFrame) -> DataFrame:
    """The quarantined rows in the quarantine table's schema. No personal data in the
    evidence: contracts/pii.py's fields and any IP literal are masked in the raw record."""
    q = flagged_df.where(F.col("is_quarantined")).transform(with_redacted_raw_record)
    return q.select(*[F.col(f.name).cast(f.dataType) for f in QUARANTINE_SCHEMA.fields])
