"""transforms/outcome.py: the ETL's slim rows, its count columns and the quarantine rows, on
hand-built frames with hand-written expected values."""

from __future__ import annotations

import datetime as dt

import pytest
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from eventlake.contracts.schemas import EVENTS_SCHEMA, QUARANTINE_SCHEMA
from eventlake.transforms.outcome import count_columns, quarantine_rows, slim

pytestmark = pytest.mark.spark

FLAGS = (
    "_source_file string, is_quarantined boolean, is_duplicate boolean, "
    "is_conflicting boolean, reasons array<string>, warnings array<string>"
)


def test_count_columns_per_file(spark):
    flagged_df = spark.createDataFrame(
        [
            ("a.gz", False, False, False, [], []),  # clean
            ("a.gz", True, False, False, ["invalid_timestamp", "missing_user_id"], []),
            ("a.gz", False, True, True, [], ["unknown_field"]),  # conflicting duplicate
            ("b.gz", False, False, False, [], ["unknown_field"]),  # clean, with a warning
            ("b.gz", False, True, False, [], []),  # duplicate
        ],
        FLAGS,
    )
    aggs = count_columns(
        ("invalid_timestamp", "missing_user_id", "unknown_field"), "conflicting_duplicate"
    )
    actual_df = flagged_df.groupBy("_source_file").agg(*aggs)
    expected_df = spark.createDataFrame(
        [("a.gz", 3, 1, 1, 1, 1, 1, 1, 1), ("b.gz", 2, 0, 1, 1, 0, 0, 0, 1)],
        "_source_file string, rows_read long, rows_quarantined long, duplicates_removed long, "
        "rows_clean long, reason__conflicting_duplicate long, reason__invalid_timestamp long, "
        "reason__missing_user_id long, reason__unknown_field long",
    )
    assertDataFrameEqual(actual_df, expected_df)


def _classified(spark, rows):
    """Every column slim() keeps, nulls but for event_id, is_quarantined and _raw_record."""
    source_df = spark.createDataFrame(rows, "event_id string, is_quarantined boolean, raw string")
    types = {f.name: f.dataType for f in [*EVENTS_SCHEMA.fields, *QUARANTINE_SCHEMA.fields]}
    types.update({"reasons": "array<string>", "warnings": "array<string>", "_raw_record": "string"})
    given = {"event_id", "is_quarantined", "_raw_record", "raw_record"}
    return source_df.select(
        "event_id",
        "is_quarantined",
        F.col("raw").alias("_raw_record"),
        F.col("raw").alias("raw_record"),
        *[F.lit(None).cast(t).alias(c) for c, t in types.items() if c not in given],
    )


def test_slim_keeps_the_raw_text_of_quarantined_rows_only(spark):
    classified_df = _classified(
        spark,
        [
            ("e1", True, '{"event_id":"e1"}'),
            ("e1", False, '{"event_id":"e1"}'),
            ("e2", False, '{"event_id":"e2"}'),
        ],
    )
    slim_df = slim(classified_df)
    assert "raw_record" not in slim_df.columns
    assert {"reasons", "warnings", "is_quarantined", "_record_hash", "_payload_hash"} <= set(
        slim_df.columns
    )
    rows = slim_df.orderBy("event_id", F.col("is_quarantined").desc()).collect()
    assert [(r["event_id"], r["_raw_record"]) for r in rows] == [
        ("e1", '{"event_id":"e1"}'),
        ("e1", None),
        ("e2", None),
    ]
    # the hash is of the raw text, kept or not: the same line hashes the same, another not
    assert rows[0]["_record_hash"] == rows[1]["_record_hash"] != rows[2]["_record_hash"]


def test_quarantine_rows_are_the_quarantined_ones_redacted_in_the_table_schema(spark):
    ip_hash = "ab12"
    flagged_df = spark.createDataFrame(
        [
            ('{"event_id":"q1","ip":"203.0.113.7"}', ["invalid_timestamp"], "q1", True, ip_hash),
            ('{"event_id":"c1","ip":"203.0.113.8"}', [], "c1", False, ip_hash),
        ],
        "_raw_record string, reasons array<string>, event_id string, is_quarantined boolean, "
        "ip_hash string",
    ).select(
        "*",
        F.lit(None).cast("string").alias("user_id"),
        F.lit("2026-01-09 10:00:00").alias("event_time"),
        F.lit("click").alias("event_type"),
        F.lit(dt.date(2026, 1, 9)).alias("processing_date"),
        F.lit("a.gz").alias("_source_file"),
        F.lit("run-1").alias("_run_id"),
        F.lit(dt.datetime(2026, 1, 9, 3, 0)).alias("_ingested_at"),
    )
    actual_df = quarantine_rows(flagged_df)
    assert actual_df.schema.names == QUARANTINE_SCHEMA.names
    expected_df = spark.createDataFrame(
        [
            (
                '{"event_id":"q1","ip":"ab12"}',
                ["invalid_timestamp"],
                "q1",
                None,
                "2026-01-09 10:00:00",
                "click",
                dt.date(2026, 1, 9),
                "a.gz",
                "run-1",
                dt.datetime(2026, 1, 9, 3, 0),
            )
        ],
        QUARANTINE_SCHEMA,
    )
    assertDataFrameEqual(actual_df, expected_df)
