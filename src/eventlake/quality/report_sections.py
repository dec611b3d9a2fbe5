"""The sections of a run's page (quality/report.py), each rendered from the run's `etl_runs`
row and what the report read beside it: verdict, counts, files, reasons, anomaly checks,
trends, Delta versions, training, lineage."""

from __future__ import annotations

from typing import Any

from eventlake.quality.html import esc, line_chart, num, table

EXAMPLES_PER_REASON = 3
EXAMPLE_CHARS = 300
TREND_NULL_COLUMNS = ("session_id", "product_id", "product_category", "page", "app_version")


def verdict(run: dict[str, Any]) -> str:
    """The page's heading, the run's identity, its verdict and the gate's message."""
    checks = run.get("dq_checks") or []
    warns = [c for c in checks if c["outcome"] == "warn"]
    if run["gate_passed"]:
        kind, text = ("warn", "PASSED with warnings") if warns else ("pass", "PASSED")
    else:
        kind, text = ("fail", f"STOPPED ({run['status']})")
    return (
        f"<h1>ETL run for {esc(run['processing_date'].isoformat())}</h1>"
        f'<p class="muted">run <code>{esc(run["run_id"])}</code> · started '
        f"{esc(run['started_at'])} · finished {esc(run['finished_at'])} · lake "
        f"<code>{esc(run['lake_uri'])}</code></p>"
        f'<p><span class="verdict {kind}" id="verdict">{esc(text)}</span></p>'
        f'<p id="why">{esc(run["message"])}</p>'
    )


def accounting(run: dict[str, Any]) -> str:
    """The counts and whether rows read = clean + quarantined + duplicates removed."""
    accounted = run["rows_clean"] + run["rows_quarantined"] + run["duplicates_removed"]
    equation = (
        f"rows_read {run['rows_read']} = rows_clean {run['rows_clean']} + rows_quarantined "
        f"{run['rows_quarantined']} + duplicates_removed {run['duplicates_removed']} "
        f"{'(holds)' if accounted == run['rows_read'] else f'(does NOT hold: {accounted})'}"
    )
    counts = table(
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
                num(run["rows_read"]),
                num(run["rows_clean"]),
                num(run["rows_quarantined"]),
                num(run["duplicates_removed"]),
                num(run.get("rows_restored")),
                num(run["quarantine_ratio"]),
                num(run["max_reject_ratio"]),
            ]
        ],
        set(range(7)),
    )
    return f'<h2>Counts</h2>{counts}<p id="equation"><code>{esc(equation)}</code></p>'


def files(run: dict[str, Any]) -> str:
    """The objects the run read, and how many of the folder's it skipped."""
    rows = [
        [f"<code>{esc(f['path'])}</code>", esc(f["format"]), num(f["size"]), num(f["records"])]
        for f in run["files"] or []
    ]
    skipped = len(run.get("skipped_files") or [])
    return (
        "<h2>Files read</h2>"
        + table(["path", "format", "bytes", "records"], rows, {2, 3})
        + f'<p class="muted">{skipped} objects of the folder skipped</p>'
    )


