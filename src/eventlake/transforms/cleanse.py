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
from eventlake.transforms.text import strip_whitespace

NULL_TOKENS = ("", "null", "none", "nil", "n/a", "na", "nan", "undefined", "\\n")
# An amount of NaN is a float artefact, not a missing value: it stays, and is invalid_amount.
AMOUNT_NULL_TOKENS = tuple(t for t in NULL_TOKENS if t != "nan")

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


_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _map_literal(mapping: dict[str, str]) -> Column:
    return F.create_map(*[F.lit(x) for x in chain.from_iterable(mapping.items())])


def _is_upper_code(value: Column, length: int) -> Column:
    """`value` is exactly `length` ASCII capitals (no regex: cheap on every row)."""
    return (F.length(value) == length) & (F.translate(value, _UPPER, "") == "")


def clean_string(col: Column, tokens: tuple[str, ...] = NULL_TOKENS) -> Column:
    """Trim ASCII whitespace; empty and null-like tokens ("null", "N/A", ...) become null."""
    trimmed = strip_whitespace(col)
    # The length test first: most values are longer than any token, and lower() copies.
    longest = max(len(t) for t in tokens)
    is_token = (F.length(trimmed) <= longest) & F.lower(trimmed).isin(*tokens)
    return F.when(is_token, F.lit(None)).otherwise(trimmed)


# The *_from_clean helpers take a column that clean_string already produced.


def _enum_key(clean: Column) -> Column:
    return F.translate(F.lower(clean), "_-", "  ")


def _event_type_from_clean(clean: Column) -> Column:
    return F.translate(F.lower(clean), " -", "__")


def _device_from_clean(clean: Column) -> Column:
    return F.when(clean.isNull(), F.lit("unknown")).otherwise(
        F.coalesce(_map_literal(DEVICE_SPELLINGS)[_enum_key(clean)], F.lit("other"))
    )


def _os_from_clean(clean: Column) -> Column:
    return F.when(clean.isNull(), F.lit("unknown")).otherwise(
        F.coalesce(_map_literal(OS_SPELLINGS)[_enum_key(clean)], F.lit("other"))
    )


def _country_from_clean(clean: Column) -> Column:
    upper = F.upper(clean)
    return F.coalesce(
        F.when(_is_upper_code(upper, 2), upper),
        _map_literal(COUNTRY_NAMES)[upper],
        F.lit(UNKNOWN_COUNTRY),
    )


def _currency_from_clean(clean: Column, country: Column, amount: Column) -> Column:
    upper = F.upper(clean)
    valid = F.when(_is_upper_code(upper, 3), upper)
    defaulted = F.coalesce(_map_literal(COUNTRY_CURRENCY)[country], F.lit(DEFAULT_CURRENCY))
    return F.coalesce(valid, F.when(amount.isNotNull(), defaulted))


def normalise_event_type(col: Column) -> Column:
    """' Page_View ', 'page view' and 'page-view' -> 'page_view'."""
    return _event_type_from_clean(clean_string(col))


def normalise_device(col: Column) -> Column:
    """Known spellings -> mobile/desktop/tablet; missing -> unknown; anything else -> other."""
    return _device_from_clean(clean_string(col))


def normalise_os(col: Column) -> Column:
    return _os_from_clean(clean_string(col))


def normalise_country(col: Column) -> Column:
    """ISO 3166 alpha-2 upper-case; known names mapped; anything else 'ZZ'."""
    return _country_from_clean(clean_string(col))


def normalise_currency(col: Column, country: Column, amount: Column) -> Column:
    """ISO 4217 upper-case. Missing or malformed on a row with an amount -> the country's
    currency, else USD; a row without an amount and without a currency keeps null."""
    return _currency_from_clean(clean_string(col), country, amount)


def enrich_cleansed(df: DataFrame) -> DataFrame:
    """Cleanse every raw field in place; adds `_device_unknown`, `_country_unknown` flags."""
    cleaned = df.select(
        *[c for c in df.columns if c not in RAW_FIELDS],
        *[
            clean_string(
                F.col(name), AMOUNT_NULL_TOKENS if name == "amount" else NULL_TOKENS
            ).alias(name)
            for name in RAW_FIELDS
        ],
    )
    device, country = F.col("device"), F.col("country")
    country_upper = F.upper(country)
    return cleaned.select(
        *[
            c
            for c in cleaned.columns
            if c not in ("event_type", "device", "os", "country", "currency")
        ],
        _event_type_from_clean(F.col("event_type")).alias("event_type"),
        _device_from_clean(device).alias("device"),
        _os_from_clean(F.col("os")).alias("os"),
        _country_from_clean(country).alias("country"),
        _currency_from_clean(
            F.col("currency"), _country_from_clean(country), F.col("amount")
        ).alias("currency"),
        (device.isNotNull() & ~_enum_key(device).isin(*DEVICE_SPELLINGS)).alias("_device_unknown"),
        (
            country.isNull()
            | (~_is_upper_code(country_upper, 2) & ~country_upper.isin(*COUNTRY_NAMES))
        ).alias("_country_unknown"),
    )
