"""Cleansing: trim strings, null-like tokens to null, lower-case enums, normalise spellings.

Defaults for nulls (documented in the README):
- device, os: ``unknown``; an unrecognised spelling becomes ``other``.
- country: ``ZZ`` (ISO 3166 "unknown") when missing or unrecognised.
- currency: on a row with an amount, the country's currency when missing or not three
  letters, else ``USD``; null on rows without an amount or currency.
"""

from __future__ import annotations

from itertools import chain

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.schemas import RAW_FIELDS

NULL_TOKENS = ("", "null", "none", "nil", "n/a", "na", "nan", "undefined", "\\n")

DEVICE_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("mobile", "phone", "smartphone", "mobile phone", "cell", "iphone"), "mobile"),
    **dict.fromkeys(("android phone", "mob", "m"), "mobile"),
    **dict.fromkeys(("desktop", "pc", "computer", "laptop", "web", "browser", "d"), "desktop"),
    **dict.fromkeys(("tablet", "ipad", "tab", "t"), "tablet"),
}

OS_SPELLINGS: dict[str, str] = {
    **dict.fromkeys(("ios", "iphone os", "ipados"), "ios"),
    **dict.fromkeys(("android",), "android"),
    **dict.fromkeys(("windows", "win", "win10", "win11", "windows 10", "windows 11"), "windows"),
    **dict.fromkeys(("macos", "mac", "mac os", "os x", "osx", "mac os x"), "macos"),
    **dict.fromkeys(("linux", "ubuntu", "chromeos", "chrome os"), "linux"),
}

COUNTRY_NAMES: dict[str, str] = {
    "UNITED STATES": "US",
    "USA": "US",
    "UNITED KINGDOM": "GB",
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "GERMANY": "DE",
    "DEUTSCHLAND": "DE",
    "FRANCE": "FR",
    "SPAIN": "ES",
    "ITALY": "IT",
    "NETHERLANDS": "NL",
    "INDIA": "IN",
    "BRAZIL": "BR",
    "JAPAN": "JP",
    "CANADA": "CA",
    "AUSTRALIA": "AU",
    "MEXICO": "MX",
}

COUNTRY_CURRENCY: dict[str, str] = {
    "US": "USD",
    "GB": "GBP",
    "DE": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IT": "EUR",
    "NL": "EUR",
    "IE": "EUR",
    "IN": "INR",
    "BR": "BRL",
    "JP": "JPY",
    "CA": "CAD",
    "AU": "AUD",
    "MX": "MXN",
}
DEFAULT_CURRENCY = "USD"
UNKNOWN_COUNTRY = "ZZ"


def _map_literal(mapping: dict[str, str]) -> Column:
    return F.create_map(*[F.lit(x) for x in chain.from_iterable(mapping.items())])


def clean_string(col: Column) -> Column:
    """Trim (all ASCII whitespace); empty and null-like tokens ("null", "N/A", ...) become null."""
    trimmed = F.regexp_replace(col, r"^\s+|\s+$", "")
    return F.when(F.lower(trimmed).isin(*NULL_TOKENS), F.lit(None)).otherwise(trimmed)


def normalise_enum(col: Column) -> Column:
    """Cleaned, lower-cased, inner whitespace and dashes folded to one underscore-free space."""
    return F.lower(F.regexp_replace(clean_string(col), r"[\s_\-]+", " "))


def normalise_event_type(col: Column) -> Column:
    """' Page_View ' and 'page-view' -> 'page_view'."""
    return F.lower(F.regexp_replace(clean_string(col), r"[\s\-]+", "_"))


def normalise_device(col: Column) -> Column:
    value = normalise_enum(col)
    return F.when(value.isNull(), F.lit("unknown")).otherwise(
        F.coalesce(_map_literal(DEVICE_SPELLINGS)[value], F.lit("other"))
    )


def normalise_os(col: Column) -> Column:
    value = normalise_enum(col)
    return F.when(value.isNull(), F.lit("unknown")).otherwise(
        F.coalesce(_map_literal(OS_SPELLINGS)[value], F.lit("other"))
    )


def normalise_country(col: Column) -> Column:
    """ISO 3166 alpha-2 upper-case; known names mapped; anything else 'ZZ'."""
    value = F.upper(F.regexp_replace(clean_string(col), r"\s+", " "))
    return F.coalesce(
        F.when(value.rlike("^[A-Z]{2}$"), value),
        _map_literal(COUNTRY_NAMES)[value],
        F.lit(UNKNOWN_COUNTRY),
    )


def normalise_currency(col: Column, country: Column, amount: Column) -> Column:
    """ISO 4217 upper-case. Missing or malformed on a row with an amount -> the country's
    currency, else USD; a row without an amount and without a currency keeps null."""
    value = F.upper(clean_string(col))
    valid = F.when(value.rlike("^[A-Z]{3}$"), value)
    defaulted = F.coalesce(_map_literal(COUNTRY_CURRENCY)[country], F.lit(DEFAULT_CURRENCY))
    return F.coalesce(valid, F.when(amount.isNotNull(), defaulted))


def enrich_cleansed(df: DataFrame) -> DataFrame:
    """Cleanse every raw field in place; adds `_device_unknown`, `_country_unknown` flags."""
    df = df.select(
        *[c for c in df.columns if c not in RAW_FIELDS],
        *[clean_string(F.col(name)).alias(name) for name in RAW_FIELDS],
    )
    known_devices = list(DEVICE_SPELLINGS)
    device_norm = normalise_enum(F.col("device"))
    country_clean = F.upper(F.regexp_replace(F.col("country"), r"\s+", " "))
    return (
        df.withColumn(
            "_device_unknown", device_norm.isNotNull() & ~device_norm.isin(*known_devices)
        )
        .withColumn(
            "_country_unknown",
            country_clean.isNull()
            | (~country_clean.rlike("^[A-Z]{2}$") & ~country_clean.isin(*COUNTRY_NAMES)),
        )
        .withColumn("event_type", normalise_event_type(F.col("event_type")))
        .withColumn("device", normalise_device(F.col("device")))
        .withColumn("os", normalise_os(F.col("os")))
        .withColumn("country", normalise_country(F.col("country")))
        .withColumn(
            "currency", normalise_currency(F.col("currency"), F.col("country"), F.col("amount"))
        )
    )
