"""Bench figures: run statistics, the targets of issue 7, the printed table, results JSON."""

from __future__ import annotations

import json
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

# name -> (metric key, comparison, limit, unit) — "le": value must be <= limit.
TARGETS: dict[str, tuple[str, str, float, str]] = {
    "ETL as a fresh process <= 3x DuckDB": ("etl_process_vs_duckdb", "le", 3.0, "x"),
    "ETL <= 4x DuckDB": ("etl_vs_duckdb", "le", 4.0, "x"),
    "ETL >= 3x faster than naive": ("naive_vs_etl", "ge", 3.0, "x"),
    "4M/1M time ratio <= 4.4": ("scale_ratio", "le", 4.4, ""),
    "data-quality metrics cost <= 10%": ("dq_cost_ratio", "le", 1.10, "x"),
    "training <= 60 s": ("train_seconds", "le", 60.0, "s"),
    "make run <= 180 s": ("make_run_seconds", "le", 180.0, "s"),
}


def stats(values: list[float]) -> dict[str, Any]:
    """median, min, max of the runs (and the runs themselves)."""
    if not values:
        return {"runs": [], "median": None, "min": None, "max": None}
    return {
        "runs": [round(v, 3) for v in values],
        "median": round(statistics.median(values), 3),
        "min": round(min(values), 3),
        "max": round(max(values), 3),
    }


def median_phases(phases: list[dict[str, float]]) -> dict[str, float]:
    keys = list(dict.fromkeys(k for p in phases for k in p))
    return {k: round(statistics.median(p.get(k, 0.0) for p in phases), 3) for k in keys}


