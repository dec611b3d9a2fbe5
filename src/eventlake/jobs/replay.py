"""Keep `events` and `duplicates` equal to a replay, in date order, of each date's latest drop.

A run of date D ranks its clean rows with the other dates' copies of the same ids
(transforms/dedupe.py) and writes:

1. `duplicates`: D's duplicates, plus the other dates' copies whose place changed, in one
   commit. A copy about to move to `events` is still kept here.
2. `events`: D's winners, plus the other dates' copies restored as winners, minus the copies
   demoted to duplicates, in one commit.
3. `duplicates` again, only when copies were restored: they leave the table.

Each copy is in at least one of the two tables after every commit, so a run killed between them
loses nothing: the rerun of D finds a restored copy in both tables and removes the leftover twin.

The cross-date check reads a bounded slice of the lake, L = lookback, T = future tolerance:
`events` rows with D - L <= event_date <= D + T (partition pruning; a clean copy loaded by D
has event_date <= D + T) and `duplicates` rows with D - L - T <= processing_date <= D + L + T
(a copy is delivered no earlier than T days before its event_date, and was compared only with
copies whose event_date was at most L days before its own run). A copy of an id whose other
copies have an event_date outside that window is not compared with them and is loaded again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from eventlake.contracts.schemas import DUPLICATES_SCHEMA, EVENTS_SCHEMA
from eventlake.transforms.dedupe import (
    DUPLICATE,
    KEEP,
    ORIGIN_DUPLICATES,
    ORIGIN_EVENTS,
    ORIGIN_RUN,
    WINNER,
    with_payload_hash,
    with_replay_rank,
)
from eventlake.transforms.frames import union_all

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from eventlake.io.lake import Lake

Pairs = dict[str, set[str]]  # processing_date (ISO) -> event ids


@dataclass
class Resolution:
    """The run's rows, flagged, and the lake rows of other dates whose place changes."""

    slim_df: DataFrame  # persisted: the run's rows before ranking
    ranked_df: DataFrame  # persisted: the run's clean rows and the contested lake rows, ranked
    flagged_df: DataFrame  # every row of the run: is_duplicate, is_conflicting, ...
    changes: list[dict[str, object]] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return sum(1 for c in self.changes if c["_is_changed"])


def _lake_copies(lake: Lake, day: date, window):
    """The other dates' copies a run of `day` is compared with (module docstring)."""
    from pyspark.sql import functions as F

    (events_from, events_to), (duplicates_from, duplicates_to) = window
    parts = []
    if lake.exists("events"):
        ev = lake.events().where(
            F.col("event_date").between(F.lit(events_from), F.lit(events_to))
            & (F.col("processing_date") != F.lit(day))
        )
        parts.append(
            with_payload_hash(ev).select(
                *EVENTS_SCHEMA.names,
                F.lit(None).cast("long").alias("_record_hash"),
                "_payload_hash",
                F.lit(None).cast("date").alias("_stored_winner_date"),
                F.lit(None).cast("boolean").alias("_stored_conflicting"),
                F.lit(ORIGIN_EVENTS).alias("_origin"),
            )
        )
    if lake.exists("duplicates"):
        dp = lake.duplicates().where(
            F.col("processing_date").between(F.lit(duplicates_from), F.lit(duplicates_to))
            & (F.col("processing_date") != F.lit(day))
        )
        parts.append(
            dp.select(
                *EVENTS_SCHEMA.names,
                "_record_hash",
                "_payload_hash",
                F.col("winner_processing_date").alias("_stored_winner_date"),
                F.col("is_conflicting").alias("_stored_conflicting"),
                F.lit(ORIGIN_DUPLICATES).alias("_origin"),
            )
        )
    return union_all(parts)


