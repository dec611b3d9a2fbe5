"""The anomaly gate on real ETL runs: 14 clean generated days raise no alarm, then a planted
drop of one country's purchases and a field nulled from an hour on each stop their day at the
quality gate, with a message naming the metric and the segment; a drop that only a warn check
sees is recorded and reported, and its day loads.

Data: 8000 records a day in one file (the generator's US share gives ~50 purchases a day there,
enough for the purchases check's min_baseline of 20), days 2026-02-01 .. 2026-02-17.
"""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from deltalake import DeltaTable
from helpers.browser import render
from helpers.openlineage_schema import validate

from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings
from eventlake.tools.datagen.plant import parse_plant
from eventlake.tools.generate import generate

pytestmark = [pytest.mark.spark, pytest.mark.slow]

START = date(2026, 2, 1)
DROP_DAY = START + timedelta(days=14)  # 2026-02-15
NULL_DAY = START + timedelta(days=15)  # 2026-02-16
WARN_DAY = START + timedelta(days=16)  # 2026-02-17


def _fired(result) -> list[tuple[str, str, str, str]]:
    return [
        (c["outcome"], c["check"], c["metric"], c["segment"])
        for c in result.dq_checks
        if c["outcome"] in ("warn", "fail")
    ]


def test_planted_faults_stop_their_day_and_clean_days_pass(spark, state_home):
    raw = state_home / "bucket" / "raw-dq"
    plants = [
        parse_plant(f"drop:day={DROP_DAY},event_type=purchase,country=US,keep=0.3"),
        parse_plant(f"null:day={NULL_DAY},event_type=click,field=product_id,from_hour=12"),
        # searches at 20%: a warn check (volume_event_type) fires; rows_read falls ~14%, so
        # the fail check on the whole volume (a change of 50% at least) stays quiet
        parse_plant(f"drop:day={WARN_DAY},event_type=search,keep=0.2"),
    ]
    summary = generate(f"file://{raw}", START, 17, 1500, 8000, 1, 0.01, 11, plants=plants)
    assert sum(f.planted for f in summary.files) > 0
    settings = load_settings("local").replace(raw_uri=f"file://{raw}")

    for k in range(14):
        result = run_etl(settings, START + timedelta(days=k), spark=spark)
        assert result.gate_passed, result.message
        assert _fired(result) == [], (result.processing_date, _fired(result))
    judged = [c for c in result.dq_checks if c["outcome"] != "no_history"]
    assert judged, "the 14th clean day was judged against its history"

    dropped = run_etl(settings, DROP_DAY, spark=spark)
    assert (dropped.status, dropped.gate_passed) == ("gate_failed", False)
    assert ("fail", "purchases_country", "purchases", "country=US") in _fired(dropped)
    assert "purchases for segment country=US is" in dropped.message
    assert "against a baseline of" in dropped.message
    fail = next(
        c for c in dropped.dq_checks if c["segment"] == "country=US" and c["metric"] == "purchases"
    )
    assert fail["value"] < 0.5 * fail["baseline"]

    nulled = run_etl(settings, NULL_DAY, spark=spark)
    assert (nulled.status, nulled.gate_passed) == ("gate_failed", False)
    assert ("fail", "null_rate", "null_rate.product_id", "event_type=click") in _fired(nulled)
    assert "null_rate.product_id for segment event_type=click" in nulled.message

    # A warn anomaly is recorded and reported, and the run goes on: the day is loaded.
    warned = run_etl(settings, WARN_DAY, spark=spark)
    assert (warned.status, warned.gate_passed) == ("succeeded", True), warned.message
    assert _fired(warned) == [("warn", "volume_event_type", "rows_clean", "event_type=search")]
    warning = next(c for c in warned.dq_checks if c["outcome"] == "warn")
    assert warning["value"] < 0.5 * warning["baseline"]
    warn_page = (
        state_home / "bucket" / "artifacts" / "reports" / str(WARN_DAY) / f"{warned.run_id}.html"
    )
    warn_text = re.sub(r"<[^>]+>", " ", warn_page.read_text())
    assert "PASSED with warnings" in warn_text and "event_type=search" in warn_text

    lake = state_home / "bucket" / "lake"
    events = DeltaTable(str(lake / "events")).to_pyarrow_table(columns=["processing_date"])
    loaded = set(events.column("processing_date").to_pylist())
    assert DROP_DAY not in loaded and NULL_DAY not in loaded  # the events commit was not made
    assert WARN_DAY in loaded
    quarantine = DeltaTable(str(lake / "quarantine")).to_pyarrow_table(columns=["processing_date"])
    assert DROP_DAY in set(quarantine.column("processing_date").to_pylist())
    metrics = DeltaTable(str(lake / "dq_metrics")).to_pyarrow_table().to_pylist()
    passed = {(r["processing_date"], r["gate_passed"]) for r in metrics}
    assert (DROP_DAY, False) in passed and (NULL_DAY, False) in passed
    assert (START, True) in passed
    runs = DeltaTable(str(lake / "etl_runs")).to_pyarrow_table().to_pylist()
    record = next(r for r in runs if r["run_id"] == dropped.run_id)
    assert record["status"] == "gate_failed" and "country=US" in record["message"]
    recorded = [c for c in record["dq_checks"] if c["outcome"] == "fail"]
    assert {(c["metric"], c["segment"]) for c in recorded} >= {("purchases", "country=US")}
    json.dumps(recorded)  # the record's checks are plain values

    # the stopped runs end their lineage run with FAIL, valid against the spec's schemas, and
    # the error names the gate and the segment
    lines = Path(settings.lineage.file_path).read_text().split("\n")
    events = [json.loads(line) for line in lines if line]
    failed = {e["run"]["runId"]: e for e in events if e["eventType"] == "FAIL"}
    assert len(failed) == 2  # the drop day and the null day; the 14 clean days completed
    assert sum(e["eventType"] == "COMPLETE" for e in events) == 15  # and the warned day
    for event in failed.values():
        validate(event)
        error = event["run"]["facets"]["errorMessage"]["message"]
        assert error.startswith("GateFailed: ")
    assert any(
        "country=US" in e["run"]["facets"]["errorMessage"]["message"] for e in failed.values()
    )

    # the failed day has its report too
    page = (
        state_home / "bucket" / "artifacts" / "reports" / str(DROP_DAY) / f"{dropped.run_id}.html"
    )
    assert "STOPPED" in page.read_text()
    # ... and it is the README's screenshot: `docs/report.png` is a copy of this artifact
    # (build/test-artifacts/report-planted-drop.png), taken in a real headless browser.
    shown = render(page, "report-planted-drop.png", height=2000)
    assert shown.console == []
    text = re.sub(r"<[^>]+>", " ", shown.dom)
    assert "STOPPED (gate_failed)" in text and "country=US" in text
    assert shown.dom.count("<svg") == 4 and shown.screenshot.stat().st_size > 10_000
