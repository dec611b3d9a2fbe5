"""The conf's ready marker and manifest (`raw.ready_marker`, `raw.manifest`; io/names.py):
the ETL refuses a folder without them, or whose raw logs differ from the manifest, before
anything is read or committed; a complete drop loads, with the marker and manifest recorded
as skipped objects, never read as data. On a local bucket and on S3 (moto server). Counts
and sizes written by hand."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import event, write_gz

from eventlake.errors import InputError
from eventlake.jobs.etl import run_etl
from eventlake.settings import RawSettings, load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)
MARKER, MANIFEST = "_SUCCESS", "_manifest.json"
# Two hand-written files: their bytes (gzip with mtime 0, so sizes are fixed).
A = (json.dumps(event("m1")) + "\n" + json.dumps(event("m2")) + "\n").encode()
B = (json.dumps(event("m3")) + "\n").encode()


def _settings(tmp_path: Path, monkeypatch, raw: str, lake: str, **ready):
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    base = load_settings("local").replace(raw_uri=raw, lake_uri=lake)
    return dataclasses.replace(
        base, raw=RawSettings(ready.get("ready_marker"), ready.get("manifest"))
    )


def _drop(folder: Path) -> dict[str, int]:
    """a.jsonl.gz (2 records) and b.jsonl.gz (1); returns name -> size."""
    sizes = {}
    for name, data in (("a.jsonl.gz", A), ("b.jsonl.gz", B)):
        sizes[name] = write_gz(folder / name, data).stat().st_size
    return sizes


def _manifest(sizes: dict[str, int]) -> bytes:
    return json.dumps({"files": [{"name": n, "size": s} for n, s in sizes.items()]}).encode()


def test_missing_marker_is_refused_naming_the_folder(tmp_path, monkeypatch):
    settings = _settings(
        tmp_path,
        monkeypatch,
        f"file://{tmp_path}/raw",
        f"file://{tmp_path}/lake",
        ready_marker=MARKER,
    )
    _drop(tmp_path / "raw" / f"dt={D}")
    with pytest.raises(InputError) as caught:
        run_etl(settings, D)
    message = str(caught.value)
    assert f"file://{tmp_path}/raw/dt=2026-01-05/ has no _SUCCESS (raw.ready_marker" in message
    assert "Rerun once the producer has written _SUCCESS" in message
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_manifest_mismatch_is_refused_naming_each_file(tmp_path, monkeypatch):
    settings = _settings(
        tmp_path,
        monkeypatch,
        f"file://{tmp_path}/raw",
        f"file://{tmp_path}/lake",
        ready_marker=MARKER,
        manifest=MANIFEST,
    )
    day = tmp_path / "raw" / f"dt={D}"
    sizes = _drop(day)
    write_gz(day / "late.jsonl.gz", B)  # landed after the manifest was written
    listed = {
        "a.jsonl.gz": sizes["a.jsonl.gz"],
        "b.jsonl.gz": sizes["b.jsonl.gz"] + 1,
        "c.jsonl.gz": 7,
    }
    (day / MANIFEST).write_bytes(_manifest(listed))
    (day / MARKER).write_bytes(b"")
    with pytest.raises(InputError) as caught:
        run_etl(settings, D)
    assert str(caught.value) == (
        f"file://{tmp_path}/raw/dt=2026-01-05/ does not match its manifest "
        f"file://{tmp_path}/raw/dt=2026-01-05/_manifest.json: missing: c.jsonl.gz; "
        f"other size: b.jsonl.gz (manifest {sizes['b.jsonl.gz'] + 1} bytes, found "
        f"{sizes['b.jsonl.gz']}); not listed: late.jsonl.gz. Nothing was read; complete the "
        "drop or correct the manifest, then rerun the date"
    )
    assert not list((tmp_path / "lake").glob("*/_delta_log"))


def test_complete_drop_loads_and_records_marker_and_manifest_as_skipped(
    tmp_path, monkeypatch, spark
):
    settings = _settings(
        tmp_path,
        monkeypatch,
        f"file://{tmp_path}/raw",
        f"file://{tmp_path}/lake",
        ready_marker=MARKER,
        manifest=MANIFEST,
    )
    day = tmp_path / "raw" / f"dt={D}"
    (day / MANIFEST).parent.mkdir(parents=True)
    (day / MANIFEST).write_bytes(_manifest(_drop(day)))
    (day / MARKER).write_bytes(b"")
    write_gz(day / "c.jsonl.gz.tmp", B)  # a partial upload: neither data nor in the manifest
    result = run_etl(settings, D, spark=spark)
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (3, 3, 0)
    prefix = f"file://{tmp_path}/raw/dt={D}/"
    run = spark.read.format("delta").load(f"file:{tmp_path}/lake/etl_runs").first()
    assert sorted((s["path"], s["reason"]) for s in run["skipped_files"]) == [
        (prefix + "_SUCCESS", "ready_marker"),
        (prefix + "_manifest.json", "manifest"),
        (prefix + "c.jsonl.gz.tmp", "partial_upload"),
    ]
    assert sorted(f["path"] for f in run["files"]) == [prefix + "a.jsonl.gz", prefix + "b.jsonl.gz"]


@pytest.mark.s3
def test_ready_marker_and_manifest_on_s3(tmp_path, monkeypatch, spark, s3_env):
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="ready-raw")
    s3.create_bucket(Bucket="ready-lake")
    settings = _settings(
        tmp_path,
        monkeypatch,
        "s3://ready-raw/raw",
        "s3://ready-lake/lake",
        ready_marker=MARKER,
        manifest=MANIFEST,
    )
    sizes = _drop(tmp_path / "files")
    for name in sizes:
        s3.upload_file(str(tmp_path / "files" / name), "ready-raw", f"raw/dt={D}/{name}")
    folder = f"s3://ready-raw/raw/dt={D}/"
    # The manifest lists a file that never arrived: refused, nothing committed.
    s3.put_object(
        Bucket="ready-raw",
        Key=f"raw/dt={D}/{MANIFEST}",
        Body=_manifest({**sizes, "z.jsonl.gz": 1}),
    )
    with pytest.raises(InputError, match="has no _SUCCESS"):
        run_etl(settings, D, spark=spark)
    s3.put_object(Bucket="ready-raw", Key=f"raw/dt={D}/{MARKER}", Body=b"")
    with pytest.raises(InputError) as caught:
        run_etl(settings, D, spark=spark)
    assert f"{folder} does not match its manifest {folder}_manifest.json: missing: z.jsonl.gz." in (
        str(caught.value)
    )
    listed = s3.list_objects_v2(Bucket="ready-lake").get("Contents", [])
    assert [o["Key"] for o in listed if "_delta_log" in o["Key"]] == []
    # The corrected manifest: the drop loads.
    s3.put_object(Bucket="ready-raw", Key=f"raw/dt={D}/{MANIFEST}", Body=_manifest(sizes))
    result = run_etl(settings, D, spark=spark)
    assert (result.rows_read, result.rows_clean) == (3, 3)
    assert sorted((s["path"], s["reason"]) for s in result.skipped_files) == [
        (folder + "_SUCCESS", "ready_marker"),
        (folder + "_manifest.json", "manifest"),
    ]
