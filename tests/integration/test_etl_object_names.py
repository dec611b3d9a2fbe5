"""Object names with spaces, `+`, `%`, `=` and non-ASCII letters, on a local bucket and on
S3 (moto server): listed, counted and parsed under one name. Counts written by hand."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import CSV_HEADER, csv_row, event, write_csv_text, write_jsonl

from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)
# name -> (records written into it, ids)
NAMES = {
    "part 00002 é.jsonl.gz": ["n1", "n2"],
    "a+b.jsonl.gz": ["n3"],
    "100%25 done %.jsonl.gz": ["n4", "n5", "n6"],
    "k=v ü.csv.gz": ["n7"],
}
EXPECTED = {
    "part 00002 é.jsonl.gz": 2,
    "a+b.jsonl.gz": 1,
    "100%25 done %.jsonl.gz": 3,
    "k=v ü.csv.gz": 1,
}


def _write(folder) -> None:
    for name, ids in NAMES.items():
        if name.endswith(".csv.gz"):
            write_csv_text(folder / name, CSV_HEADER + "\n" + "\n".join(map(csv_row, ids)) + "\n")
        else:
            write_jsonl(folder / name, [event(i) for i in ids])


def _check(result, prefix: str) -> None:
    assert (result.rows_read, result.rows_clean) == (7, 7)
    records = {f["path"]: f["records"] for f in result.files}
    assert records == {prefix + name: n for name, n in EXPECTED.items()}


def test_object_names_local(tmp_path, monkeypatch, spark):
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    settings = load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )
    _write(tmp_path / "raw" / f"dt={D}")
    result = run_etl(settings, D, spark=spark)
    _check(result, f"file://{tmp_path}/raw/dt={D}/")
    events = spark.read.format("delta").load(f"file:{tmp_path}/lake/events").collect()
    sources = {r["event_id"]: r["_source_file"].rsplit("/", 1)[-1] for r in events}
    assert sources["n1"] == "part 00002 é.jsonl.gz"
    assert sources["n4"] == "100%25 done %.jsonl.gz"
    assert sources["n7"] == "k=v ü.csv.gz"


@pytest.mark.s3
def test_object_names_on_s3(tmp_path, monkeypatch, spark, s3_env):
    import boto3

    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="names-raw")
    s3.create_bucket(Bucket="names-lake")
    _write(tmp_path / "files")
    for name in NAMES:
        s3.upload_file(str(tmp_path / "files" / name), "names-raw", f"raw/dt={D}/{name}")
    base = load_settings("local").replace(
        raw_uri="s3://names-raw/raw",
        lake_uri="s3://names-lake/lake",
        artifacts_uri="s3://names-lake/artifacts",
    )
    # The AWS conf's lineage transport: one object per event in the bucket.
    settings = dataclasses.replace(
        base, lineage=dataclasses.replace(base.lineage, transport="bucket")
    )
    result = run_etl(settings, D, spark=spark)
    _check(result, f"s3://names-raw/raw/dt={D}/")

    prefix = f"artifacts/lineage/eventlake.etl/{result.run_id}/"
    listed = s3.list_objects_v2(Bucket="names-lake", Prefix="artifacts/lineage/")["Contents"]
    keys = sorted(o["Key"] for o in listed)
    assert [k.removeprefix(prefix).split("-")[-1] for k in keys] == ["START.json", "COMPLETE.json"]
    events = [json.loads(s3.get_object(Bucket="names-lake", Key=k)["Body"].read()) for k in keys]
    assert [(e["eventType"], e["run"]["runId"]) for e in events] == [
        ("START", result.run_id),
        ("COMPLETE", result.run_id),
    ]
    assert not Path(settings.lineage.file_path).exists()
