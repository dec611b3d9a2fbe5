"""`eventlake bench` end to end on a tiny drop, so the command cannot rot.

Only the shape of the results and the count cross-checks are asserted: timings depend on the
machine and stay out of the tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMOKE_ARGS = [
    "--events", "2000", "--files", "2", "--runs", "1", "--process-runs", "1", "--no-make-run",
    "--train-users", "200", "--train-events-per-day", "600", "--train-label-days", "4",
    "--train-window-days", "1", "--train-min-rows", "20",
    "--train-classifiers", "logistic_regression",
]  # fmt: skip


def _bench_env(home: Path) -> dict[str, str]:
    """The bench's environment: its own state dir and MLflow store. The suite's Spark defaults
    (SPARK_CONF_DIR) stay: these tests check the command's results and counts, not its speed."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EVENTLAKE_") and k != "MLFLOW_TRACKING_URI"
    }
    env.update(
        EVENTLAKE_HOME=str(home),
        PYSPARK_PYTHON=sys.executable,
        PYSPARK_DRIVER_PYTHON=sys.executable,
    )
    return env


@pytest.mark.slow
@pytest.mark.spark
def test_bench_smoke_writes_results_with_matching_counts(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = _bench_env(home)
    proc = subprocess.run(
        [sys.executable, "-m", "eventlake.cli", "bench", *SMOKE_ARGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ETL / DuckDB" in proc.stdout
    # The table leads with the whole-process ratio to the reference.
    table_rows = [x for x in proc.stdout.splitlines() if x.strip()]
    header = next(i for i, x in enumerate(table_rows) if x.startswith("measure"))
    assert table_rows[header + 2].startswith("ETL as a fresh process / DuckDB")
    # What the data-quality metrics cost, against its target, in the printed table too.
    (dq_row,) = [x for x in table_rows if x.startswith("ETL / ETL without data-quality")]
    assert "<= 1.10x" in dq_row

    files = sorted((home / "bench").glob("results-*.json"))
    assert len(files) == 1
    results = json.loads(files[0].read_text())

    assert results["schema_version"] == 1
    assert len(results["git"]["sha"]) == 40
    assert results["machine"]["cores_logical"] >= 1
    assert results["dataset"]["records"] == 2000
    assert results["counts"]["match"] is True
    assert results["counts"]["mismatches"] == []
    etl, duck, naive = (results["counts"][k] for k in ("etl", "duckdb", "naive"))
    assert etl["rows_read"] == 2000
    assert (
        etl["rows_clean"] + etl["rows_quarantined"] + etl["duplicates_removed"] == etl["rows_read"]
    )
    assert duck == etl
    assert naive == etl

    for step in ("etl_process", "etl", "etl_without_dq", "duckdb", "naive", "train"):
        series = results["timings"][step]
        assert len(series["runs"]) == 1
        assert series["min"] <= series["median"] <= series["max"]
    assert results["timings"]["make_run"] is None
    phases = results["timings"]["etl"]["phases_median"]
    assert phases
    assert all(isinstance(v, int | float) for v in phases.values())
    assert results["timings"]["etl"]["spark_profiles"][0]["jobs"] > 0
    process_phases = results["timings"]["etl_process"]["phases_median"]
    assert {"process_start", "spark_session", "parse_validate_count"} <= set(process_phases)

    metrics = results["metrics"]
    assert metrics["etl_rows_per_second"] > 0
    assert metrics["etl_vs_duckdb"] > 0
    assert metrics["etl_process_vs_duckdb"] > 0
    assert metrics["dq_cost_ratio"] > 0
    assert metrics["naive_vs_etl"] > 0
    assert metrics["peak_memory_mb"] > 0
    assert metrics["scale_ratio"] is None
    targets = {t["metric"]: t for t in results["targets"]}
    assert set(targets) == {
        "etl_process_vs_duckdb",
        "etl_vs_duckdb",
        "naive_vs_etl",
        "scale_ratio",
        "dq_cost_ratio",
        "train_seconds",
        "make_run_seconds",
    }
    assert targets["scale_ratio"]["met"] is None
    assert targets["make_run_seconds"]["met"] is None
    assert len(results["load_average"]["start"]) == 3


@pytest.mark.slow
@pytest.mark.spark
def test_bench_history_smoke_times_each_day_as_a_fresh_process(tmp_path: Path) -> None:
    """3 days of 600 records, with the generator's next-day duplicates: every day's ETL runs
    as its own process on one lake, and the results hold each day's figures."""
    home = tmp_path / "home"
    env = _bench_env(home)
    args = ["--history-days", "3", "--history-events", "600", "--files", "2", "--users", "200"]
    proc = subprocess.run(
        [sys.executable, "-m", "eventlake.cli", "bench", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    header = next(x for x in lines if x.startswith("measure"))
    assert header.split() == ["measure", "day", "1", "day", "2", "day", "3"]
    assert any(x.startswith("day 3 / day 2 = ") and "(goal <= 1.15: " in x for x in lines)
    files = sorted((home / "bench").glob("results-history-*.json"))
    assert len(files) == 1
    results = json.loads(files[0].read_text())
    assert results["kind"] == "history"
    assert [d["date"] for d in results["days"]] == ["2026-01-01", "2026-01-02", "2026-01-03"]
    for d in results["days"]:
        assert d["rows_read"] == d["rows_clean"] + d["rows_quarantined"] + d["duplicates_removed"]
        assert d["seconds"] > 0 and d["rows_per_second"] > 0
        assert {"process_start", "spark_session", "parse_validate_count"} <= set(d["phases"])
    # Records a day: the generator's 600 events plus its inserted defects (exact duplicates,
    # extra malformed lines) at the default 3% rate; never fewer than the 600 events.
    assert all(d["rows_read"] >= 600 for d in results["days"])
    assert results["dataset"]["duplicate_next_day"] > 0
    assert results["goal"] == 1.15
    assert results["ratio_last_to_day2"] == round(
        results["days"][2]["seconds"] / results["days"][1]["seconds"], 3
    )
    # The work dir (the shared lake) is removed unless --keep-outputs.
    assert list((home / "bench" / "work").glob("history-*")) == []


@pytest.mark.slow
@pytest.mark.spark
def test_bench_count_cost_times_every_variant_with_equal_counts(tmp_path: Path) -> None:
    """`eventlake bench --count-cost` on 1,000 events in 2 files, one round."""
    home = tmp_path / "home"
    env = _bench_env(home)
    args = ["--count-cost", "--events", "1000", "--files", "2", "--runs", "1"]
    proc = subprocess.run(
        [sys.executable, "-m", "eventlake.cli", "bench", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "ETL / ETL without the count" in proc.stdout
    assert "DuckDB" not in proc.stdout
    results = json.loads(next((home / "bench").glob("results-*.json")).read_text())
    assert results["dataset"]["records"] == 1000
    assert results["counts"]["match"] is True
    assert results["counts"]["etl"]["rows_read"] == 1000
    for step in ("etl", "etl_without_count", "etl_without_rescue", "count_alone"):
        series = results["timings"][step]
        assert len(series["runs"]) == 1
        assert series["min"] <= series["median"] <= series["max"]
    assert results["timings"]["count_alone"]["uncompressed_bytes"] > 0
    for key in ("count_cost_ratio", "rescue_cost_ratio"):
        assert results["metrics"][key] > 0
    assert 0 < results["metrics"]["count_alone_vs_etl"] < 1  # the count alone is no ETL
    # The runs with a measurement-only setting off say so in their run record's message.
    messages = results["messages"]
    assert "INDEPENDENT CHECK SKIPPED: etl.record_count is off" in messages["etl_without_count"]
    assert "UNKNOWN FIELDS NOT KEPT: etl.rescue_fields is off" in messages["etl_without_rescue"]
    assert messages["etl"] == "ok"
