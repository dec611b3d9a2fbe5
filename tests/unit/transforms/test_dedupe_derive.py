"""Duplicate flags and derived columns."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.dedupe import with_duplicate_flag
from eventlake.transforms.derive import (
    with_event_category,
    with_event_time,
    with_is_high_value,
    with_personal_fields_protected,
)
from eventlake.transforms.keyed_hash import HmacKey

pytestmark = pytest.mark.spark

DEDUPE_SCHEMA = "event_id string, is_quarantined boolean, _source_file string, _raw_record string"


def test_with_duplicate_flag_within_run_first_file_wins(spark):
    source_df = spark.createDataFrame(
        [
            ("a", False, "f2", "x"),
            ("a", False, "f1", "x"),
            ("b", False, "f1", "y"),
            (None, True, "f1", "z"),
            (None, True, "f1", "z"),
            ("a", True, "f1", "q"),
        ],
        DEDUPE_SCHEMA,
    )
    actual_df = with_duplicate_flag(source_df).select(
        "event_id", "is_quarantined", "_source_file", "is_duplicate"
    )
    expected_df = spark.createDataFrame(
        [
            ("a", False, "f2", True),
            ("a", False, "f1", False),
            ("b", False, "f1", False),
            (None, True, "f1", False),
            (None, True, "f1", False),
            ("a", True, "f1", False),
        ],
        "event_id string, is_quarantined boolean, _source_file string, is_duplicate boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_duplicate_flag_keeps_one_of_identical_records(spark):
    """The same line twice in one file (a retried upload): one copy kept, one duplicate."""
    source_df = spark.createDataFrame(
        [("a", False, "f1", "x"), ("a", False, "f1", "x"), ("a", False, "f1", "x")], DEDUPE_SCHEMA
    )
    actual_df = with_duplicate_flag(source_df).groupBy("is_duplicate").count()
    expected_df = spark.createDataFrame([(False, 1), (True, 2)], "is_duplicate boolean, count long")
    assertDataFrameEqual(actual_df, expected_df)


def test_with_duplicate_flag_ids_already_in_lake(spark):
    source_df = spark.createDataFrame(
        [("a", False, "f1", "x"), ("b", False, "f1", "y"), ("c", True, "f1", "z")], DEDUPE_SCHEMA
    )
    existing_df = spark.createDataFrame([("a",), ("a",), ("c",)], "event_id string")
    actual_df = with_duplicate_flag(source_df, existing_df).select("event_id", "is_duplicate")
    expected_df = spark.createDataFrame(
        [("a", True), ("b", False), ("c", False)], "event_id string, is_duplicate boolean"
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_duplicate_flag_repeated_and_in_lake_flags_every_copy(spark):
    source_df = spark.createDataFrame(
        [("e", False, "f1", "v"), ("e", False, "f2", "v")], DEDUPE_SCHEMA
    )
    existing_df = spark.createDataFrame([("e",)], "event_id string")
    actual_df = with_duplicate_flag(source_df, existing_df).select("_source_file", "is_duplicate")
    expected_df = spark.createDataFrame(
        [("f1", True), ("f2", True)], "_source_file string, is_duplicate boolean"
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_duplicate_flag_orders_by_the_given_columns(spark):
    """The ETL orders copies by file, then a hash of the raw text it no longer keeps."""
    source_df = spark.createDataFrame(
        [("a", False, "f1", None, 9), ("a", False, "f1", None, 3), ("a", False, "f0", None, 7)],
        "event_id string, is_quarantined boolean, _source_file string, _raw_record string, "
        "_record_hash long",
    )
    actual_df = with_duplicate_flag(source_df, order_by=("_source_file", "_record_hash")).select(
        "_source_file", "_record_hash", "is_duplicate"
    )
    expected_df = spark.createDataFrame(
        [("f1", 9, True), ("f1", 3, True), ("f0", 7, False)],
        "_source_file string, _record_hash long, is_duplicate boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_event_time_late_event_keeps_its_own_date(spark):
    source_df = spark.createDataFrame(
        [("2026-01-03T23:30:00Z",), ("1767571200",), (None,)], "event_time string"
    )
    actual_df = with_event_time(source_df)
    expected_df = spark.createDataFrame(
        [
            ("2026-01-03T23:30:00Z", datetime(2026, 1, 3, 23, 30), date(2026, 1, 3), 23),
            ("1767571200", datetime(2026, 1, 5, 0, 0), date(2026, 1, 5), 0),
            (None, None, None, None),
        ],
        "event_time string, event_ts timestamp, event_date date, event_hour int",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_is_high_value_threshold_inclusive_and_null_safe(spark):
    source_df = spark.createDataFrame(
        [
            ("purchase", Decimal("100.00")),
            ("purchase", Decimal("99.99")),
            ("purchase", None),
            ("add_to_cart", Decimal("500.00")),
            (None, None),
        ],
        "event_type string, amount decimal(18,2)",
    )
    actual_df = with_is_high_value(source_df, 100)
    expected_df = spark.createDataFrame(
        [
            ("purchase", Decimal("100.00"), True),
            ("purchase", Decimal("99.99"), False),
            ("purchase", None, False),
            ("add_to_cart", Decimal("500.00"), False),
            (None, None, False),
        ],
        "event_type string, amount decimal(18,2), is_high_value boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_event_category_per_type(spark):
    source_df = spark.createDataFrame(
        [("click",), ("purchase",), ("signup",), ("hover",), (None,)], "event_type string"
    )
    actual_df = with_event_category(source_df)
    expected_df = spark.createDataFrame(
        [
            ("click", "engagement"),
            ("purchase", "commerce"),
            ("signup", "account"),
            ("hover", None),
            (None, None),
        ],
        "event_type string, event_category string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_personal_fields_protected_replaces_ip_by_its_hmac(spark):
    source_df = spark.createDataFrame(
        [("u1", "203.0.113.7"), ("u2", None)], "user_id string, ip string"
    )
    key = HmacKey(b"0123456789abcdef" * 4, "test")
    actual_df = with_personal_fields_protected(source_df, key)
    # HMAC-SHA256(key, "203.0.113.7") from Python's hmac module, written here by hand.
    expected_df = spark.createDataFrame(
        [("u1", "418926bbce793696b6c05aa969dcdbf07f6413ed5ff96592d602b7e6a986a7bf"), ("u2", None)],
        "user_id string, ip_hash string",
    )
    assert actual_df.columns == ["user_id", "ip_hash"]
    assertDataFrameEqual(actual_df, expected_df)


def test_with_personal_fields_protected_drops_dropped_fields(spark):
    source_df = spark.createDataFrame([("u1", "x@example.com")], "user_id string, email string")
    key = HmacKey(b"k" * 32, "test")
    actual_df = with_personal_fields_protected(source_df, key, hashed={}, dropped=("email",))
    expected_df = spark.createDataFrame([("u1",)], "user_id string")
    assertDataFrameEqual(actual_df, expected_df)
