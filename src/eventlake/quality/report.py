"""The run report: one self-contained HTML page per ETL run, and an index of all runs.

`<artifacts>/reports/<date>/<run_id>.html` and `<artifacts>/reports/index.html`. The page
works offline: CSS inline, charts as static inline SVG, no JavaScript, nothing fetched.
It is built from the lake's own records, read with `deltalake` (no JVM): the run's `etl_runs`
row, `dq_metrics` of the last TREND_RUNS dates, and the run's quarantined rows; the training
section comes from the MLflow registry (the version trained for the date, if any). The examples
are the quarantine's `raw_record` as stored, which the ETL has already redacted
(transforms/redact.py, contracts/pii.py); the page adds nothing from elsewhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventlake.io.bucket import join, write_bytes
from eventlake.io.lake_reader import query
from eventlake.io.paths import report_uri
from eventlake.quality import report_sections as sections
from eventlake.quality.html import esc, html_page, num, table
from eventlake.settings import Settings

TREND_RUNS = 30


def _read(settings: Settings, day: str, run_id: str, with_training: bool) -> dict[str, Any]:
    iso = date.fromisoformat(day).isoformat()
    runs = query(settings, "etl_runs", "SELECT * FROM etl_runs")
    mine = [r for r in runs if r["run_id"] == run_id]
    if not mine:
        raise LookupError(f"no etl_runs row for run {run_id} of {iso}")
    # The trend: the latest run of each of the last TREND_RUNS dates up to this run's date.
    latest: dict[str, dict[str, Any]] = {}
    for r in sorted(runs, key=lambda r: r["finished_at"]):
        if r["processing_date"].isoformat() <= iso:
            latest[r["processing_date"].isoformat()] = r
    trend_runs = [latest[d] for d in sorted(latest)[-TREND_RUNS:]]
    since = trend_runs[0]["processing_date"].isoformat() if trend_runs else iso
    metrics = query(
        settings,
        "dq_metrics",
        "SELECT processing_date, run_id, metric, segment, value FROM dq_metrics "
        f"WHERE processing_date >= DATE '{since}' AND processing_date <= DATE '{iso}'",
    )
    safe_run = run_id.replace("'", "")
    quarantined = query(
        settings,
        "quarantine",
        "SELECT reasons, raw_record, _source_file FROM quarantine "
        f"WHERE processing_date = DATE '{iso}' AND _run_id = '{safe_run}'",
    )
    return {
        "run": mine[-1],
        "trend_runs": trend_runs,
        "metrics": metrics,
        "quarantined": quarantined,
        "training": _training(settings, iso) if with_training else None,
        "lineage": _lineage(settings, iso),
    }


def _lineage(settings: Settings, day: str) -> dict[str, Any]:
    """{"where", "chain"}: the date's chain of runs as `eventlake lineage --date D` reads it, or
    {"error": why not}. Lineage that cannot be read must not stop the page."""
    if settings.lineage.transport == "http":
        return {
            "error": "lineage goes to an HTTP endpoint (lineage.transport http): open the date's "
            "runs there; this page reads the file and bucket transports"
        }
    try:
        from eventlake.io.lineage import read_events
        from eventlake.io.lineage_chain import chain

        where, events = read_events(settings)
        return {"where": where, "chain": chain(events, day)}
    except Exception as exc:  # never the exception's text: it may name an endpoint's secret
        return {"error": f"the lineage events could not be read ({type(exc).__name__})"}


def _training(settings: Settings, day: str) -> dict[str, Any]:
    """{"model": the version trained for `day` or None} or {"error": why it could not be read}.
    A registry that cannot be read must not stop the page: it says so instead."""
    if not settings.tracking_uri:
        return {"error": "no MLflow tracking URI is configured (ml.tracking_uri)"}
    try:
        from eventlake.io.registry import trained_for

        return {"model": trained_for(settings.tracking_uri, settings.ml.model_name, day)}
    except Exception as exc:  # reported on the page, never with the URI (it may hold a secret)
        return {"error": f"the MLflow registry could not be read ({type(exc).__name__})"}


def render_run(data: dict[str, Any]) -> str:
    run = data["run"]
    body = [
        sections.verdict(run),
        sections.accounting(run),
        sections.files(run),
        sections.reasons(run, data["quarantined"]),
        sections.anomalies(run),
        sections.trends(data["trend_runs"], data["metrics"]),
        sections.versions(run),
        "<h2>Training</h2>",
        sections.training(data.get("training")),
        "<h2>Lineage</h2>",
        sections.lineage(data.get("lineage"), run["openlineage_run_id"]),
    ]
    day = run["processing_date"].isoformat()
    return html_page(f"eventlake ETL {day} {run['run_id']}", "".join(body))


def render_index(runs: list[dict[str, Any]]) -> str:
    rows = [
        [
            esc(r["processing_date"].isoformat()),
            f'<a href="{esc(r["processing_date"].isoformat())}/{esc(r["run_id"])}.html">'
            f"{esc(r['run_id'])}</a>",
            f'<span class="{"pass" if r["gate_passed"] else "fail"} verdict">'
            f"{esc(r['status'])}</span>",
            num(r["rows_read"]),
            num(r["quarantine_ratio"]),
            esc(r["finished_at"]),
        ]
        for r in sorted(runs, key=lambda r: r["finished_at"], reverse=True)
    ]
    body = "<h1>eventlake ETL runs</h1>" + table(
        ["date", "run", "status", "rows read", "quarantine ratio", "finished"], rows, {3, 4}
    )
    return html_page("eventlake ETL runs", body)


def write_index(settings: Settings) -> str:
    runs = query(
        settings,
        "etl_runs",
        "SELECT run_id, processing_date, status, gate_passed, rows_read, quarantine_ratio, "
        "finished_at FROM etl_runs",
    )
    uri = join(report_uri(settings), "index.html")
    write_bytes(uri, render_index(runs).encode("utf-8"))
    return uri


def latest_report(settings: Settings) -> str | None:
    """The page of the latest ETL run (by finished_at), or None before any run."""
    runs = query(settings, "etl_runs", "SELECT run_id, processing_date, finished_at FROM etl_runs")
    if not runs:
        return None
    last = max(runs, key=lambda r: r["finished_at"])
    return report_uri(settings, last["processing_date"], last["run_id"])


def write_day_report(settings: Settings, day: str, *, with_training: bool = True) -> str:
    """Write (again) the page of the run in charge of `day` (the quality gate's run:
    io/lake_reader.latest_run), with its training section unless told otherwise, and the
    index."""
    from eventlake.io.lake_reader import latest_run

    iso = date.fromisoformat(day).isoformat()
    run_id = latest_run(settings, iso)["run_id"]
    return write_run_report(settings, iso, run_id, with_training=with_training)


def write_run_report(
    settings: Settings, day: str, run_id: str, *, with_training: bool = False
) -> str:
    """Write the run's page and the index; returns the page's URI. `with_training` adds the
    model trained for the date, read from the MLflow registry."""
    page = render_run(_read(settings, day, run_id, with_training))
    uri = report_uri(settings, date.fromisoformat(day), run_id)
    write_bytes(uri, page.encode("utf-8"))
    write_index(settings)
    return uri
