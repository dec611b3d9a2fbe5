"""Typing of raw text: event time and amount. Unparseable values become null (and a rule
turns that null into a reason code); nothing raises under ANSI mode."""

from __future__ import annotations

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


def parse_amount(col: Column) -> Column:
    """Decimal(18,2); anything but a plain number (e.g. "12,50", "abc") -> null."""
    return F.when(col.rlike(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"), col).try_cast(
        AMOUNT_TYPE
    )
