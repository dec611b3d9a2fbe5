"""jobs/etl_accounting.py without Spark: the run's counts added up from hand-written per-file
counts, the checks against the records counted from the bytes, and a commit's rows written."""

from __future__ import annotations

import pytest

from eventlake.contracts.rules import RULE_CODES
from eventlake.io.raw_files import RawFile
from eventlake.io.recordcount import RecordCount
from eventlake.jobs.etl_accounting import AccountingError, account, rows_written
from eventlake.transforms.counts import DRIFT_CODES

FILES = [
    RawFile("s3://raw/dt=2026-01-05/a.jsonl.gz", 120, "sha-a", "json"),
    RawFile("s3://raw/dt=2026-01-05/b.csv.gz", 80, "sha-b", "csv", ("event_id",)),
]
A, B = (f.uri for f in FILES)
NO_REASON = {f"reason__{code}": 0 for code in (*RULE_CODES, *DRIFT_CODES)}
PER_FILE = [
    {
        **NO_REASON,
        "_source_file": A,
        "rows_read": 3,
        "rows_clean": 1,
        "rows_quarantined": 1,
        "duplicates_removed": 1,
        "reason__missing_user_id": 1,
    },
    {
        **NO_REASON,
        "_source_file": B,
        "rows_read": 2,
        "rows_clean": 2,
        "rows_quarantined": 0,
        "duplicates_removed": 0,
        "reason__unknown_field": 2,
    },
]


def _counted(a_records=3, b_records=2, a_invalid=0):
    return {
        A: RecordCount(A, "json", a_records, invalid_utf8=a_invalid),
        B: RecordCount(B, "csv", b_records),
    }


def test_account_adds_up_the_files_counts():
    result = account(FILES, PER_FILE, _counted(), "r1", "2026-01-05")
    assert (result.run_id, result.processing_date, result.status) == (
        "r1",
        "2026-01-05",
        "succeeded",
    )
    assert (result.gate_passed, result.message) == (True, "ok")
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (5, 3, 1)
    assert result.duplicates_removed == 1
    assert result.quarantine_ratio == 0.2
    assert {k: v for k, v in result.reason_counts.items() if v} == {
        "missing_user_id": 1,
        "unknown_field": 2,
    }
    assert result.files == [
        {"path": A, "size": 120, "checksum": "sha-a", "format": "json", "records": 3},
        {"path": B, "size": 80, "checksum": "sha-b", "format": "csv", "records": 2},
    ]


def test_account_without_a_byte_count_takes_sparks_rows_read():
    result = account(FILES, PER_FILE, None, "r1", "2026-01-05")
    assert result.rows_read == 5
    assert [f["records"] for f in result.files] == [None, None]


def test_account_refuses_a_file_whose_byte_count_differs():
    with pytest.raises(AccountingError, match=r"a\.jsonl\.gz: 4 records counted from its bytes, 3"):
        account(FILES, PER_FILE, _counted(a_records=4), "r1", "2026-01-05")


def test_account_refuses_bad_text_the_readers_did_not_flag():
    with pytest.raises(AccountingError, match="1 lines that are not UTF-8 counted from its bytes"):
        account(FILES, PER_FILE, _counted(a_invalid=1), "r1", "2026-01-05")


def test_account_refuses_rows_of_a_file_not_listed():
    with pytest.raises(AccountingError, match="rows from files that were not listed"):
        account(FILES[:1], PER_FILE, None, "r1", "2026-01-05")


def test_account_refuses_rows_that_do_not_add_up():
    lost = [{**PER_FILE[0], "rows_clean": 0}, PER_FILE[1]]
    with pytest.raises(AccountingError, match=r"rows_read 5 != rows_clean 2 \+ rows_quarantined 1"):
        account(FILES, lost, _counted(), "r1", "2026-01-05")


@pytest.mark.parametrize(
    ("metrics", "written"),
    [
        ({"numFiles": "2", "numOutputRows": "10", "numCopiedRows": "4"}, 6),
        ({"numFiles": "0", "numRemovedFiles": "3"}, 0),  # a replaceWhere that only deletes
        ({"numFiles": "1"}, -1),  # no numOutputRows otherwise: no run's count
    ],
)
def test_rows_written_less_the_copied_rows(metrics, written):
    assert rows_written(metrics) == written
