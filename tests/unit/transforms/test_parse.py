"""Event time and amount parsing."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.parse import has_json_container, parse_amount, parse_event_time

pytestmark = pytest.mark.spark


def test_parse_event_time_accepts_iso_forms_as_utc(spark):
    source_df = spark.createDataFrame(
        [
            ("2026-01-05T10:00:00Z",),
            ("2026-01-05 10:00:00Z",),
            ("2026-01-05T10:00:00.250Z",),
            ("2026-01-05T12:00:00+02:00",),
            ("2026-01-05 05:30:00-04:30",),
            ("2026-01-05T10:00:00",),
            ("2026-01-05 10:00:00.5",),
        ],
        "t string",
    )
    actual_df = source_df.select("t", parse_event_time(F.col("t")).alias("ts"))
    expected_df = spark.createDataFrame(
        [
            ("2026-01-05T10:00:00Z", datetime(2026, 1, 5, 10, 0, 0)),
            ("2026-01-05 10:00:00Z", datetime(2026, 1, 5, 10, 0, 0)),
            ("2026-01-05T10:00:00.250Z", datetime(2026, 1, 5, 10, 0, 0, 250000)),
            ("2026-01-05T12:00:00+02:00", datetime(2026, 1, 5, 10, 0, 0)),
            ("2026-01-05 05:30:00-04:30", datetime(2026, 1, 5, 10, 0, 0)),
            ("2026-01-05T10:00:00", datetime(2026, 1, 5, 10, 0, 0)),
            ("2026-01-05 10:00:00.5", datetime(2026, 1, 5, 10, 0, 0, 500000)),
        ],
        "t string, ts timestamp",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_parse_event_time_epoch_seconds_vs_millis_by_magnitude(spark):
    # 1767607200 s = 2026-01-05T10:00:00Z; the same instant in ms is 1767607200000.
    source_df = spark.createDataFrame(
        [("1767607200",), ("1767607200000",), ("1767607200.5",), ("0",)], "t string"
    )
    actual_df = source_df.select("t", parse_event_time(F.col("t")).alias("ts"))
    expected_df = spark.createDataFrame(
        [
            ("1767607200", datetime(2026, 1, 5, 10, 0, 0)),
            ("1767607200000", datetime(2026, 1, 5, 10, 0, 0)),
            ("1767607200.5", datetime(2026, 1, 5, 10, 0, 0, 500000)),
            ("0", datetime(1970, 1, 1, 0, 0, 0)),
        ],
        "t string, ts timestamp",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_parse_event_time_garbage_is_null_not_an_error(spark):
    values = ["yesterday", "2026-13-05T10:00:00Z", "2026-01-05", "12:00", "1e400", "", None]
    source_df = spark.createDataFrame([(v,) for v in values], "t string")
    actual_df = source_df.select("t", parse_event_time(F.col("t")).alias("ts"))
    expected_df = spark.createDataFrame([(v, None) for v in values], "t string, ts timestamp")
    assertDataFrameEqual(actual_df, expected_df)


def test_parse_amount_numbers_and_garbage(spark):
    source_df = spark.createDataFrame(
        [("12.5",), ("-3",), ("1e2",), ("12,50",), ("abc",), (None,)], "a string"
    )
    actual_df = source_df.select("a", parse_amount(F.col("a")).alias("amount"))
    expected_df = spark.createDataFrame(
        [
            ("12.5", Decimal("12.50")),
            ("-3", Decimal("-3.00")),
            ("1e2", Decimal("100.00")),
            ("12,50", None),
            ("abc", None),
            (None, None),
        ],
        "a string, amount decimal(18,2)",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_has_json_container_tells_objects_and_arrays_from_strings(spark):
    # (name, raw record, user_id and page as from_json reads them into string fields)
    rows = [
        ("object", '{"user_id": {"a": 1}, "page": "/p"}', '{"a":1}', "/p"),
        ("array", '{"user_id": "u1", "page": [1, 2]}', "u1", "[1,2]"),
        ("string_like_object", '{"user_id": "{\\"a\\": 1}", "page": "[x"}', '{"a": 1}', "[x"),
        ("number_and_bool", '{"user_id": 12345, "page": true}', "12345", "true"),
        ("nulls", '{"user_id": null}', None, None),
        ("csv_rendering", '{"user_id":"{x}","page":"[y]"}', "{x}", "[y]"),
        ("duplicate_keys", '{"user_id": "u", "user_id": "{z"}', "{z", None),
    ]
    source_df = spark.createDataFrame(rows, "name string, raw string, user_id string, page string")
    actual_df = source_df.select(
        "name", has_json_container(F.col("raw"), ("user_id", "page")).alias("flag")
    )
    expected_df = spark.createDataFrame(
        [
            ("object", True),
            ("array", True),
            ("string_like_object", False),
            ("number_and_bool", False),
            ("nulls", False),
            ("csv_rendering", False),
            ("duplicate_keys", True),  # the Variant parser refuses it: counted as a container
        ],
        "name string, flag boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_parse_amount_never_rounds_and_refuses_what_is_not_a_plain_number(spark):
    source_df = spark.createDataFrame(
        [
            ("12.340",),  # a trailing zero is no extra decimal
            ("120e-3",),  # = 0.12
            ("9999999999999999.99",),  # the largest decimal(18,2)
            (".5",),
            ("12.345",),  # would be rounded
            ("1.2345e1",),  # = 12.345
            ("-0.001",),
            ("1e-400",),
            ("10000000000000000",),  # 1e16 does not fit
            ("1e400",),
            ("1,234.50",),
            ("$5",),
            ("5 EUR",),
            ("NaN",),
            ("Infinity",),
            ("-Infinity",),
            ("1e99999999999",),  # an exponent beyond int
        ],
        "a string",
    )
    actual_df = source_df.select("a", parse_amount(F.col("a")).alias("amount"))
    expected_df = spark.createDataFrame(
        [
            ("12.340", Decimal("12.34")),
            ("120e-3", Decimal("0.12")),
            ("9999999999999999.99", Decimal("9999999999999999.99")),
            (".5", Decimal("0.50")),
            ("12.345", None),
            ("1.2345e1", None),
            ("-0.001", None),
            ("1e-400", None),
            ("10000000000000000", None),
            ("1e400", None),
            ("1,234.50", None),
            ("$5", None),
            ("5 EUR", None),
            ("NaN", None),
            ("Infinity", None),
            ("-Infinity", None),
            ("1e99999999999", None),
        ],
        "a string, amount decimal(18,2)",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_parse_event_time_offsets_calendar_zone_names_and_leap_seconds(spark):
    # Every value is read as the instant it denotes, or null (-> invalid_event_time).
    cases = [
        ("2026-01-05T10:00:00+0530", datetime(2026, 1, 5, 4, 30, 0)),  # basic-format offset
        ("2026-01-05T10:00:00-0000", datetime(2026, 1, 5, 10, 0, 0)),
        ("2026-01-05T10:00:00+18:00", datetime(2026, 1, 4, 16, 0, 0)),  # the widest offset
        ("2026-01-05T10:00:00+25:00", None),  # no such offset
        ("2024-02-29T00:00:00Z", datetime(2024, 2, 29, 0, 0, 0)),  # a leap day
        ("2026-02-29T00:00:00Z", None),  # 2026 is no leap year
        ("2026-02-30T10:00:00Z", None),
        ("2026-04-31T10:00:00Z", None),
        ("2026-01-05T24:00:00Z", None),
        ("2016-12-31T23:59:60Z", None),  # a real leap second: not representable, refused
        ("2026-01-05T10:00:00 Europe/Paris", None),  # zone names are refused ...
        ("2026-01-05T10:00:00[Europe/Paris]", None),
        ("2026-01-05T10:00:00 CET", None),  # ... abbreviations are ambiguous
        ("2026-01-05T10:00:00 UTC", None),
        ("2026-01-05T10:00:00.123456789Z", datetime(2026, 1, 5, 10, 0, 0, 123456)),  # to µs
    ]
    source_df = spark.createDataFrame([(t,) for t, _ in cases], "t string")
    actual_df = source_df.select("t", parse_event_time(F.col("t")).alias("ts"))
    expected_df = spark.createDataFrame(cases, "t string, ts timestamp")
    assertDataFrameEqual(actual_df, expected_df)
