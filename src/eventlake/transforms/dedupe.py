"""Duplicate resolution on event_id, so that the lake equals a replay of its drops in date order.

The replay rule: among the clean copies of an event_id over every processed date, the winner is
the first in (processing_date, source file, 64-bit hash of the raw text) order; every other copy
is a duplicate of it. Quarantined rows are never duplicates (they are counted once, as
quarantined).

A run of date D calls `with_replay_rank` on its own clean rows (`_origin = "run"`) together with
the other dates' copies of the same ids, read from `events` (`_origin = "events"`) and
`duplicates` (`_origin = "duplicates"`). The result says, for every copy, where it belongs now;
lake rows whose place changed are what the run rewrites outside its own date.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql.types import MapType

from eventlake.contracts.schemas import DUPLICATE_PAYLOAD_EXCLUDED, EVENTS_SCHEMA

ORIGIN_RUN = "run"
ORIGIN_EVENTS = "events"
ORIGIN_DUPLICATES = "duplicates"

# What a lake row becomes after the contest.
WINNER, DUPLICATE, STALE, KEEP = "winner", "duplicate", "stale", "keep"

PAYLOAD_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in EVENTS_SCHEMA.fields if f.name not in DUPLICATE_PAYLOAD_EXCLUDED
)


def payload_hash(columns: tuple[str, ...] = PAYLOAD_COLUMNS) -> Column:
    """A 64-bit hash of a copy's typed payload (provenance columns and ip_hash left out).

    Each value is tagged with its column's position, so (a, null) and (null, a) differ.
    """
    types = {f.name: f.dataType for f in EVENTS_SCHEMA.fields}

    def text(c: str) -> Column:
        typed = F.col(c).cast(types[c])
        if isinstance(types[c], MapType):
            # `_rescued`: the same fields in another order are the same payload
            return F.sort_array(F.map_entries(typed)).cast("string")
        return typed.cast("string")

    # A null value adds nothing to the hash: a copy without rescued fields hashes as it did
    # before the `_rescued` column existed.
    parts = [F.concat(F.lit(f"{i}:"), text(c)) for i, c in enumerate(columns)]
    return F.xxhash64(*parts)


def with_payload_hash(df: DataFrame) -> DataFrame:
    return df.withColumn("_payload_hash", payload_hash())


def _stale_twins(df: DataFrame) -> Column:
    """A `duplicates` row that is the same copy as an `events` row of the same id and date, left
    behind by a run killed between its commits (see jobs/replay.py). In a consistent lake an
    events row at (id, E) means every stored duplicate of the id names E as winner, so a stored
    duplicate at E naming another winner, beside that events row, is the leftover twin. One twin
    per events row: the first by record hash (nulls first)."""
    at_date = Window.partitionBy("event_id", "processing_date")
    has_events_row = F.max((F.col("_origin") == ORIGIN_EVENTS).cast("int")).over(at_date) == 1
    candidate = (
        (F.col("_origin") == ORIGIN_DUPLICATES)
        & has_events_row
        & (F.col("_stored_winner_date") != F.col("processing_date"))
    )
    twin_order = Window.partitionBy(
        "event_id", "processing_date", "_source_file", "_payload_hash", candidate
    ).orderBy(F.col("_record_hash").asc_nulls_first())
    return candidate & (F.row_number().over(twin_order) == 1)


def with_replay_rank(candidates_df: DataFrame, day: str) -> DataFrame:
    """Ranks every clean copy of each event_id in replay order.

    `candidates_df` has the events columns plus `_origin`, `_record_hash` (null for rows read
    from `events`, which does not store it), `_payload_hash`, and for `duplicates` rows the
    stored `_stored_winner_date` and `_stored_conflicting`. Adds:

    - `is_winner`: the copy that belongs in `events`;
    - `winner_processing_date` and `is_conflicting` (payload differs from the winner's);
    - `_fate`: for lake rows, winner | duplicate | stale (delete) | keep (not part of this
      contest: a stored duplicate whose winner lies outside what the run read; rewritten as is);
    - `_is_changed`: the lake row's stored place or values change;
    - `_id_changed`: some lake row of the same event_id changed.
    """
    by_id = Window.partitionBy("event_id")
    origin = F.col("_origin")
    df = candidates_df.withColumn("_is_stale", _stale_twins(candidates_df))
    has_events = F.max((origin == ORIGIN_EVENTS).cast("int")).over(by_id) == 1
    eligible = ~F.col("_is_stale") & (
        (origin != ORIGIN_DUPLICATES)
        | (F.col("_stored_winner_date") == F.lit(day).cast("date"))
        | has_events
    )
    df = df.withColumn("_eligible", eligible)
    order = Window.partitionBy("event_id", "_eligible").orderBy(
        F.col("processing_date").asc(),
        F.col("_source_file").asc(),
        F.col("_record_hash").asc_nulls_first(),
    )
    ranked = df.withColumn("_rank", F.row_number().over(order))
    first = Window.partitionBy("event_id", "_eligible")
    winner_row = F.col("_rank") == 1
    ranked = (
        ranked.withColumn("is_winner", F.col("_eligible") & winner_row)
        .withColumn(
            "winner_processing_date",
            F.max(F.when(winner_row, F.col("processing_date"))).over(first),
        )
        .withColumn(
            "_winner_payload", F.max(F.when(winner_row, F.col("_payload_hash"))).over(first)
        )
        .withColumn(
            "is_conflicting",
            ~F.col("is_winner") & (F.col("_payload_hash") != F.col("_winner_payload")),
        )
    )
    fate = (
        F.when(F.col("_is_stale"), F.lit(STALE))
        .when(~F.col("_eligible"), F.lit(KEEP))
        .when(F.col("is_winner"), F.lit(WINNER))
        .otherwise(F.lit(DUPLICATE))
    )
    changed = (
        (F.col("_fate") == STALE)
        | ((origin == ORIGIN_EVENTS) & (F.col("_fate") != WINNER))
        | ((origin == ORIGIN_DUPLICATES) & (F.col("_fate") == WINNER))
        | (
            (origin == ORIGIN_DUPLICATES)
            & (F.col("_fate") == DUPLICATE)
            & (
                (F.col("winner_processing_date") != F.col("_stored_winner_date"))
                | (F.col("is_conflicting") != F.col("_stored_conflicting"))
            )
        )
    )
    out = ranked.withColumn("_fate", fate).withColumn(
        "_is_changed", (origin != ORIGIN_RUN) & F.coalesce(changed, F.lit(False))
    )
    out = out.withColumn("is_conflicting", F.col("_eligible") & F.col("is_conflicting")).withColumn(
        "_id_changed", F.max(F.col("_is_changed").cast("int")).over(by_id) == 1
    )
    return out.drop("_rank", "_winner_payload", "_eligible", "_is_stale")
