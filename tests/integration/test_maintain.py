"""`eventlake maintain` on a real Delta lake and a real MLflow registry (sqlite store).

Phase 1, no model registered: after a rerun of D1 and a late event for D1 loaded by D2,
maintain compacts event_date=D1 and VACUUM deletes the replaced files: the value only they
held is gone from disk, and the old version cannot be read any more.
Phase 2, a model version with the `champion` alias trained on events version V: after a
rerun of D2 and maintain, version V still reads back whole.

The lake is maintained with a 0 h retention (maintenance.allow_short_retention), so that
"replaced a minute ago" counts as old; the retention arithmetic is unit-tested in
tests/unit/jobs/test_maintain_retention.py, and the 168 h floor is Delta's own check.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import event, write_jsonl

from eventlake.io.paths import table_uri
from eventlake.jobs.etl import run_etl
from eventlake.jobs.maintain import run_maintain
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D1, D2 = date(2026, 1, 5), date(2026, 1, 6)
ONLY_IN_FIRST_D1 = "UA-only-in-the-first-run-of-D1"
ONLY_IN_FIRST_D2 = "UA-only-in-the-first-run-of-D2"


def _write(raw: Path, day: date, events: list) -> None:
    write_jsonl(raw / f"dt={day}" / "part-00000.jsonl.gz", events)


def _lake_contains(lake: Path, text: str) -> list[str]:
    """Files under `lake` holding `text`, raw bytes or decoded Parquet."""
    import pyarrow.parquet as pq

    found = []
    for path in sorted(p for p in lake.rglob("*") if p.is_file()):
        data = path.read_bytes()
        decoded = str(pq.read_table(path).to_pylist()) if path.suffix == ".parquet" else ""
        if text.encode() in data or text in decoded:
            found.append(str(path))
    return found


def _partition_files(spark, uri: str, event_date: date) -> int:
    df = spark.read.format("delta").load(uri).where(f"event_date = DATE'{event_date}'")
    return df.select("_metadata.file_path").distinct().count()


def _register_champion(settings, events_uri: str, events_version: int) -> str:
    """A model version tagged as `eventlake train` tags it, holding the champion alias."""
    from mlflow import MlflowClient

    client = MlflowClient(settings.tracking_uri)
    exp = client.create_experiment("maintain-test")
    run = client.create_run(exp, tags={"events_table": events_uri})
    client.create_registered_model(settings.ml.model_name)
    version = client.create_model_version(
        settings.ml.model_name,
        f"{run.info.artifact_uri}/model",
        run_id=run.info.run_id,
        tags={"events_version": str(events_version)},
    )
    client.set_registered_model_alias(settings.ml.model_name, "champion", version.version)
    return str(version.version)


def test_maintain_deletes_replaced_files_and_keeps_pinned_versions(spark, state_home, tmp_path):
    base = load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )
    settings = dataclasses.replace(
        base,
        maintenance=dataclasses.replace(
            base.maintenance, vacuum_retention_hours=0.0, allow_short_retention=True
        ),
    )
    raw, lake = tmp_path / "raw", tmp_path / "lake"
    events_uri = table_uri(settings, "events")
    path = str(lake / "events")

    # Phase 1: D1, a corrected re-drop of D1, then D2 with a late event for D1.
    _write(raw, D1, [event("a1", user_agent=ONLY_IN_FIRST_D1), event("a2")])
    first = run_etl(settings, D1, spark=spark)
    _write(raw, D1, [event("a1", user_agent="Mozilla/5.0"), event("a2")])
    run_etl(settings, D1, spark=spark)
    _write(raw, D2, [event("b1", event_time="2026-01-06T08:00:00Z"), event("late1")])
    run_etl(settings, D2, spark=spark)
    assert _lake_contains(lake, ONLY_IN_FIRST_D1), "the replaced file should still be there"
    assert _partition_files(spark, path, D1) == 2  # the rerun's file + D2's late event

    listing = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
    assert spark.conf.get(listing) == "10000"  # Spark's default
    report = run_maintain(settings, D2, spark=spark)
    assert spark.conf.get(listing) == "10000"  # put back after VACUUM's 16 tasks

    events_report = next(t for t in report.tables if t.table == "events")
    assert events_report.optimized_partitions == ["2026-01-05", "2026-01-06"]
    assert events_report.retention_hours == 0.0
    assert report.pins == []
    assert _partition_files(spark, path, D1) == 1
    assert _lake_contains(lake, ONLY_IN_FIRST_D1) == []
    with pytest.raises(Exception, match=r"(?i)file.*(not exist|not found)|FAILED_READ_FILE"):
        spark.read.format("delta").option("versionAsOf", first.events_version).load(path).collect()

    # Phase 2: D2 reloaded with other values, after a champion was trained on the lake.
    _write(raw, D2, [event("b1", event_time="2026-01-06T08:00:00Z", user_agent=ONLY_IN_FIRST_D2)])
    pinned = run_etl(settings, D2, spark=spark).events_version
    version = _register_champion(settings, events_uri, pinned)
    _write(raw, D2, [event("b1", event_time="2026-01-06T08:00:00Z")])
    run_etl(settings, D2, spark=spark)

    report = run_maintain(settings, D2, spark=spark)

    assert report.pins == [
        {
            "model_version": version,
            "events_version": pinned,
            "why": "alias champion",
            "readable": True,
        }
    ]
    events_report = next(t for t in report.tables if t.table == "events")
    assert events_report.retention_hours == 2.0  # minutes old + 1 h margin, whole hours
    at_pin = spark.read.format("delta").option("versionAsOf", pinned).load(path)
    rows = sorted((r.event_id, r.user_agent) for r in at_pin.collect())
    assert rows == [("a1", "Mozilla/5.0"), ("a2", "Mozilla/5.0"), ("b1", ONLY_IN_FIRST_D2)]
    latest = spark.read.format("delta").load(path)
    assert sorted(r.user_agent for r in latest.collect()) == ["Mozilla/5.0"] * 3
