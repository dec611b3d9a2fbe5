"""Cleansing helpers: expected values written by hand, null case always included."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.cleanse import (
    clean_string,
    normalise_country,
    normalise_currency,
    normalise_device,
    normalise_event_type,
    normalise_os,
)

pytestmark = pytest.mark.spark


def _apply(spark, fn, values):
    source_df = spark.createDataFrame([(v,) for v in values], "v string")
    return source_df.select("v", fn(F.col("v")).alias("out"))


def test_clean_string_trims_and_nulls_null_tokens(spark):
    actual_df = _apply(
        spark, clean_string, ["  a b ", "\tx\n", "", "   ", "null", "NULL", " None ", "N/A", None]
    )
    expected_df = spark.createDataFrame(
        [
            ("  a b ", "a b"),
            ("\tx\n", "x"),
            ("", None),
            ("   ", None),
            ("null", None),
            ("NULL", None),
            (" None ", None),
            ("N/A", None),
            (None, None),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_clean_string_keeps_injection_text_inert(spark):
    values = ["=cmd|' /C calc'!A0", "'; DROP TABLE events;--", "${jndi:ldap://x/a}"]
    actual_df = _apply(spark, clean_string, values)
    expected_df = spark.createDataFrame(
        [
            ("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
            ("'; DROP TABLE events;--", "'; DROP TABLE events;--"),
            ("${jndi:ldap://x/a}", "${jndi:ldap://x/a}"),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_normalise_event_type_folds_case_space_and_dashes(spark):
    actual_df = _apply(
        spark, normalise_event_type, [" Page_View ", "ADD TO CART", "add-to-cart", None]
    )
    expected_df = spark.createDataFrame(
        [
            (" Page_View ", "page_view"),
            ("ADD TO CART", "add_to_cart"),
            ("add-to-cart", "add_to_cart"),
            (None, None),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_normalise_device_maps_spellings_and_defaults(spark):
    actual_df = _apply(
        spark, normalise_device, ["MOBILE", " Smartphone", "PC", "iPad", "toaster", "", None]
    )
    expected_df = spark.createDataFrame(
        [
            ("MOBILE", "mobile"),
            (" Smartphone", "mobile"),
            ("PC", "desktop"),
            ("iPad", "tablet"),
            ("toaster", "other"),
            ("", "unknown"),
            (None, "unknown"),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_normalise_os_maps_spellings_and_defaults(spark):
    actual_df = _apply(spark, normalise_os, ["iOS", "Mac OS X", "WIN", "beos", None])
    expected_df = spark.createDataFrame(
        [
            ("iOS", "ios"),
            ("Mac OS X", "macos"),
            ("WIN", "windows"),
            ("beos", "other"),
            (None, "unknown"),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_normalise_country_iso_upper_names_and_unknown(spark):
    actual_df = _apply(
        spark, normalise_country, [" us ", "gb", "United Kingdom", "Narnia", "USA1", None]
    )
    expected_df = spark.createDataFrame(
        [
            (" us ", "US"),
            ("gb", "GB"),
            ("United Kingdom", "GB"),
            ("Narnia", "ZZ"),
            ("USA1", "ZZ"),
            (None, "ZZ"),
        ],
        "v string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_normalise_currency_upper_and_defaults_only_with_amount(spark):
    source_df = spark.createDataFrame(
        [
            ("usd", "US", "1"),
            (None, "DE", "2"),
            ("euro", "FR", "3"),
            (None, "ZZ", "4"),
            (None, "US", None),
            (" gbp ", "GB", None),
        ],
        "currency string, country string, amount string",
    )
    actual_df = source_df.select(
        "amount",
        normalise_currency(F.col("currency"), F.col("country"), F.col("amount")).alias("out"),
    )
    expected_df = spark.createDataFrame(
        [("1", "USD"), ("2", "EUR"), ("3", "EUR"), ("4", "USD"), (None, None), (None, "GBP")],
        "amount string, out string",
    )
    assertDataFrameEqual(actual_df, expected_df)