def resolve(
    lake: Lake, slim_df, day: date, lookback_days: int, future_tolerance_days: int
) -> Resolution:
    """Rank the run's rows (`slim_df`: every row, `is_quarantined`, `_record_hash`,
    `_payload_hash`) against the copies of the same ids in the `lake`."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    # A cached boundary: ranking on top of the whole parse/cleanse plan makes Catalyst print
    # and re-analyse expression trees that grow with every window column (minutes per run).
    slim_df = slim_df.persist(StorageLevel.MEMORY_AND_DISK)
    lookback, tolerance = timedelta(days=lookback_days), timedelta(days=future_tolerance_days)
    window = (
        (day - lookback, day + tolerance),
        (day - lookback - tolerance, day + lookback + tolerance),
    )
    clean = slim_df.where(~F.col("is_quarantined")).select(
        *slim_df.columns,
        F.lit(None).cast("date").alias("_stored_winner_date"),
        F.lit(None).cast("boolean").alias("_stored_conflicting"),
        F.lit(ORIGIN_RUN).alias("_origin"),
    )
    candidates = clean
    copies = _lake_copies(lake, day, window)
    if copies is not None:
        # The ids this run loads, and the ids whose stored winner was loaded by D before.
        contested = clean.select("event_id").unionByName(
            copies.where(
                (F.col("_origin") == ORIGIN_DUPLICATES)
                & (F.col("_stored_winner_date") == F.lit(day))
            ).select("event_id")
        )
        candidates = clean.unionByName(
            copies.join(contested, "event_id", "left_semi"), allowMissingColumns=True
        )
    ranked = with_replay_rank(candidates, day.isoformat()).persist(StorageLevel.MEMORY_AND_DISK)
    run_rows = ranked.where(F.col("_origin") == ORIGIN_RUN).withColumn(
        "is_duplicate", ~F.col("is_winner")
    )
    quarantined = slim_df.where(F.col("is_quarantined")).select(
        *slim_df.columns,
        F.lit(False).alias("is_duplicate"),
        F.lit(False).alias("is_conflicting"),
        F.lit(None).cast("date").alias("winner_processing_date"),
    )
    flagged = run_rows.select(*quarantined.columns).unionByName(quarantined)
    changes: list[dict[str, object]] = []
    if copies is not None:
        changes = [
            r.asDict()
            for r in ranked.where((F.col("_origin") != ORIGIN_RUN) & F.col("_id_changed"))
            .select("_origin", "processing_date", "event_id", "_fate", "_is_changed")
            .collect()
        ]
    return Resolution(slim_df, ranked, flagged, changes)


def release(resolution: Resolution | None) -> None:
    if resolution is not None:
        resolution.ranked_df.unpersist()
        resolution.slim_df.unpersist()


def _pairs(changes: list[dict[str, object]], keep) -> Pairs:
    out: Pairs = defaultdict(set)
    for c in changes:
        if keep(c):
            out[c["processing_date"].isoformat()].add(str(c["event_id"]))  # type: ignore[attr-defined]
    return out


def _sql_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def predicate(day: date | None, pairs: Pairs) -> str:
    """`processing_date = D`, or'ed with (processing_date = E AND event_id IN (...)) per date."""
    terms = [f"processing_date = DATE'{day.isoformat()}'"] if day is not None else []
    for d, ids in sorted(pairs.items()):
        listed = ", ".join(_sql_string(i) for i in sorted(ids))
        terms.append(f"(processing_date = DATE'{d}' AND event_id IN ({listed}))")
    return " OR ".join(terms) if terms else "false"


def _as_duplicates(df, stored: bool = False):
    """Rows in the duplicates table's schema; `stored` keeps the stored place for rows that
    are not (yet) moved by this run."""
    from pyspark.sql import functions as F

    fate = F.col("_fate")
    keep_stored = F.lit(True) if stored else fate.isin(KEEP, WINNER)
    winner = F.when(keep_stored, F.col("_stored_winner_date")).otherwise(
        F.col("winner_processing_date")
    )
    conflicting = F.when(keep_stored, F.col("_stored_conflicting")).otherwise(
        F.col("is_conflicting")
    )
    cols = {
        **{n: F.col(n) for n in EVENTS_SCHEMA.names},
        "_record_hash": F.col("_record_hash"),
        "_payload_hash": F.col("_payload_hash"),
        "winner_processing_date": winner,
        "is_conflicting": conflicting,
    }
    return df.select(*[cols[f.name].cast(f.dataType).alias(f.name) for f in DUPLICATES_SCHEMA])


