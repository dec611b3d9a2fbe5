"""The accounting check end to end: record counts from the bytes against what Spark parsed,
and the Delta commit metrics against the run's counts. Expected counts are written by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import CSV_HEADER, csv_row, event, write_csv_text, write_gz, write_jsonl

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


def test_unbalanced_quote_costs_only_the_row_it_damages(tmp_path, monkeypatch, spark):
    """The bytes hold 51 records: the one that opens the quote ends at its newline and is
    malformed; the 50 after it load. (Spark's CSV reader alone would read 1 record.)"""
    settings = _settings(tmp_path, monkeypatch)
    write_csv_text(tmp_path / "raw" / f"dt={D}" / "quote.csv.gz", _unbalanced_csv())
    write_jsonl(tmp_path / "raw" / f"dt={D}" / "ok.jsonl.gz", [event("j1")])
    result = run_etl(settings, D, max_reject_ratio=0.5, spark=spark)
    counts = (result.rows_read, result.rows_clean, result.rows_quarantined)
    assert counts == (52, 51, 1)
    assert result.events_rows_written == 51 and result.quarantine_rows_written == 1
    records = sorted((f["path"].rsplit("/", 1)[-1], f["records"]) for f in result.files)
    assert records == [("ok.jsonl.gz", 1), ("quote.csv.gz", 51)]
    lake = f"file:{tmp_path}/lake"
    quarantined = spark.read.format("delta").load(f"{lake}/quarantine").collect()
    assert [(r["raw_record"], list(r["reasons"])) for r in quarantined] == [
        (
            # The row does not parse, so its IP literal is masked (see contracts/pii.py).
            "q01,u1,s1,2026-01-05T10:00:00Z,click,,,desktop,linux,DE,/p,,,<redacted>,"
            '"Mozilla/5.0 (X11,4.2.1',
            ["malformed_record"],
        )
    ]
    events = spark.read.format("delta").load(f"{lake}/events")
    loaded = {r["event_id"]: r for r in events.collect()}
    assert sorted(loaded) == ["j1"] + [f"q{i:02d}" for i in range(2, 52)]
    q02 = loaded["q02"]
    assert (q02["user_id"], q02["country"], q02["user_agent"], q02["app_version"]) == (
        "u1",
        "DE",
        "Mozilla/5.0",
        "4.2.1",
    )


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
    # Nothing committed: no Delta table exists (the lake folder holds at most the lease).
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_ndjson_is_read_and_skipped_objects_are_recorded(tmp_path, monkeypatch, spark):
    settings = _settings(tmp_path, monkeypatch)
    day = tmp_path / "raw" / f"dt={D}"
    write_jsonl(day / "p.ndjson.gz", [event("n1"), event("n2")])
    write_jsonl(day / "x.jsonl.gz._COPYING_", [event("c1")])  # hdfs dfs -put in progress
    write_jsonl(day / "y.csv.gz.tmp", [event("t1")])
    write_jsonl(day / ".hidden.jsonl.gz", [event("h1")])
    (day / "_SUCCESS").write_bytes(b"")
    (day / "notes.txt").write_text("not a log")
    result = run_etl(settings, D, spark=spark)
    assert (result.rows_read, result.rows_clean) == (2, 2)
    prefix = f"file://{tmp_path}/raw/dt={D}/"
    expected = [
        (prefix + ".hidden.jsonl.gz", "hidden_or_marker"),
        (prefix + "_SUCCESS", "hidden_or_marker"),
        (prefix + "notes.txt", "unknown_suffix"),
        (prefix + "x.jsonl.gz._COPYING_", "partial_upload"),
        (prefix + "y.csv.gz.tmp", "partial_upload"),
    ]
    run = spark.read.format("delta").load(f"file:{tmp_path}/lake/etl_runs").first()
    assert sorted((s["path"], s["reason"]) for s in run["skipped_files"]) == expected
    assert [f["path"] for f in run["files"]] == [prefix + "p.ndjson.gz"]


def test_json_lines_utf8_bom_first_record_is_clean(tmp_path, monkeypatch, spark):
    settings = _settings(tmp_path, monkeypatch)
    text = (
        '\ufeff{"event_id": "b1", "user_id": "u1", "event_time": "2026-01-05T10:00:00Z", '
        '"event_type": "click"}\n'
        '{"event_id": "b2", "user_id": "u1", "event_time": "2026-01-05T10:01:00Z", '
        '"event_type": "click"}\n'
    )
    write_gz(tmp_path / "raw" / f"dt={D}" / "bom.jsonl.gz", text.encode("utf-8"))
    result = run_etl(settings, D, spark=spark)
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (2, 2, 0)


def test_rerun_whose_rows_are_all_quarantined_empties_the_day(tmp_path, monkeypatch, spark):
    """D is loaded with 3 good rows; the producer then replaces D's drop with 2 rows that are
    both bad. The rerun's events commit only deletes D's old files: Delta writes numFiles 0
    and no numOutputRows, which is 0 rows written, not a mismatch."""
    settings = _settings(tmp_path, monkeypatch)
    day = tmp_path / "raw" / f"dt={D}"
    write_jsonl(day / "drop.jsonl.gz", [event("g1"), event("g2"), event("g3")])
    first = run_etl(settings, D, spark=spark)
    assert (first.status, first.rows_clean, first.events_rows_written) == ("succeeded", 3, 3)
    write_jsonl(day / "drop.jsonl.gz", ['{"event_id": "b1", "user_id": ', event(None)])
    second = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
    assert (second.status, second.gate_passed) == ("succeeded", True)
    lake = f"file:{tmp_path}/lake"
    runs = spark.read.format("delta").load(f"{lake}/etl_runs").orderBy("started_at").collect()
    got = [
        (
            r["status"],
            r["rows_read"],
            r["rows_clean"],
            r["rows_quarantined"],
            r["events_rows_written"],
            r["quarantine_rows_written"],
        )
        for r in runs
    ]
    assert got == [("succeeded", 3, 3, 0, 3, 0), ("succeeded", 2, 0, 2, 0, 2)]
    events = spark.read.format("delta").load(f"{lake}/events")
    assert events.where(f"processing_date = DATE'{D}'").count() == 0
    quarantined = spark.read.format("delta").load(f"{lake}/quarantine").collect()
    assert sorted(list(r["reasons"]) for r in quarantined) == [
        ["malformed_record"],
        ["missing_event_id"],
    ]


def _csv_bytes(*rows: bytes) -> bytes:
    return CSV_HEADER.encode() + b"\n" + b"\n".join(rows) + b"\n"


def _row(event_id: str, page: bytes = b"/p", user_agent: bytes = b"Mozilla/5.0") -> bytes:
    """A CSV row whose page and user_agent are the given bytes, as they are."""
    text = csv_row(event_id, page="PAGE", user_agent="AGENT").encode()
    return text.replace(b"PAGE", page).replace(b"AGENT", user_agent)


def test_csv_records_not_utf8_are_counted_from_the_bytes(tmp_path, monkeypatch, spark):
    """Six rows: a UTF-8 e-acute (clean), a latin-1 e-acute, cp1252 curly quotes, a genuine
    U+FFFD (quarantined too: after a CSV decode it cannot be told from a replaced byte), a
    latin-1 byte inside a quoted field that spans two lines, and a plain row."""
    settings = _settings(tmp_path, monkeypatch)
    data = _csv_bytes(
        _row("c1", page=b"/caf\xc3\xa9"),
        _row("c2", page=b"/caf\xe9"),
        _row("c3", user_agent=b"\x93quoted\x94"),
        _row("c4", page=b"/\xef\xbf\xbd"),
        _row("c5", user_agent=b'"two\nlines \xe9"'),
        _row("c6"),
    )
    write_gz(tmp_path / "raw" / f"dt={D}" / "enc.csv.gz", data)
    result = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
    assert (result.status, result.rows_read, result.rows_clean, result.rows_quarantined) == (
        "succeeded",
        6,
        2,
        4,
    )
    assert result.reason_counts["invalid_encoding"] == 4
    lake = f"file:{tmp_path}/lake"
    events = spark.read.format("delta").load(f"{lake}/events").collect()
    assert sorted((r["event_id"], r["page"]) for r in events) == [("c1", "/café"), ("c6", "/p")]
    quarantined = spark.read.format("delta").load(f"{lake}/quarantine").collect()
    assert sorted((r["event_id"], list(r["reasons"])) for r in quarantined) == [
        ("c2", ["invalid_encoding"]),
        ("c3", ["invalid_encoding"]),
        ("c4", ["invalid_encoding"]),
        ("c5", ["invalid_encoding"]),
    ]


def test_encoding_check_fires_on_a_header_ending_in_a_bare_cr(tmp_path, monkeypatch, spark):
    """The header line ends in a bare CR, the rows in LF; the first row holds a latin-1 byte.
    The count ends records at LF only, so the header record runs on to the first LF and holds
    the bad row: 1 data record (the second row), 0 with bad text. Spark's CSV parser takes the
    first line end it meets (the CR) as the separator, so it reads the header, then both rows
    as one malformed record holding U+FFFD: 1 row, flagged invalid_encoding. The record counts
    agree (1 and 1), the encoding counts honestly do not (0 and 1), so the run stops before any
    commit naming the file and both numbers."""
    settings = _settings(tmp_path, monkeypatch)
    data = CSV_HEADER.encode() + b"\r" + _row("h1", page=b"/caf\xe9") + b"\n" + _row("h2") + b"\n"
    write_gz(tmp_path / "raw" / f"dt={D}" / "cr.csv.gz", data)
    write_jsonl(tmp_path / "raw" / f"dt={D}" / "ok.jsonl.gz", [event("j1")])
    with pytest.raises(AccountingError) as caught:
        run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
    message = str(caught.value)
    assert message.startswith("encoding counts differ, nothing was written: ")
    assert (
        "cr.csv.gz: 0 records that are not UTF-8 or hold U+FFFD counted from its bytes, "
        "1 rows flagged invalid_encoding" in message
    )
    assert "ok.jsonl.gz" not in message
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_a_failure_after_the_run_record_leaves_one_row_for_the_run(tmp_path, monkeypatch, spark):
    """Events committed and the run's `succeeded` row written, then its lineage COMPLETE
    fails (a transport fault): the job fails, and etl_runs still holds exactly one row for
    the run, the succeeded one; no second, contradicting `failed` row."""
    from eventlake.io.lineage import LineageRun

    settings = _settings(tmp_path, monkeypatch)
    write_jsonl(tmp_path / "raw" / f"dt={D}" / "ok.jsonl.gz", [event("j1"), event("j2")])

    def broken_complete(self, *args, **kwargs):
        raise OSError("lineage endpoint unreachable")

    monkeypatch.setattr(LineageRun, "complete", broken_complete)
    with pytest.raises(OSError, match="lineage endpoint unreachable"):
        run_etl(settings, D, max_reject_ratio=0.5, spark=spark)
    runs = spark.read.format("delta").load(f"file:{tmp_path}/lake/etl_runs").collect()
    assert [(r["status"], r["gate_passed"], r["rows_clean"]) for r in runs] == [
        ("succeeded", True, 2)
    ]
