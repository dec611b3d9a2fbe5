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


def test_enrich_cleansed_cleanses_every_raw_field_in_place_and_flags_unknowns(spark):
    """The function the ETL runs: every raw field cleansed, the enums normalised, other
    columns passed through first, and the two `_*_unknown` flags added."""
    from eventlake.contracts.schemas import RAW_FIELDS
    from eventlake.transforms.cleanse import enrich_cleansed

    given = [
        # event_id, user_id, event_type, amount, currency, device, os, country, page
        (" e1 ", "NULL", " Page-View ", "nan", "eur", "iPhone", "Mac OS X", "germany", "n/a"),
        ("e2", "u2", "ADD_TO_CART", "12.5", None, "smart fridge", None, None, "/c"),
        ("e3", "u3", "click", None, None, None, "Win11", "us", ""),
        ("e4", "u4", "purchase", "5", "dollars", "PC", "linux", "Atlantis", "/buy"),
    ]
    named = ("event_id", "user_id", "event_type", "amount", "currency", "device", "os")
    named += ("country", "page")
    rows = [("a.gz", *[dict(zip(named, r, strict=True)).get(f) for f in RAW_FIELDS]) for r in given]
    schema = "_source_file string, " + ", ".join(f"{f} string" for f in RAW_FIELDS)
    actual_df = enrich_cleansed(spark.createDataFrame(rows, schema))
    assert actual_df.columns[0] == "_source_file"
    assert actual_df.columns[-2:] == ["_device_unknown", "_country_unknown"]
    shown = [*named, "_device_unknown", "_country_unknown"]
    expected_df = spark.createDataFrame(
        [
            ("e1", None, "page_view", "nan", "EUR", "mobile", "macos", "DE", None, False, False),
            ("e2", "u2", "add_to_cart", "12.5", "USD", "other", "unknown", "ZZ", "/c", True, True),
            ("e3", "u3", "click", None, None, "unknown", "windows", "US", None, False, False),
            ("e4", "u4", "purchase", "5", "USD", "desktop", "linux", "ZZ", "/buy", False, True),
        ],
        ", ".join(f"{c} string" for c in named) + ", _device_unknown boolean, "
        "_country_unknown boolean",
    )
    assertDataFrameEqual(actual_df.select(*shown), expected_df)