def _examples(quarantined: list[dict[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in quarantined:
        for reason in row["reasons"] or []:
            seen = out.setdefault(reason, [])
            if len(seen) < EXAMPLES_PER_REASON:
                text = row["raw_record"] or ""
                seen.append(text if len(text) <= EXAMPLE_CHARS else text[:EXAMPLE_CHARS] + "…")
    return out


def reasons(run: dict[str, Any], quarantined: list[dict[str, Any]]) -> str:
    """Each reason code's row count, with a few of its quarantined rows as stored."""
    counts = run["reason_counts"] or {}
    # deltalake gives a Delta map as a list of (key, value) pairs
    found = {k: v for k, v in (counts if isinstance(counts, list) else counts.items()) if v}
    examples = _examples(quarantined)
    rows = [
        [
            f"<code>{esc(code)}</code>",
            num(count),
            "<br>".join(f"<code>{esc(x)}</code>" for x in examples.get(code, []))
            or '<span class="muted">no example (not a quarantine reason, or replaced by a '
            "later run)</span>",
        ]
        for code, count in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return "<h2>Reasons</h2>" + (
        table(["reason", "rows", "examples (redacted as stored)"], rows, {1})
        if rows
        else "<p>No row matched a rule.</p>"
    )


def _score(check: dict[str, Any]) -> str:
    # A flat history's infinite score is stored as null (quality/anomaly.py).
    if check["score"] is None:
        return "inf" if check["outcome"] in ("ok", "warn", "fail") else ""
    return num(check["score"])


def anomalies(run: dict[str, Any]) -> str:
    """Every check that fired and every check on segment `all`, failures first."""
    checks = run.get("dq_checks") or []
    warns = [c for c in checks if c["outcome"] == "warn"]
    fails = [c for c in checks if c["outcome"] == "fail"]
    shown = [c for c in checks if c["outcome"] in ("fail", "warn") or c["segment"] == "all"]
    order = {"fail": 0, "warn": 1, "ok": 2, "no_history": 3}
    rows = [
        [
            f'<span class="{c["outcome"] if c["outcome"] in ("fail", "warn") else ""}">'
            f"{esc(c['outcome'])}</span>",
            esc(c["check"]),
            f"<code>{esc(c['metric'])}</code>",
            f"<code>{esc(c['segment'])}</code>",
            num(c["value"]),
            num(c["baseline"]),
            esc(c["baseline_kind"]),
            _score(c),
            num(c["change"]),
            esc(c["severity"]),
        ]
        for c in sorted(
            shown, key=lambda c: (order.get(c["outcome"], 9), c["metric"], c["segment"])
        )
    ]
    head = [
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
    ]
    return (
        f"<h2>Anomaly checks ({len(fails)} fail, {len(warns)} warn, {len(checks)} evaluated)</h2>"
        '<p class="muted">Shown: every check that fired and every check on segment '
        "<code>all</code>. Baselines and thresholds: contracts/checks.py.</p>"
        + (
            table(head, rows, {4, 5, 7, 8})
            if rows
            else "<p>No anomaly checks were evaluated (etl.dq_metrics off).</p>"
        )
    )


def trends(trend_runs: list[dict[str, Any]], metrics: list[dict[str, Any]]) -> str:
    """Charts of the latest run of each recent date: clean rows, quarantine ratio, null rates
    and purchase amounts."""
    days = [r["processing_date"].isoformat() for r in trend_runs]
    by: dict[tuple[str, str], dict[str, float | None]] = {}
    for m in metrics:
        by.setdefault((m["metric"], m["segment"]), {})[m["processing_date"].isoformat()] = m[
            "value"
        ]

    def series(metric: str, segment: str) -> list[float | None]:
        return [by.get((metric, segment), {}).get(d) for d in days]

    event_types = sorted(s for (m, s) in by if m == "rows_clean" and s.startswith("event_type="))
    ratio = {
        "quarantine_ratio": [
            float(r["quarantine_ratio"]) if r["quarantine_ratio"] is not None else None
            for r in trend_runs
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
    return (
        f"<h2>Trends over the last {len(trend_runs)} runs</h2>"
        + '<div class="charts">'
        + "".join(charts)
        + "</div>"
    )


def versions(run: dict[str, Any]) -> str:
    """The Delta version each table got from the run, and its rows written."""
    rows = [
        ["events", num(run.get("events_version")), num(run.get("events_rows_written"))],
        [
            "quarantine",
            num(run.get("quarantine_version")),
            num(run.get("quarantine_rows_written")),
        ],
        ["dq_metrics", num(run.get("dq_metrics_version")), ""],
    ]
    return "<h2>Delta versions written</h2>" + table(
        ["table", "version", "rows written"], rows, {1, 2}
    )


def training(training: dict[str, Any] | None) -> str:
    """The model version trained for the date, its holdout figures and the gate's decision."""
    if training is None:  # the ETL's own page: its training has not run yet
        return (
            '<p id="training" class="muted">Training runs after the ETL; its promotion step '
            "writes this page again with the model trained for this date.</p>"
        )
    if "error" in training:
        return f'<p class="muted" id="training">{esc(training["error"])}</p>'
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
        esc(model["version"]),
        esc(model["classifier"]),
        num(m.get("holdout_roc_auc")),
        num(m.get("holdout_pr_auc")),
        num(m.get("holdout_log_loss")),
        num(m.get("holdout_f1")),
        num(m.get("baseline_pr_auc")),
        esc(model["champion_before"] or "none"),
        num(m.get("champion_holdout_roc_auc")),
    ]
    return (
        f'<div id="training"><p>Model <code>{esc(model["model_name"])}</code> version '
        f"{esc(model['version'])}, holdout {esc(model['holdout'])}: <b>{esc(decision)}</b>. "
        f"{esc(model['reason'] or '')}</p>"
        + table(head, [row], {2, 3, 4, 5, 6, 8})
        + f'<p class="muted">aliases now: {esc(aliases)} · MLflow run '
        f"<code>{esc(model['run_id'])}</code></p></div>"
    )


def lineage(lineage: dict[str, Any] | None, openlineage_run_id: str) -> str:
    """This run's OpenLineage run id and the date's chain of runs with its edges."""
    from eventlake.io.lineage_chain import render

    mine = f"<p>This run's OpenLineage run id <code>{esc(openlineage_run_id)}</code>.</p>"
    if not lineage:
        return mine
    if "error" in lineage:
        return mine + f'<p class="muted">{esc(lineage["error"])}</p>'
    c = lineage["chain"]
    links = c.links()
    rows = [
        [f"<code>{esc(edge)}</code>", "yes" if ok else '<span class="fail">missing</span>']
        for edge, ok in links.items()
    ]
    return (
        mine + '<p class="muted">The latest run of each job for this date, as '
        f"<code>eventlake lineage --date {esc(c.day)}</code> prints it when the page was written "
        "(the DAG writes it again after training and after monitoring).</p>"
        + f'<pre id="lineage">{esc(render(c, lineage["where"]))}</pre>'
        + table(["edge", "present and connected"], rows)
    )
