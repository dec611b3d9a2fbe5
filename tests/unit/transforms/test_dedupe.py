"""Replay-order duplicate resolution: winners, duplicates, restores, demotions, leftover twins."""

from __future__ import annotations

from datetime import date

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.dedupe import with_replay_rank

pytestmark = pytest.mark.spark

SCHEMA = (
    "event_id string, processing_date date, _source_file string, _record_hash long, "
    "_payload_hash long, _origin string, _stored_winner_date date, _stored_conflicting boolean"
)
OUT = (
    "event_id string, processing_date date, _origin string, is_winner boolean, "
    "winner_processing_date date, is_conflicting boolean, _fate string, _is_changed boolean"
)
D1, D2, D3 = date(2026, 1, 5), date(2026, 1, 6), date(2026, 1, 7)


def _rank(spark, rows, day):
    source_df = spark.createDataFrame(rows, SCHEMA)
    return with_replay_rank(source_df, day.isoformat()).select(
        "event_id",
        "processing_date",
        "_origin",
        "is_winner",
        "winner_processing_date",
        "is_conflicting",
        "_fate",
        "_is_changed",
    )


def test_with_replay_rank_earlier_date_wins_and_conflicts_are_flagged(spark):
    rows = [
        ("a", D2, "f1", 5, 100, "run", None, None),
        ("a", D2, "f1", 2, 200, "run", None, None),
        ("a", D1, "f9", None, 100, "events", None, None),
        ("b", D2, "f2", 7, 300, "run", None, None),
        ("b", D2, "f1", 8, 300, "run", None, None),
    ]
    expected_df = spark.createDataFrame(
        [
            ("a", D2, "run", False, D1, False, "duplicate", False),
            ("a", D2, "run", False, D1, True, "duplicate", False),
            ("a", D1, "events", True, D1, False, "winner", False),
            ("b", D2, "run", False, D2, False, "duplicate", False),
            ("b", D2, "run", True, D2, False, "winner", False),
        ],
        OUT,
    )
    assertDataFrameEqual(_rank(spark, rows, D2), expected_df)


def test_with_replay_rank_restores_the_next_copy_when_the_winner_goes(spark):
    """D1 is rerun without x: its stored duplicates (winner D1) are the candidates; the
    earliest (D2, then file f1) is restored, the D3 copy now names D2 as winner."""
    rows = [
        ("x", D3, "f1", 4, 100, "duplicates", D1, False),
        ("x", D2, "f2", 9, 555, "duplicates", D1, True),
        ("x", D2, "f1", 3, 100, "duplicates", D1, False),
    ]
    expected_df = spark.createDataFrame(
        [
            ("x", D3, "duplicates", False, D2, False, "duplicate", True),
            ("x", D2, "duplicates", False, D2, True, "duplicate", True),
            ("x", D2, "duplicates", True, D2, False, "winner", True),
        ],
        OUT,
    )
    assertDataFrameEqual(_rank(spark, rows, D1), expected_df)


def test_with_replay_rank_demotes_a_later_winner(spark):
    rows = [
        ("y", D1, "f1", 1, 100, "run", None, None),
        ("y", D2, "f1", None, 100, "events", None, None),
        ("z", D1, "f1", 1, 100, "run", None, None),
    ]
    expected_df = spark.createDataFrame(
        [
            ("y", D1, "run", True, D1, False, "winner", False),
            ("y", D2, "events", False, D1, False, "duplicate", True),
            ("z", D1, "run", True, D1, False, "winner", False),
        ],
        OUT,
    )
    assertDataFrameEqual(_rank(spark, rows, D1), expected_df)


def test_with_replay_rank_leftover_twin_is_stale_and_outside_copies_are_kept(spark):
    """A run killed after restoring w to events left its duplicates row too (stored winner
    D1, the date that lost it): that twin is deleted. v's stored duplicate names a winner
    (D1) this run did not read: kept as it is."""
    rows = [
        ("w", D2, "f1", None, 100, "events", None, None),
        ("w", D2, "f1", 3, 100, "duplicates", D1, False),
        ("v", D3, "f1", 3, 100, "run", None, None),
        ("v", D2, "f1", 5, 100, "duplicates", D1, False),
    ]
    expected_df = spark.createDataFrame(
        [
            ("w", D2, "events", True, D2, False, "winner", False),
            ("w", D2, "duplicates", False, D2, False, "stale", True),
            ("v", D3, "run", True, D3, False, "winner", False),
            ("v", D2, "duplicates", False, D2, False, "keep", False),
        ],
        OUT,
    )
    assertDataFrameEqual(_rank(spark, rows, D3), expected_df)
