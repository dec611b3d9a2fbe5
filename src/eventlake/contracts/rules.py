"""The data quality rules: every reason code, its severity and what it means, in one place.

Severities:
- ``quarantine``: the row goes to the quarantine table with the code in its ``reasons``.
- ``warn``: the row stays clean; the code is counted in the run record.
- ``fail``: the row is quarantined and the whole run fails (events untouched).

Each rule's predicate is built over the cleansed, parsed columns (see transforms/) and is
wrapped in ``coalesce(..., false)`` so that a null never hides a row from both sides.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F

from eventlake.contracts.schemas import EVENT_TYPES, PURCHASE
from eventlake.contracts.severity import ROW_SEVERITIES, Severity, parse_overrides

EARLIEST_EVENT_TIME = "2000-01-01 00:00:00"


@dataclass(frozen=True)
class RuleContext:
    """Run-level values a rule may compare with (never the wall clock)."""

    processing_date: str  # YYYY-MM-DD
    future_tolerance_days: int = 2


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    description: str
    predicate: Callable[[RuleContext], Column]

    def __post_init__(self) -> None:
        # A plain word ("fail") becomes its Severity; an unknown word fails at declaration.
        object.__setattr__(self, "severity", Severity(self.severity))


def _is_purchase() -> Column:
    return F.col("event_type") == F.lit(PURCHASE)


RULES: tuple[Rule, ...] = (
    Rule(
        "malformed_record",
        Severity.QUARANTINE,
        "The JSON line or CSV row does not parse, is not a JSON object, or has the wrong "
        "number of fields. The raw text is kept.",
        lambda ctx: F.col("_is_malformed"),
    ),
    Rule(
        "invalid_encoding",
        Severity.QUARANTINE,
        "The record's bytes are not valid UTF-8 (latin-1, cp1252, ...). JSON lines: the line's "
        "own bytes are checked, so a genuine U+FFFD passes. CSV: Spark's reader has already "
        "replaced invalid bytes with U+FFFD, so a row holding U+FFFD is rejected, a genuine "
        "one too. No clean row carries a replaced character.",
        lambda ctx: F.col("_is_invalid_encoding"),
    ),
    Rule(
        "invalid_type",
        Severity.QUARANTINE,
        "A contract field holds a JSON object or array (e.g. user_id: {...}). A number or a "
        "boolean where a string is expected is read as its JSON text (event_id: 12345 is "
        "'12345').",
        lambda ctx: ~F.col("_is_malformed") & F.col("_has_invalid_type"),
    ),
    Rule(
        "missing_event_id",
        Severity.QUARANTINE,
        "event_id is null, empty or blank after trimming.",
        lambda ctx: ~F.col("_is_malformed") & F.col("event_id").isNull(),
    ),
    Rule(
        "missing_user_id",
        Severity.QUARANTINE,
        'user_id is null, empty, blank or the string "null" after trimming.',
        lambda ctx: ~F.col("_is_malformed") & F.col("user_id").isNull(),
    ),
    Rule(
        "invalid_event_time",
        Severity.QUARANTINE,
        "event_time is missing, unparseable, or before 2000-01-01T00:00:00Z. Accepted: ISO-8601 "
        "with T or space, optional fraction (truncated to microseconds), Z/±HH:MM/±HHMM/no "
        "offset (UTC); epoch seconds or milliseconds (told apart by magnitude). Refused: "
        "dates or times off the calendar (2026-02-30, 24:00), offsets beyond ±18:00, zone "
        "names, leap seconds (23:59:60).",
        lambda ctx: (
            ~F.col("_is_malformed")
            & (
                F.col("event_ts").isNull()
                | (F.col("event_ts") < F.to_timestamp(F.lit(EARLIEST_EVENT_TIME)))
            )
        ),
    ),
    Rule(
        "event_time_in_future",
        Severity.QUARANTINE,
        "event_time is more than future_tolerance_days (default 2) after the start of the "
        "processing date. Compared with the run date, never the wall clock.",
        lambda ctx: (
            F.col("event_ts")
            > F.to_timestamp(F.lit(ctx.processing_date))
            + F.make_interval(days=F.lit(ctx.future_tolerance_days))
        ),
    ),
    Rule(
        "unknown_event_type",
        Severity.QUARANTINE,
        f"event_type is missing or, trimmed and lower-cased, not one of {', '.join(EVENT_TYPES)}.",
        lambda ctx: (
            ~F.col("_is_malformed")
            & (F.col("event_type").isNull() | ~F.col("event_type").isin(*EVENT_TYPES))
        ),
    ),
    Rule(
        "missing_amount",
        Severity.QUARANTINE,
        "A purchase without an amount (absent, null, empty or a null token such as 'N/A').",
        lambda ctx: _is_purchase() & F.col("amount_raw").isNull(),
    ),
    Rule(
        "invalid_amount",
        Severity.QUARANTINE,
        "An amount, on any event, that is not a plain decimal number (a thousands separator, "
        "a currency sign, a decimal comma, NaN, Infinity), needs more decimals than the "
        "column keeps (2: it would be rounded) or does not fit decimal(18,2). Never rounded "
        "or nulled.",
        lambda ctx: F.col("amount_raw").isNotNull() & F.col("amount").isNull(),
    ),
    Rule(
        "negative_amount",
        Severity.QUARANTINE,
        "A purchase with an amount below zero.",
        lambda ctx: _is_purchase() & (F.col("amount") < 0),
    ),
    Rule(
        "unknown_device",
        Severity.WARN,
        "device is not a known spelling of mobile, desktop or tablet; stored as 'other' "
        "('unknown' when missing).",
        lambda ctx: ~F.col("_is_malformed") & F.col("_device_unknown"),
    ),
    Rule(
        "unknown_country",
        Severity.WARN,
        "country is not an ISO 3166 alpha-2 code or a known name; stored as 'ZZ'.",
        lambda ctx: ~F.col("_is_malformed") & F.col("_country_unknown"),
    ),
)

RULE_CODES: tuple[str, ...] = tuple(rule.code for rule in RULES)


def effective_rules(overrides: Mapping[str, str] | None = None) -> tuple[Rule, ...]:
    """RULES with severities overridden by configuration (etl.severity_overrides)."""
    chosen = parse_overrides(
        overrides, RULE_CODES, ROW_SEVERITIES, "etl.severity_overrides", "rules"
    )
    return tuple(
        Rule(r.code, chosen.get(r.code, r.severity), r.description, r.predicate) for r in RULES
    )


def rule_column(rule: Rule, ctx: RuleContext) -> Column:
    """The rule as a never-null boolean column."""
    return F.coalesce(rule.predicate(ctx), F.lit(False))