def _as_events(df):
    from pyspark.sql import functions as F

    return df.select(*[F.col(f.name).cast(f.dataType) for f in EVENTS_SCHEMA.fields])


@dataclass
class Written:
    events_version: int | None = None
    duplicates_version: int | None = None
    # Other dates' copies moved from duplicates to events (written by the events commit) and
    # from events to duplicates (deleted by it).
    restored: int = 0
    demoted: int = 0
    # Each duplicates commit: (version before it, its version, the lake rows it writes as
    # counted from the contest's outcome). The run's own duplicates (duplicates_removed)
    # are the rest of the first commit's rows; jobs/etl_accounting.py reconciles both.
    duplicates_commits: list[tuple[int | None, int, int]] = field(default_factory=list)


def write(lake: Lake, resolution: Resolution, day: date, metadata) -> Written:
    """The commits of the module docstring, to the `lake`'s events and duplicates.
    `metadata(step)` gives each commit's userMetadata."""
    from pyspark.sql import functions as F

    lake.ensure("duplicates")
    ranked, changes = resolution.ranked_df, resolution.changes
    origin, fate = F.col("_origin"), F.col("_fate")
    run_rows = ranked.where(origin == ORIGIN_RUN)
    lake_rows = ranked.where((origin != ORIGIN_RUN) & F.col("_id_changed"))
    restored = [c for c in changes if c["_fate"] == WINNER and c["_origin"] == ORIGIN_DUPLICATES]
    demoted = [c for c in changes if c["_origin"] == ORIGIN_EVENTS and c["_is_changed"]]
    out = Written(restored=len(restored), demoted=len(demoted))

    # 1. duplicates: D's own, every lake copy of a changed id except leftover twins; copies
    #    about to be restored stay, in their stored form, until step 3.
    dup_pairs = _pairs(changes, lambda c: True)
    dups = _as_duplicates(run_rows.where(~F.col("is_winner"))).unionByName(
        _as_duplicates(lake_rows.where(fate.isin(DUPLICATE, KEEP)))
    )
    dups = dups.unionByName(
        _as_duplicates(lake_rows.where((fate == WINNER) & (origin == ORIGIN_DUPLICATES)), True)
    )
    before = lake.version("duplicates")
    out.duplicates_version = lake.replace(
        "duplicates", dups, predicate(day, dup_pairs), metadata("duplicates")
    )
    kept = sum(1 for c in changes if c["_fate"] in (DUPLICATE, KEEP))
    out.duplicates_commits.append((before, out.duplicates_version, kept + len(restored)))

    # 2. events: D's winners and the restored copies; demoted rows and D's old rows go. An
    #    other date's winner that keeps its place is not rewritten, so the commit writes
    #    exactly rows_clean + rows_restored rows (jobs/etl_accounting.py reconciles that).
    ev_pairs = _pairs([*restored, *demoted], lambda c: True)
    events = _as_events(run_rows.where(F.col("is_winner"))).unionByName(
        _as_events(lake_rows.where((fate == WINNER) & (origin == ORIGIN_DUPLICATES)))
    )
    out.events_version = lake.replace(
        "events", events, predicate(day, ev_pairs), metadata("events")
    )

    # 3. duplicates: the restored copies leave.
    if restored:
        pairs = _pairs(restored, lambda c: True)
        keys = {(d, i) for d, ids in pairs.items() for i in ids}
        in_pairs = F.lit(False)
        for d, i in keys:
            in_pairs = in_pairs | (
                (F.col("processing_date") == F.lit(d).cast("date")) & (F.col("event_id") == i)
            )
        rest = lake_rows.where(in_pairs & fate.isin(DUPLICATE, KEEP))
        before = lake.version("duplicates")
        out.duplicates_version = lake.replace(
            "duplicates", _as_duplicates(rest), predicate(None, pairs), metadata("restore")
        )
        stay = len(
            [
                c
                for c in changes
                if c["_fate"] in (DUPLICATE, KEEP)
                and (c["processing_date"].isoformat(), str(c["event_id"])) in keys  # type: ignore[attr-defined]
            ]
        )
        out.duplicates_commits.append((before, out.duplicates_version, stay))
    return out
