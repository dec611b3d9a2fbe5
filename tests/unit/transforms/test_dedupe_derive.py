"""Derived columns (duplicate resolution: test_dedupe.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.derive import (
    with_event_category,
    with_event_time,
    with_is_high_value,
    with_personal_fields_protected,
)
from eventlake.transforms.keyed_hash import HmacKey

pytestmark = pytest.mark.spark


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
