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

import html
import math
from datetime import date
from typing import Any

from eventlake.io.bucket import join, write_bytes
from eventlake.io.lake_reader import query
from eventlake.io.paths import report_uri
from eventlake.settings import Settings

TREND_RUNS = 30
EXAMPLES_PER_REASON = 3
EXAMPLE_CHARS = 300
TREND_NULL_COLUMNS = ("session_id", "product_id", "product_category", "page", "app_version")
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;
color:#1b1f23;max-width:1100px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid
#ddd;padding-bottom:4px}
table{border-collapse:collapse;font-size:13px;margin:4px 0}td,th{border:1px solid #ddd;
padding:3px 8px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.verdict{display:inline-block;padding:6px 12px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#2da44e}.fail{background:#cf222e}.warn{background:#bf8700}
.muted{color:#57606a;font-size:12px}code{font-size:12px;word-break:break-all}
.charts{display:flex;flex-wrap:wrap;gap:16px}.chart{border:1px solid #ddd;padding:6px}
pre{font-size:12px;background:#f6f8fa;padding:8px;overflow-x:auto}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: Any, digits: int = 4) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.{digits}g}"
    return str(value)


def _table(head: list[str], rows: list[list[str]], numeric: set[int] | None = None) -> str:
    numeric = numeric or set()
    out = ["<table><tr>", *(f"<th>{_e(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        cells = "".join(
            f'<td class="n">{c}</td>' if i in numeric else f"<td>{c}</td>"
            for i, c in enumerate(row)
        )
        out.append(f"<tr>{cells}</tr>")
    out.append("</table>")
    return "".join(out)


def line_chart(title: str, dates: list[str], series: dict[str, list[float | None]]) -> str:
    """A static SVG line chart: one polyline per series over `dates`, with a legend."""
    width, height, left, right, top, bottom = 500, 220, 56, 130, 24, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for vs in series.values() for v in vs if v is not None and math.isfinite(v)]
    hi = max(values) if values else 1.0
    lo = min(0.0, *values) if values else 0.0
    hi = hi if hi > lo else lo + 1.0
    n = len(dates)

    def x(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{_e(title)}">',
        f'<text x="{left}" y="15" font-size="13" font-weight="600">{_e(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end">{_num(hi)}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" font-size="10" text-anchor="end">'
        f"{_num(lo)}</text>",
    ]
    if dates:
        parts.append(
            f'<text x="{left}" y="{height - 18}" font-size="10">{_e(dates[0])}</text>'
            f'<text x="{left + plot_w}" y="{height - 18}" font-size="10" text-anchor="end">'
            f"{_e(dates[-1])}</text>"
        )
    for k, (name, vs) in enumerate(series.items()):
        color = PALETTE[k % len(PALETTE)]
        points = [
            f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs) if v is not None and math.isfinite(v)
        ]
        if len(points) > 1:
            parts.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="1.8" '
                f'points="{" ".join(points)}"/>'
            )
        for p in points:
            cx, cy = p.split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2.2" fill="{color}"/>')
        ly = top + 12 * k + 6
        parts.append(
            f'<rect x="{left + plot_w + 10}" y="{ly - 7}" width="10" height="3" fill="{color}"/>'
            f'<text x="{left + plot_w + 24}" y="{ly}" font-size="10">{_e(name)}</text>'
        )
    parts.append("</svg>")
    return '<div class="chart">' + "".join(parts) + "</div>"


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


def _lineage_section(lineage: dict[str, Any] | None, openlineage_run_id: str) -> str:
    from eventlake.io.lineage_chain import render

    mine = f"<p>This run's OpenLineage run id <code>{_e(openlineage_run_id)}</code>.</p>"
    if not lineage:
        return mine
    if "error" in lineage:
        return mine + f'<p class="muted">{_e(lineage["error"])}</p>'
    c = lineage["chain"]
    links = c.links()
    rows = [
        [f"<code>{_e(edge)}</code>", "yes" if ok else '<span class="fail">missing</span>']
        for edge, ok in links.items()
    ]
    return (
        mine + '<p class="muted">The latest run of each job for this date, as '
        f"<code>eventlake lineage --date {_e(c.day)}</code> prints it when the page was written "
        "(the DAG writes it again after training and after monitoring).</p>"
        + f'<pre id="lineage">{_e(render(c, lineage["where"]))}</pre>'
        + _table(["edge", "present and connected"], rows)
    )


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


def _examples(quarantined: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in quarantined:
        for reason in row["reasons"] or []:
            seen = out.setdefault(reason, [])
            if len(seen) < EXAMPLES_PER_REASON:
                text = row["raw_record"] or ""
                seen.append(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "…")
    return out


def _trends(data: dict[str, Any]) -> str:
    days = [r["processing_date"].isoformat() for r in data["trend_runs"]]
    by: dict[tuple[str, str], dict[str, float | None]] = {}
    for m in data["metrics"]:
        by.setdefault((m["metric"], m["segment"]), {})[m["processing_date"].isoformat()] = m[
            "value"
        ]

    def series(metric: str, segment: str) -> list[float | None]:
        return [by.get((metric, segment), {}).get(d) for d in days]

    event_types = sorted(s for (m, s) in by if m == "rows_clean" and s.startswith("event_type="))
    ratio = {
        "quarantine_ratio": [
            float(r["quarantine_ratio"]) if r["quarantine_ratio"] is not None else None
            for r in data["trend_runs"]
        ]
    }
    charts = [
        line_chart(
            "clean rows per event_type",
            days,
            {s.split("=", 1)[1]: series("rows_clean", s) for s in event_types},
        ),
        line_chart("quarantine ratio", days, ratio),
        line_chart(
            "null rate (all events)",
            days,
            {c: series(f"null_rate.{c}", "all") for c in TREND_NULL_COLUMNS},
        ),
        line_chart(
            "purchase amount quantiles",
            days,
            {q: series(f"amount_{q}", "all") for q in ("p50", "p95", "p99")},
        ),
    ]
    return '<div class="charts">' + "".join(charts) + "</div>"


def _score(check: dict[str, Any]) -> str:
    # A flat history's infinite score is stored as null (quality/anomaly.py).
    if check["score"] is None:
        return "inf" if check["outcome"] in ("ok", "warn", "fail") else ""
    return _num(check["score"])


def _training_section(training: dict[str, Any] | None) -> str:
    if training is None:  # the ETL's own page: its training has not run yet
        return (
            '<p id="training" class="muted">Training runs after the ETL; its promotion step '
            "writes this page again with the model trained for this date.</p>"
        )
    if "error" in training:
        return f'<p class="muted" id="training">{_e(training["error"])}</p>'
    model = training["model"]
    if model is None:
        return (
            '<p id="training">No model version was trained for this date yet. Training runs '
            "after the ETL; its promotion step writes this page again.</p>"
        )
    m = model["metrics"]
    decision = {"promoted": "promoted to champion", "kept_champion": "champion kept"}.get(
        model["decision"] or "", "gate not finished (a retry of train finishes it)"
    )
    aliases = ", ".join(f"{a} = {v or 'none'}" for a, v in model["aliases"].items())
    head = [
        "version",
        "classifier",
        "holdout ROC-AUC",
        "PR-AUC",
        "log loss",
        "F1",
        "baseline PR-AUC",
        "champion before",
        "champion's ROC-AUC",
    ]
    row = [
        _e(model["version"]),
        _e(model["classifier"]),
        _num(m.get("holdout_roc_auc")),
        _num(m.get("holdout_pr_auc")),
        _num(m.get("holdout_log_loss")),
        _num(m.get("holdout_f1")),
        _num(m.get("baseline_pr_auc")),
        _e(model["champion_before"] or "none"),
        _num(m.get("champion_holdout_roc_auc")),
    ]
    return (
        f'<div id="training"><p>Model <code>{_e(model["model_name"])}</code> version '
        f"{_e(model['version'])}, holdout {_e(model['holdout'])}: <b>{_e(decision)}</b>. "
        f"{_e(model['reason'] or '')}</p>"
        + _table(head, [row], {2, 3, 4, 5, 6, 8})
        + f'<p class="muted">aliases now: {_e(aliases)} · MLflow run '
        f"<code>{_e(model['run_id'])}</code></p></div>"
    )


def render_run(data: dict[str, Any]) -> str:
    run = data["run"]
    day = run["processing_date"].isoformat()
    checks = run.get("dq_checks") or []
    warns = [c for c in checks if c["outcome"] == "warn"]
    fails = [c for c in checks if c["outcome"] == "fail"]
    if run["gate_passed"]:
        verdict = ("warn", "PASSED with warnings") if warns else ("pass", "PASSED")
    else:
        verdict = ("fail", f"STOPPED ({run['status']})")
    counts = run["reason_counts"] or {}
    # deltalake gives a Delta map as a list of (key, value) pairs
    reasons = {k: v for k, v in (counts if isinstance(counts, list) else counts.items()) if v}
    examples = _examples(data["quarantined"])
    accounted = run["rows_clean"] + run["rows_quarantined"] + run["duplicates_removed"]
    equation = (
        f"rows_read {run['rows_read']} = rows_clean {run['rows_clean']} + rows_quarantined "
        f"{run['rows_quarantined']} + duplicates_removed {run['duplicates_removed']} "
        f"{'(holds)' if accounted == run['rows_read'] else f'(does NOT hold: {accounted})'}"
    )
    files = [
        [f"<code>{_e(f['path'])}</code>", _e(f["format"]), _num(f["size"]), _num(f["records"])]
        for f in run["files"] or []
    ]
    reason_rows = [
        [
            f"<code>{_e(code)}</code>",
            _num(count),
            "<br>".join(f"<code>{_e(x)}</code>" for x in examples.get(code, []))
            or '<span class="muted">no example (not a quarantine reason, or replaced by a '
            "later run)</span>",
        ]
        for code, count in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    shown = [c for c in checks if c["outcome"] in ("fail", "warn") or c["segment"] == "all"]
    order = {"fail": 0, "warn": 1, "ok": 2, "no_history": 3}
    check_rows = [
        [
            f'<span class="{c["outcome"] if c["outcome"] in ("fail", "warn") else ""}">'
            f"{_e(c['outcome'])}</span>",
            _e(c["check"]),
            f"<code>{_e(c['metric'])}</code>",
            f"<code>{_e(c['segment'])}</code>",
            _num(c["value"]),
            _num(c["baseline"]),
            _e(c["baseline_kind"]),
            _score(c),
            _num(c["change"]),
            _e(c["severity"]),
        ]
        for c in sorted(
            shown, key=lambda c: (order.get(c["outcome"], 9), c["metric"], c["segment"])
        )
    ]
    versions = [
        ["events", _num(run.get("events_version")), _num(run.get("events_rows_written"))],
        [
            "quarantine",
            _num(run.get("quarantine_version")),
            _num(run.get("quarantine_rows_written")),
        ],
        ["dq_metrics", _num(run.get("dq_metrics_version")), ""],
    ]
    body = [
        f"<h1>ETL run for {_e(day)}</h1>",
        f'<p class="muted">run <code>{_e(run["run_id"])}</code> · started '
        f"{_e(run['started_at'])} · finished {_e(run['finished_at'])} · lake "
        f"<code>{_e(run['lake_uri'])}</code></p>",
        f'<p><span class="verdict {verdict[0]}" id="verdict">{_e(verdict[1])}</span></p>',
        f'<p id="why">{_e(run["message"])}</p>',
        "<h2>Counts</h2>",
        _table(
            [
                "rows read",
                "clean",
                "quarantined",
                "duplicates",
                "restored",
                "quarantine ratio",
                "max reject ratio",
            ],
            [
                [
                    _num(run["rows_read"]),
                    _num(run["rows_clean"]),
                    _num(run["rows_quarantined"]),
                    _num(run["duplicates_removed"]),
                    _num(run.get("rows_restored")),
                    _num(run["quarantine_ratio"]),
                    _num(run["max_reject_ratio"]),
                ]
            ],
            set(range(7)),
        ),
        f'<p id="equation"><code>{_e(equation)}</code></p>',
        "<h2>Files read</h2>",
        _table(["path", "format", "bytes", "records"], files, {2, 3}),
        f'<p class="muted">{len(run.get("skipped_files") or [])} objects of the folder skipped</p>',
        "<h2>Reasons</h2>",
        _table(["reason", "rows", "examples (redacted as stored)"], reason_rows, {1})
        if reason_rows
        else "<p>No row matched a rule.</p>",
        f"<h2>Anomaly checks ({len(fails)} fail, {len(warns)} warn, {len(checks)} evaluated)</h2>",
        '<p class="muted">Shown: every check that fired and every check on segment '
        "<code>all</code>. Baselines and thresholds: contracts/checks.py.</p>",
        _table(
            [
                "outcome",
                "check",
                "metric",
                "segment",
                "value",
                "baseline",
                "baseline from",
                "score",
                "change",
                "severity",
            ],
            check_rows,
            {4, 5, 7, 8},
        )
        if check_rows
        else "<p>No anomaly checks were evaluated (etl.dq_metrics off).</p>",
        f"<h2>Trends over the last {len(data['trend_runs'])} runs</h2>",
        _trends(data),
        "<h2>Delta versions written</h2>",
        _table(["table", "version", "rows written"], versions, {1, 2}),
        "<h2>Training</h2>",
        _training_section(data.get("training")),
        "<h2>Lineage</h2>",
        _lineage_section(data.get("lineage"), run["openlineage_run_id"]),
    ]
    return _page(f"eventlake ETL {day} {run['run_id']}", "".join(body))


def _page(title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{CSS}</style></head><body>{body}</body></html>\n"
    )


def render_index(runs: list[dict[str, Any]]) -> str:
    rows = [
        [
            _e(r["processing_date"].isoformat()),
            f'<a href="{_e(r["processing_date"].isoformat())}/{_e(r["run_id"])}.html">'
            f"{_e(r['run_id'])}</a>",
            f'<span class="{"pass" if r["gate_passed"] else "fail"} verdict">'
            f"{_e(r['status'])}</span>",
            _num(r["rows_read"]),
            _num(r["quarantine_ratio"]),
            _e(r["finished_at"]),
        ]
        for r in sorted(runs, key=lambda r: r["finished_at"], reverse=True)
    ]
    body = "<h1>eventlake ETL runs</h1>" + _table(
        ["date", "run", "status", "rows read", "quarantine ratio", "finished"], rows, {3, 4}
    )
    return _page("eventlake ETL runs", body)


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
    orchestration/gate.latest_run), with its training section unless told otherwise, and the
    index."""
    from eventlake.orchestration.gate import latest_run

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
