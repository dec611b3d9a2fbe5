"""The accounting check end to end: record counts from the bytes against what Spark parsed,
and the Delta commit metrics against the run's counts. Expected counts are written by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from rawfiles import CSV_HEADER, csv_row, event, write_csv_text, write_jsonl

from eventlake.jobs.etl import AccountingError, run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)


def _settings(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    return load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )


def _unbalanced_csv() -> str:
    """A header and 51 rows; the second line (the first row) opens a quote in user_agent
    that never closes."""
    rows = [csv_row("q01", user_agent='"Mozilla/5.0 (X11')]
    rows += [csv_row(f"q{i:02d}") for i in range(2, 52)]
    return CSV_HEADER + "\n" + "\n".join(rows) + "\n"


def test_unbalanced_quote_csv_fails_with_both_counts(tmp_path, monkeypatch, spark):
    """Spark's CSV reader runs the unclosed quote to the end of the file: one malformed
    record, where the bytes hold 51 (the rule: the record ends at the next newline)."""
    settings = _settings(tmp_path, monkeypatch)
    write_csv_text(tmp_path / "raw" / f"dt={D}" / "quote.csv.gz", _unbalanced_csv())
    with pytest.raises(
        AccountingError,
        match=r"quote\.csv\.gz: 51 records counted from its bytes, 1 parsed by Spark",
    ):
        run_etl(settings, D, spark=spark)
    assert not (tmp_path / "lake").exists()


def test_count_check_fires_on_cr_only_line_ends(tmp_path, monkeypatch, spark):
    """A CSV whose lines end in a bare CR (classic Mac OS). The count follows RFC 4180,
    where a record ends at a line feed (CRLF or LF), so the whole file is one record: the
    header, and 0 data records. Spark's CSV parser guesses the line separator from the first
    line end it meets and reads the header and 2 rows. The two readings honestly disagree,
    so the run stops before any commit with an error naming the file and both counts."""
    settings = _settings(tmp_path, monkeypatch)
    text = CSV_HEADER + "\r" + csv_row("r1") + "\r" + csv_row("r2") + "\r"
    write_csv_text(tmp_path / "raw" / f"dt={D}" / "mac.csv.gz", text)
    write_jsonl(tmp_path / "raw" / f"dt={D}" / "ok.jsonl.gz", [event("j1")])
    with pytest.raises(AccountingError) as caught:
        run_etl(settings, D, spark=spark)
    message = str(caught.value)
    assert "mac.csv.gz: 0 records counted from its bytes, 2 parsed by Spark" in message
    assert "ok.jsonl.gz" not in message
    assert not (tmp_path / "lake").exists()