def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def evaluate_targets(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for name, (key, op, limit, unit) in TARGETS.items():
        value = metrics.get(key)
        met = None if value is None else (value <= limit if op == "le" else value >= limit)
        out.append(
            {
                "target": name,
                "metric": key,
                "value": value,
                "limit": limit,
                "op": op,
                "unit": unit,
                "met": met,
            }
        )
    return out


def _fmt_time(s: dict[str, Any] | None) -> str:
    if not s or s.get("median") is None:
        return "not run"
    if len(s["runs"]) == 1:
        return f"{s['median']:.1f} s"
    return f"{s['median']:.1f} s [{s['min']:.1f}-{s['max']:.1f}]"


def _fmt(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}"


def table(results: dict[str, Any]) -> str:
    """The human summary: times, ratios, targets, memory, load."""
    t = results["timings"]
    m = results["metrics"]
    met = {x["metric"]: x["met"] for x in results["targets"]}

    def verdict(key: str) -> str:
        v = met.get(key)
        return "n/a" if v is None else ("MET" if v else "MISSED")

    n = results["dataset"]["records"]
    rows: list[tuple[str, str, str, str]] = [
        ("measure", "value (median [min-max])", "target", "met"),
        ("ETL as a fresh process / DuckDB", _fmt(m.get("etl_process_vs_duckdb"), "x"),
         "<= 3x", verdict("etl_process_vs_duckdb")),
        (f"ETL, {n:,} events, fresh process", _fmt_time(t.get("etl_process")), "", ""),
        ("DuckDB reference", _fmt_time(t.get("duckdb")), "", ""),
        ("ETL / DuckDB, warm session", _fmt(m.get("etl_vs_duckdb"), "x"), "<= 4x",
         verdict("etl_vs_duckdb")),
        (f"ETL, {n:,} events, warm session", _fmt_time(t.get("etl")), "", ""),
        ("ETL rows/s, fresh process / warm",
         f"{_fmt(m.get('etl_process_rows_per_second'), digits=0)} / "
         f"{_fmt(m.get('etl_rows_per_second'), digits=0)}", "", ""),
        ("naive PySpark", _fmt_time(t.get("naive")), "", ""),
        ("ETL / DuckDB, CPU seconds", _fmt(m.get("etl_vs_duckdb_cpu"), "x"), "", ""),
        ("naive/ETL, CPU seconds", _fmt(m.get("naive_vs_etl_cpu"), "x"), "", ""),
        ("naive/ETL speed-up", _fmt(m.get("naive_vs_etl"), "x"), ">= 3x", verdict("naive_vs_etl")),
    ]  # fmt: skip
    if t.get("etl_without_dq"):
        rows += [
            ("ETL without data-quality metrics, warm", _fmt_time(t.get("etl_without_dq")), "", ""),
            ("ETL / ETL without data-quality metrics", _fmt(m.get("dq_cost_ratio"), "x"),
             "<= 1.10x", verdict("dq_cost_ratio")),
        ]  # fmt: skip
    if t.get("etl_scaled"):
        scaled_n = results["dataset_scaled"]["records"]
        rows += [
            (f"ETL, {scaled_n:,} events", _fmt_time(t.get("etl_scaled")), "", ""),
            ("scaled/base ratio", _fmt(m.get("scale_ratio")), "<= 4.4", verdict("scale_ratio")),
        ]  # fmt: skip
    rows += [
        ("training (30 label days)" if results["args"]["train_label_days"] == 30
         else f"training ({results['args']['train_label_days']} label days)",
         _fmt_time(t.get("train")), "<= 60 s", verdict("train_seconds")),
        ("make run (sample)", _fmt_time(t.get("make_run")), "<= 180 s",
         verdict("make_run_seconds")),
        ("JVM start (SparkSession)", _fmt(m.get("jvm_start_seconds"), " s", 1), "", ""),
        ("peak memory, driver + JVM", _fmt(m.get("peak_memory_mb"), " MB", 0), "", ""),
        ("counts ETL = DuckDB = naive", "yes" if results["counts"]["match"] else "NO", "", ""),
        ("load average (start / end)",
         f"{results['load_average']['start']} / {results['load_average']['end']}", "", ""),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    process = t.get("etl_process") or {}
    if process.get("phases_median"):
        shown = ", ".join(f"{k} {v:.1f}" for k, v in process["phases_median"].items())
        lines.append(f"\nETL as a fresh process, phases (median s): {shown}")
    etl = t.get("etl") or {}
    if etl.get("phases_median"):
        shown = ", ".join(f"{k} {v:.1f}" for k, v in etl["phases_median"].items())
        lines.append(f"ETL in the warm session, phases (median s): {shown}")
    prof = etl.get("spark_median")
    if prof:
        shown = ", ".join(
            f"{k} {v['seconds']:.1f} s/{v['jobs']:.0f} jobs/{v['tasks']:.0f} tasks"
            for k, v in prof.items()
        )
        lines.append(f"ETL Spark jobs by kind (median): {shown}")
    return "\n".join(lines)


def count_cost_table(results: dict[str, Any]) -> str:
    """The `--count-cost` summary: wall times, rows/s and the ratios."""
    t = results["timings"]
    m = results["metrics"]
    n = results["dataset"]["records"]
    rows: list[tuple[str, str, str]] = [("measure", "value (median [min-max])", "rows/s")]
    for name, label in (
        ("etl", f"ETL, {n:,} events, warm session"),
        ("etl_without_count", "ETL without the record count (etl.record_count off)"),
        ("etl_without_rescue", "ETL without _rescued (etl.rescue_fields off)"),
        ("count_alone", "record count alone (no Spark)"),
    ):
        rows.append((label, _fmt_time(t.get(name)), _fmt(m.get(f"{name}_rows_per_second"))))
    rows += [
        ("ETL / ETL without the count", _fmt(m.get("count_cost_ratio"), "x"), ""),
        ("ETL / ETL without _rescued", _fmt(m.get("rescue_cost_ratio"), "x"), ""),
        ("count alone / ETL", _fmt(m.get("count_alone_vs_etl"), "x", 4), ""),
        ("counts equal in every run", "yes" if results["counts"]["match"] else "NO", ""),
        ("load average (start / end)",
         f"{results['load_average']['start']} / {results['load_average']['end']}", ""),
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = []
    for i, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip())
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_results(results: dict[str, Any], bench_dir: Path) -> Path:
    bench_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.fromisoformat(results["timestamp"]).strftime("%Y%m%dT%H%M%SZ")
    path = bench_dir / f"results-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=False, default=str) + "\n")
    return path
