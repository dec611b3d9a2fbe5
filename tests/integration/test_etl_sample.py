"""ETL of the shipped sample, on the file bucket and on an S3 endpoint (moto server mode),
read back by an independent Delta reader (delta-rs via the `deltalake` package).

Expected counts are written by hand from the generator's defect log for the sample (seed 7):
2026-01-01 holds 2500 records, 41 invalid (8 malformed, 2 missing event_id, 9 missing
user_id, 6 unparseable + 3 ancient times, 3 future, 5 unknown types, 2 missing and 3
negative amounts) and 16 duplicates (15 in the same file, 1 in the other file);
2026-01-02 holds 2500 records, 40 invalid and 13 duplicates (one re-sent from 2026-01-01).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable

from eventlake.jobs import validate_output
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sample"
D1, D2 = date(2026, 1, 1), date(2026, 1, 2)
DAY1_REASONS = {
    "malformed_record": 8,
    "missing_event_id": 2,
    "missing_user_id": 9,
    "invalid_event_time": 9,
    "event_time_in_future": 3,
    "unknown_event_type": 5,
    "missing_amount": 2,
    "negative_amount": 3,
}


def _counts(result):
    return (result.rows_read, result.rows_clean, result.rows_quarantined, result.duplicates_removed)


def test_sample_on_file_bucket_two_days(spark, state_home):
    settings = load_settings("local").replace(raw_uri=f"file://{SAMPLE_DIR}")
    first = run_etl(settings, D1, spark=spark)
    second = run_etl(settings, D2, spark=spark)
    assert _counts(first) == (2500, 2443, 41, 16)
    assert {k: v for k, v in first.reason_counts.items() if v} == DAY1_REASONS
    assert _counts(second) == (2500, 2447, 40, 13)

    lake = state_home / "bucket" / "lake"
    events = DeltaTable(str(lake / "events"))
    assert events.to_pyarrow_table().num_rows == 2443 + 2447
    assert events.metadata().partition_columns == ["event_date"]
    assert events.metadata().configuration == {
        "delta.dataSkippingStatsColumns": "processing_date,event_ts,event_type,user_id,amount"
    }
    stats = events.get_add_actions(flatten=True).column_names
    assert "min.user_id" in stats and "max.event_ts" in stats
    assert "min.event_id" not in stats and "min.ip_hash" not in stats
    assert DeltaTable(str(lake / "quarantine")).to_pyarrow_table().num_rows == 41 + 40
    runs = DeltaTable(str(lake / "etl_runs")).to_pandas()
    assert sorted(zip(runs.rows_read, runs.rows_clean, strict=True)) == [(2500, 2443), (2500, 2447)]
    assert validate_output.main(argparse.Namespace(lake_uri=None), load_settings()) == 0


@pytest.mark.s3
def test_sample_day_on_s3_endpoint(spark, state_home, s3_env):
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="raw-bucket")
    s3.create_bucket(Bucket="lake-bucket")
    for path in sorted((SAMPLE_DIR / f"dt={D1}").glob("*.gz")):
        s3.upload_file(str(path), "raw-bucket", f"raw/dt={D1}/{path.name}")

    settings = load_settings("local").replace(
        raw_uri="s3://raw-bucket/raw", lake_uri="s3://lake-bucket/lake"
    )
    result = run_etl(settings, D1, spark=spark)
    assert _counts(result) == (2500, 2443, 41, 16)
    assert all(f["path"].startswith("s3://raw-bucket/raw/dt=2026-01-01/") for f in result.files)

    options = {
        "AWS_ENDPOINT_URL": s3_env,
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }
    events = DeltaTable("s3://lake-bucket/lake/events", storage_options=options)
    assert events.to_pyarrow_table().num_rows == 2443
    quarantine = DeltaTable("s3://lake-bucket/lake/quarantine", storage_options=options)
    assert quarantine.to_pyarrow_table().num_rows == 41
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake-bucket")["Contents"]]
    assert any(k.startswith("lake/events/event_date=2026-01-01/") for k in keys)
    assert validate_output.main(argparse.Namespace(lake_uri="s3://lake-bucket/lake"), settings) == 0


def test_validate_output_reports_a_readable_diff(spark, state_home):
    from eventlake.jobs.validate_output import SchemaMismatch

    lake = state_home / "bucket" / "lake"
    df = spark.createDataFrame([("e1", 1)], "event_id string, event_hour bigint")
    df.write.format("delta").save(f"file:{lake}/events")
    with pytest.raises(SchemaMismatch) as err:
        validate_output.main(argparse.Namespace(lake_uri=None), load_settings())
    message = str(err.value)
    assert "~ column event_hour: type bigint, contract says int" in message
    assert "- missing column event_ts timestamp" in message
    assert "~ partitioned by [], contract says ['event_date']" in message


def _cli_error_lines(capsys, command: str) -> list[str]:
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return [line for line in err.splitlines() if line.startswith(f"eventlake {command}:")]


def test_cli_etl_failed_gate_exits_3_with_one_line(spark, state_home, capsys):
    """At a terminal a failed gate is a non-zero exit (3); the run is still recorded."""
    from eventlake import cli

    argv = ["etl", "--date", "2026-01-01", "--raw-uri", f"file://{SAMPLE_DIR}"]
    assert cli.main([*argv, "--max-reject-ratio", "0.01"]) == 3
    [line] = _cli_error_lines(capsys, "etl")
    assert line.startswith("eventlake etl: error: ETL for 2026-01-01 stopped by its quality gate: ")
    assert "quarantine ratio 0.0164 exceeds max_reject_ratio 0.01 (41 of 2500 rows)" in line
    runs = (
        DeltaTable(str(state_home / "bucket" / "lake" / "etl_runs")).to_pyarrow_table().to_pylist()
    )
    assert [(r["status"], r["gate_passed"]) for r in runs] == [("gate_failed", False)]


def test_dag_entry_records_a_failed_gate_and_exits_0(spark, state_home, capsys):
    """As the DAG runs it (entry point, in-process runner), a failed gate is an outcome:
    recorded in etl_runs, exit 0, events untouched."""
    from eventlake import cli, entrypoint

    argv = ["etl", "--date", "2026-01-01", "--raw-uri", f"file://{SAMPLE_DIR}"]
    assert entrypoint.run([*argv, "--max-reject-ratio", "0.01"]) == 0
    assert cli.run_job([*argv, "--max-reject-ratio", "0.5"], load_settings()) == 0
    assert _cli_error_lines(capsys, "etl") == []
    lake = state_home / "bucket" / "lake"
    runs = DeltaTable(str(lake / "etl_runs")).to_pyarrow_table().to_pylist()
    assert sorted((r["status"], r["gate_passed"]) for r in runs) == [
        ("gate_failed", False),
        ("succeeded", True),
    ]
    assert DeltaTable(str(lake / "events")).to_pyarrow_table().num_rows == 2443


def test_cli_etl_bad_severity_override_is_one_line_naming_the_setting(
    spark, state_home, tmp_path, monkeypatch, capsys
):
    import yaml

    from eventlake import cli
    from eventlake.settings import CONF_DIR

    # EVENTLAKE_CONF_FILE takes the place of local.yaml, laid over base.yaml.
    conf = yaml.safe_load((CONF_DIR / "local.yaml").read_text())
    conf["etl"] = {"severity_overrides": {"no_such_rule": "fail"}}
    conf_file = tmp_path / "overrides.yaml"
    conf_file.write_text(yaml.safe_dump(conf))
    monkeypatch.setenv("EVENTLAKE_CONF_FILE", str(conf_file))

    argv = ["etl", "--date", "2026-01-01", "--raw-uri", f"file://{SAMPLE_DIR}"]
    assert cli.main(argv) == 1
    [line] = _cli_error_lines(capsys, "etl")
    assert line.startswith(
        "eventlake etl: error: etl.severity_overrides names unknown rules ['no_such_rule']: "
        "use one of malformed_record, invalid_encoding, "
    )
