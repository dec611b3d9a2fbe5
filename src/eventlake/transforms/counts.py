"""The ETL's counts over its flagged rows (transforms/outcome.py's count columns, per source
file, in one pass) and the rows that carried each rescued field."""

from __future__ import annotations

from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.drift import RESCUED_TYPE_CHANGE, UNKNOWN_FIELD
from eventlake.contracts.rules import RULE_CODES
from eventlake.transforms.outcome import count_columns

# Counted in etl_runs.reason_counts: a duplicate whose payload differs from its winner's.
CONFLICTING_DUPLICATE = "conflicting_duplicate"
# Counted in etl_runs.reason_counts too: the drift policy's codes (contracts/drift.py).
DRIFT_CODES = (UNKNOWN_FIELD, RESCUED_TYPE_CHANGE)


def counts_per_file(flagged_df: DataFrame, dq_groups: list | None = None) -> list[dict[str, Any]]:
    """All the run's counts in one pass, per source file; with `dq_groups`, the same pass
    also computes the data-quality metrics' groups into it (eventlake.quality.metrics)."""
    codes = (*RULE_CODES, *DRIFT_CODES)
    if dq_groups is not None:
        from eventlake.quality.metrics import file_copy, grouped

        # The reason counts are the accounting's, per file: only the rows' file copies feed
        # them (the metrics' other sets report volumes, not reasons).
        aggs = count_columns(codes, CONFLICTING_DUPLICATE, reasons_where=file_copy())
        per_file, groups = grouped(flagged_df, aggs)
        dq_groups.extend(groups)
        return per_file
    aggs = count_columns(codes, CONFLICTING_DUPLICATE)
    return [row.asDict() for row in flagged_df.groupBy("_source_file").agg(*aggs).collect()]


def rescued_counts(flagged_df: DataFrame) -> dict[str, int]:
    """Rescued field name -> the rows of the run that carried it (any outcome: clean,
    duplicate or quarantined by another rule)."""
    rows = (
        flagged_df.where(F.col("_rescued").isNotNull())
        .select(F.explode(F.map_keys("_rescued")).alias("field"))
        .groupBy("field")
        .count()
        .collect()
    )
    return {str(r["field"]): int(r["count"]) for r in sorted(rows, key=lambda r: r["field"])}
