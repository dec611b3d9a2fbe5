"""transforms/counts.py: the run's counts per source file and the rescued fields' rows, on
hand-built flagged frames with hand-written expected values."""

from __future__ import annotations

import pytest

from eventlake.contracts.rules import RULE_CODES
from eventlake.transforms.counts import (
    CONFLICTING_DUPLICATE,
    DRIFT_CODES,
    counts_per_file,
    rescued_counts,
)

pytestmark = pytest.mark.spark

FLAGGED = (
    "_source_file string, is_quarantined boolean, is_duplicate boolean, "
    "is_conflicting boolean, reasons array<string>, warnings array<string>, "
    "_rescued map<string,string>"
)


def _flagged_df(spark):
    return spark.createDataFrame(
        [
            ("a.gz", False, False, False, [], [], None),  # clean
            ("a.gz", True, False, False, ["missing_user_id"], [], {"color": "red"}),
            ("a.gz", False, True, True, [], ["unknown_field"], {"color": "blue", "size": "L"}),
            ("b.gz", False, True, False, [], [], None),  # a duplicate, same payload
            ("b.gz", False, False, False, [], ["unknown_field"], {"size": "M"}),
        ],
        FLAGGED,
    )


def test_counts_per_file_one_row_per_file_with_every_code(spark):
    per_file = sorted(counts_per_file(_flagged_df(spark)), key=lambda r: r["_source_file"])
    zero = {f"reason__{code}": 0 for code in (*RULE_CODES, *DRIFT_CODES)}
    expected = [
        {
            **zero,
            "_source_file": "a.gz",
            "rows_read": 3,
            "rows_quarantined": 1,
            "duplicates_removed": 1,
            "rows_clean": 1,
            f"reason__{CONFLICTING_DUPLICATE}": 1,
            "reason__missing_user_id": 1,
            "reason__unknown_field": 1,
        },
        {
            **zero,
            "_source_file": "b.gz",
            "rows_read": 2,
            "rows_quarantined": 0,
            "duplicates_removed": 1,
            "rows_clean": 1,
            f"reason__{CONFLICTING_DUPLICATE}": 0,
            "reason__unknown_field": 1,
        },
    ]
    assert per_file == expected


def test_counts_per_file_of_no_rows_is_no_row(spark):
    assert counts_per_file(spark.createDataFrame([], FLAGGED)) == []


def test_rescued_counts_rows_per_field_of_any_outcome(spark):
    assert rescued_counts(_flagged_df(spark)) == {"color": 2, "size": 2}


def test_rescued_counts_without_rescued_fields_is_empty(spark):
    source_df = spark.createDataFrame([("a.gz", False, False, False, [], [], None)], FLAGGED)
    assert rescued_counts(source_df) == {}
