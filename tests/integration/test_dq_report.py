"""Data-quality metrics of a real ETL run of the shipped sample, a rerun replacing them, and
the run report opened in a real headless browser.

Expected counts are the sample's, written by hand in test_etl_sample.py's docstring: 2026-01-01
holds 2500 records, 41 invalid (8 malformed, ...) and 16 duplicates, 2443 clean, in two files.
"""

from __future__ import annotations

import json
import math
import re
from datetime import date
from pathlib import Path

import pytest
from deltalake import DeltaTable
from helpers.browser import render
from helpers.openlineage_schema import validate

from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sample"
D1 = date(2026, 1, 1)


def _metrics(lake: Path) -> dict[tuple[str, str], float | None]:
    rows = DeltaTable(str(lake / "dq_metrics")).to_pyarrow_table().to_pylist()
    return {(r["metric"], r["segment"]): r["value"] for r in rows}, rows


def test_metrics_rerun_and_report_in_a_browser(spark, state_home, capsys):
    settings = load_settings("local").replace(raw_uri=f"file://{SAMPLE_DIR}")
    first = run_etl(settings, D1, spark=spark)
    second = run_etl(settings, D1, spark=spark)  # a rerun of D replaces D's metrics
    lake = state_home / "bucket" / "lake"

    metrics, rows = _metrics(lake)
    assert {r["run_id"] for r in rows} == {second.run_id}
    assert len(rows) == len(metrics)  # one row per (metric, segment) for the date
    assert {r["processing_date"] for r in rows} == {D1}
    assert metrics[("rows_read", "all")] == 2500
    assert metrics[("rows_clean", "all")] == 2443
    assert metrics[("rows_quarantined", "all")] == 41
    assert metrics[("rows_duplicate", "all")] == 16
    assert metrics[("quarantine_ratio", "all")] == pytest.approx(41 / 2500)
    # per file: Spark's rows in the grouping set = the records counted from the file's bytes
    by_file = {f["path"].rsplit("/", 1)[-1]: f["records"] for f in second.files}
    assert sorted(by_file) == ["part-00000.jsonl.gz", "part-00001.jsonl.gz"]
    assert sum(by_file.values()) == 2500
    for name, records in by_file.items():
        assert metrics[("rows_read", f"file={name}")] == records
    # every clean row has a session and an app version in the sample; clicks never an amount
    assert metrics[("null_rate.session_id", "all")] == 0.0
    assert metrics[("null_rate.amount", "event_type=click")] == 1.0
    # the sketch metrics of `all`, against the events table (the day's clean rows): distinct
    # counts within HyperLogLog's error, quantiles exact (fewer values than the accuracy)
    events = DeltaTable(str(lake / "events")).to_pyarrow_table().to_pylist()
    assert len(events) == 2443
    users = {e["user_id"] for e in events}
    sessions = {e["session_id"] for e in events}
    assert metrics[("distinct_users", "all")] == pytest.approx(len(users), rel=0.03)
    assert metrics[("distinct_sessions", "all")] == pytest.approx(len(sessions), rel=0.03)
    amounts = sorted(float(e["amount"]) for e in events if e["event_type"] == "purchase")
    lags = sorted((D1 - e["event_date"]).days for e in events)

    def quantile(values: list, q: float) -> float:  # Spark's: the smallest v with >= q of them <= v
        return values[max(0, math.ceil(q * len(values)) - 1)]

    assert amounts and metrics[("amount_p50", "all")] == pytest.approx(quantile(amounts, 0.5))
    assert metrics[("amount_p95", "all")] == pytest.approx(quantile(amounts, 0.95))
    assert metrics[("lag_days_p95", "all")] == quantile(lags, 0.95)
    assert metrics[("lag_days_max", "all")] == lags[-1]
    # the sketches are metrics of `all` only
    assert not [k for k in metrics if k[0] == "distinct_users" and k[1] != "all"]
    # no history yet: every check says so, none fires
    assert {c["outcome"] for c in second.dq_checks} == {"no_history"}
    assert second.gate_passed

    reports = state_home / "bucket" / "artifacts" / "reports"
    pages = sorted(p.name for p in (reports / "2026-01-01").iterdir())
    assert pages == sorted([f"{first.run_id}.html", f"{second.run_id}.html"])
    index = (reports / "index.html").read_text()
    assert first.run_id in index and second.run_id in index
    # The DAG's quality_gate task writes the page of the run in charge too (on EMR the ETL's
    # archive has no deltalake and writes none): gone, it comes back from the task's step.
    from eventlake.orchestration import tasks

    (reports / "2026-01-01" / f"{second.run_id}.html").unlink()
    assert tasks.quality_gate(settings, "2026-01-01")["run_id"] == second.run_id
    assert (reports / "2026-01-01" / f"{second.run_id}.html").is_file()
    # `eventlake report --date D` makes every run's page of D again, and prints their paths;
    # a date with no run is one line naming the lake and what to run, exit 1.
    from eventlake import cli

    for name in (f"{first.run_id}.html", f"{second.run_id}.html", "../index.html"):
        (reports / "2026-01-01" / name).unlink()
    capsys.readouterr()
    assert cli.main(["report", "--date", "2026-01-01"]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(p.rsplit("/", 1)[-1] for p in printed if p.endswith(".html")) == sorted(
        [f"{first.run_id}.html", f"{second.run_id}.html"]
    )
    assert sorted(p.name for p in (reports / "2026-01-01").iterdir()) == pages
    assert second.run_id in (reports / "index.html").read_text()
    assert cli.main(["report", "--date", "2026-01-09"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "eventlake report: error: no etl_runs row for 2026-01-09 in file://" in err
    assert "run `eventlake etl --date 2026-01-09` first" in err

    page = render(reports / "2026-01-01" / f"{second.run_id}.html", "report-sample.png")
    assert page.console == []
    text = re.sub(r"<[^>]+>", " ", page.dom)
    assert re.search(
        r"rows_read 2500 = rows_clean 2443 \+ rows_quarantined 41 \+ "
        r"duplicates_removed 16 \(holds\)",
        text,
    )
    for reason, count in (
        ("malformed_record", 8),
        ("missing_user_id", 9),
        ("invalid_event_time", 9),
        ("negative_amount", 3),
    ):
        assert re.search(rf"{reason}\s*</code>\s*</td>\s*<td[^>]*>{count}</td>", page.dom), reason
    assert "PASSED" in text and second.run_id in text
    # the charts draw: inline SVGs with plotted points, and nothing fetched from elsewhere
    assert page.dom.count("<svg") == 4 and "<circle" in page.dom
    assert "http://" not in page.dom.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page.dom
    assert page.screenshot.stat().st_size > 10_000

    # every OpenLineage event of both runs validates against the spec's schemas, and the
    # COMPLETE events carry the data-quality facets with the run's numbers
    events = [
        json.loads(line)
        for line in Path(settings.lineage.file_path).read_text().split("\n")
        if line
    ]
    assert len(events) == 4  # START and COMPLETE of each run
    for event in events:
        validate(event)
    complete = [e for e in events if e["eventType"] == "COMPLETE"][-1]
    outputs = {o["name"].rsplit("/", 1)[-1]: o for o in complete["outputs"]}
    assert outputs["events"]["facets"]["dataQualityMetrics"]["rowCount"] == 2443
    assert outputs["events"]["facets"]["dataQualityMetrics"]["fileCount"] == 2
    assert outputs["quarantine"]["facets"]["dataQualityMetrics"]["rowCount"] == 41
    # bytes: the sizes of the Parquet files each commit added, as its Delta log lists them
    for table, version in (
        ("events", second.events_version),
        ("quarantine", second.quarantine_version),
    ):
        actions = [
            json.loads(line)
            for line in (lake / table / "_delta_log" / f"{version:020d}.json")
            .read_text()
            .split("\n")
            if line
        ]
        added = sum(a["add"]["size"] for a in actions if "add" in a)
        assert added > 0
        assert outputs[table]["facets"]["dataQualityMetrics"]["bytes"] == added, table
    # amount's min and max: those of the day's purchases in the events table
    from pyspark.sql import functions as F

    low, high = (
        spark.read.format("delta")
        .load(str(lake / "events"))
        .where((F.col("processing_date") == D1) & (F.col("event_type") == "purchase"))
        .agg(F.min("amount"), F.max("amount"))
        .first()
    )
    amount = outputs["events"]["facets"]["dataQualityMetrics"]["columnMetrics"]["amount"]
    assert (amount["min"], amount["max"]) == (float(low), float(high))
    assertions = complete["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"]
    malformed = next(a for a in assertions if a["name"] == "rule:malformed_record")
    assert (malformed["success"], malformed["actual"]) == (False, "8")


def test_browser_check_sees_console_errors(tmp_path):
    """The console check above can fail: a page that throws is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>x</p><script>undefinedFn();</script></body></html>")
    page = render(bad, "console-error.png", height=200)
    assert any("undefinedFn" in line for line in page.console)
