"""Typing of raw text: event time and amount. Unparseable values become null (and a rule
turns that null into a reason code); nothing raises under ANSI mode."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce

from pyspark.sql import Column
from pyspark.sql import functions as F

from eventlake.contracts.schemas import AMOUNT_TYPE

ISO_PATTERN = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|z|[+-]\d{2}:?\d{2})?$"
EPOCH_PATTERN = r"^-?\d+(\.\d+)?$"
# Epoch values at or above 1e11 are milliseconds: 1e11 s is the year 5138, while 1e11 ms is
# 1973 — every plausible event time falls clearly on one side.
EPOCH_MILLIS_THRESHOLD = 100_000_000_000


def parse_event_time(col: Column) -> Column:
    """ISO-8601 (T or space, optional fraction, Z/±HH:MM/none = UTC) or epoch s/ms -> timestamp."""
    text = col
    iso = F.when(text.rlike(ISO_PATTERN), F.try_to_timestamp(F.regexp_replace(text, "z$", "Z")))
    number = F.when(text.rlike(EPOCH_PATTERN), text.try_cast("double"))
    micros = F.when(
        F.abs(number) >= EPOCH_MILLIS_THRESHOLD, (number * 1000).try_cast("bigint")
    ).otherwise((number * 1_000_000).try_cast("bigint"))
    epoch = F.when(number.isNotNull(), F.timestamp_micros(micros))
    return F.coalesce(iso, epoch)


# A plain decimal number, optionally with an exponent. Anything else (a thousands separator,
# a currency sign, a decimal comma, NaN, Infinity) is not an amount.
AMOUNT_SHAPE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# Its parts: integer digits, fraction digits, exponent.
AMOUNT_PARTS = r"^[+-]?(\d*)\.?(\d*)(?:[eE]([+-]?\d+))?$"
# The common case, kept off the slow path: at most the column's decimals, no exponent.
_SIMPLE_AMOUNT = rf"^[+-]?\d+(\.\d{{0,{AMOUNT_TYPE.scale}}})?$"


def amount_decimals(text: Column) -> Column:
    """The decimal places the value of a number text needs: trailing zeros do not count,
    the exponent does ("12.50" 1, "1.2345e1" 3, "120e-3" 2, "100" -2). Null when the text
    is not a number or the exponent is out of range."""
    integer = F.regexp_extract(text, AMOUNT_PARTS, 1)
    fraction = F.regexp_extract(text, AMOUNT_PARTS, 2)
    exponent = F.regexp_extract(text, AMOUNT_PARTS, 3)
    digits = F.concat(integer, fraction)
    trailing_zeros = F.length(digits) - F.length(F.regexp_replace(digits, "0+$", ""))
    shift = F.when(exponent == "", F.lit(0)).otherwise(exponent.try_cast("int"))
    return F.when(text.rlike(AMOUNT_SHAPE), F.length(fraction) - shift - trailing_zeros)


def parse_amount(col: Column) -> Column:
    """Decimal(18,2), exactly the value the text denotes, or null: a text that is not a plain
    decimal number ("12,50", "$5", "1,234.50", "NaN", "Infinity"), that needs more decimals
    than the column keeps ("12.345": it would be rounded) or that does not fit (|x| >= 1e16)
    becomes null, and the `invalid_amount` rule reports it. Never rounded."""
    exact = F.when(col.rlike(_SIMPLE_AMOUNT), F.lit(True)).otherwise(
        amount_decimals(col) <= AMOUNT_TYPE.scale
    )
    return F.when(exact, col.try_cast(AMOUNT_TYPE))


def _starts_container(value: Column) -> Column:
    return value.startswith("{") | value.startswith("[")


def json_container_flags(raw_record: Column, fields: Sequence[str]) -> dict[str, Column]:
    """Per field of `fields`: True when it holds a JSON object or array in `raw_record`
    (never null; see has_json_container for how). Only rows where a field's text starts with
    `{` or `[` parse the record a second time."""
    variant = F.try_parse_json(raw_record)

    def is_container(name: str) -> Column:
        kind = F.schema_of_variant(F.variant_get(variant, f"$.{name}", "variant"))
        return kind.startswith("OBJECT") | kind.startswith("ARRAY")

    return {
        name: F.coalesce(F.when(_starts_container(F.col(name)), is_container(name)), F.lit(False))
        for name in fields
    }


def has_json_container(raw_record: Column, fields: Sequence[str]) -> Column:
    """True when one of `fields` holds a JSON object or array in `raw_record` (never null).

    from_json reads any JSON value into a string field as its text, so `{"a": 1}` as
    user_id arrives as the string '{"a":1}', like the string "{\\"a\\": 1}" would. Only a
    value whose text starts with `{` or `[` can be either; for those rows (rare) the record
    is parsed once more as a Variant and the field's own type decides. A record that
    from_json read but the Variant parser refuses (duplicate keys) counts as holding one.
    A CSV row's `raw_record` is its JSON rendering with string values: never a container.
    """
    suspects = [_starts_container(F.col(name)) for name in fields]
    gate = reduce(lambda a, b: a | b, suspects)
    variant = F.try_parse_json(raw_record)

    def is_container(name: str) -> Column:
        kind = F.schema_of_variant(F.variant_get(variant, f"$.{name}", "variant"))
        return kind.startswith("OBJECT") | kind.startswith("ARRAY")

    found = reduce(
        lambda a, b: a | b,
        [
            F.coalesce(s & is_container(n), F.lit(False))
            for s, n in zip(suspects, fields, strict=True)
        ],
    )
    return F.coalesce(F.when(gate, variant.isNull() | found), F.lit(False))
