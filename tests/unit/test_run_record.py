"""The `etl_runs` row is built in one place, from EtlResult and the run's provenance, in the
shape of ETL_RUNS_SCHEMA; the gate's summary names only columns of it."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from eventlake.contracts.schemas import ETL_RUNS_SCHEMA
from eventlake.jobs.etl_record import EtlResult, run_record
from eventlake.orchestration.tasks import SUMMARY_FIELDS

STARTED = datetime(2026, 1, 9, 3, 0, 0)
FINISHED = datetime(2026, 1, 9, 3, 1, 30)
PROVENANCE = {
    "started_at": STARTED,
    "finished_at": FINISHED,
    "max_reject_ratio": 0.05,
    "openlineage_run_id": "ol-1",
    "raw_uri": "s3://raw/raw",
    "lake_uri": "s3://lake/lake",
}


def _result(**kw) -> EtlResult:
    base = dict(
        run_id="r1",
        processing_date="2026-01-09",
        status="succeeded",
        gate_passed=True,
        message="ok",
        rows_read=10,
        rows_clean=7,
        rows_quarantined=2,
        duplicates_removed=1,
        quarantine_ratio=0.2,
        reason_counts={"missing_event_id": 2},
        files=[
            {"path": "a.jsonl.gz", "size": 5, "checksum": "x", "format": "jsonl", "records": 10}
        ],
        events_version=3,
        events_rows_written=7,
        events_bytes_written=999,  # lineage only, not a column
        seconds=12.5,
        phase_seconds={"read": 1.0},
    )
    return EtlResult(**{**base, **kw})


def test_the_row_has_every_column_from_the_result_and_the_provenance():
    row = run_record(_result(), **PROVENANCE)
    assert row == {
        "run_id": "r1",
        "processing_date": date(2026, 1, 9),
        "status": "succeeded",
        "gate_passed": True,
        "message": "ok",
        "started_at": STARTED,
        "finished_at": FINISHED,
        "rows_read": 10,
        "rows_clean": 7,
        "rows_quarantined": 2,
        "duplicates_removed": 1,
        "rows_restored": 0,
        "quarantine_ratio": 0.2,
        "max_reject_ratio": 0.05,
        "reason_counts": {"missing_event_id": 2},
        "rescued_fields": {},
        "files": [
            {"path": "a.jsonl.gz", "size": 5, "checksum": "x", "format": "jsonl", "records": 10}
        ],
        "skipped_files": [],
        "events_version": 3,
        "quarantine_version": None,
        "events_rows_written": 7,
        "quarantine_rows_written": None,
        "duplicates_version": None,
        "duplicates_rows_written": None,
        "openlineage_run_id": "ol-1",
        "raw_uri": "s3://raw/raw",
        "lake_uri": "s3://lake/lake",
        "dq_checks": None,
        "dq_metrics_version": None,
    }
    assert list(row) == ETL_RUNS_SCHEMA.fieldNames()


def test_a_missing_or_doubly_named_column_is_refused():
    missing = {k: v for k, v in PROVENANCE.items() if k != "raw_uri"}
    with pytest.raises(TypeError, match="'raw_uri' is named by neither"):
        run_record(_result(), **missing)
    with pytest.raises(TypeError, match="'status' is named by both"):
        run_record(_result(), **PROVENANCE, status="failed")
    with pytest.raises(TypeError, match=r"not etl_runs columns: \['host'\]"):
        run_record(_result(), **PROVENANCE, host="x")


def test_the_row_fits_the_schema_spark_writes():
    from pyspark.sql.types import _make_type_verifier

    verify = _make_type_verifier(ETL_RUNS_SCHEMA)
    verify(tuple(run_record(_result(), **PROVENANCE).values()))


def test_the_gate_summary_names_columns_of_etl_runs():
    assert set(SUMMARY_FIELDS) <= set(ETL_RUNS_SCHEMA.fieldNames())
