"""`eventlake monitor --date D`: how the champion does after it was crowned.

Writes the rows of D in `<lake>/model_monitoring` (a rerun of D replaces them), one per
(date, model version, metric, segment), each judged against contracts/monitoring.py:

- realized performance (`kind = realized`): the predictions of D - 1 (their target day is D)
  against the labels D's events give, with the label definition of training (ml/features.py:
  `build_user_day_features` with labels, as-of day D - 1). ROC-AUC, PR-AUC, log loss,
  precision and recall at the version's threshold, the predicted (mean probability) and
  realized positive rates and their gap. For the version that made the predictions (role
  `champion`) and, in shadow, for the latest `challenger` when it is another version: it is
  scored on the same rows.
- feature drift (`kind = feature_drift`): PSI of every feature of as-of day D against the
  training split the champion learnt from (its profile, ml/drift.py).
- prediction drift (`kind = prediction_drift`): PSI of the champion's scores of D (the
  `predictions` rows of D) against its holdout scores.

A metric that cannot be computed is a row with status `no_labels` or `insufficient` and the
reason in `detail`. A breach of a `fail` threshold raises MonitorFailed once the rows are
written, naming the metric, value and threshold; a `warn` breach is logged.

With `ml.auto_rollback` on, the previous champion is scored in shadow too (role
`previous_champion`), and once D's rows are written ml/rollback.decide may move champion back
to it; the move is a row of the alias history, and MonitorFailed names it (the alert).

The steps: jobs/monitor_steps.py (the inputs read, the rows, drift), jobs/monitor_realized.py
(realized performance) and jobs/monitor_rollback.py (the automatic rollback).
"""

from __future__ import annotations

import argparse
import json
import logging
import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from eventlake.settings import Settings

if TYPE_CHECKING:
    from eventlake.jobs.monitor_steps import Inputs

log = logging.getLogger(__name__)


def run_monitor(settings: Settings, day: date) -> dict[str, Any]:
    """Monitor `day` as an OpenLineage run `eventlake.monitor`: inputs the predictions and
    events tables at the Delta versions read, output the model_monitoring table."""
    from eventlake.errors import MonitorFailed
    from eventlake.io.lineage import DatasetRef, LineageRun, version_facet
    from eventlake.io.paths import table_uri

    lineage = LineageRun(settings, "eventlake.monitor", str(uuid.uuid4()), day)
    uris = {t: table_uri(settings, t) for t in ("predictions", "events", "model_monitoring")}
    ins = [DatasetRef(uris["predictions"]), DatasetRef(uris["events"])]
    outs = [DatasetRef(uris["model_monitoring"])]
    lineage.start(ins, outs)
    try:
        result = _monitor(settings, day, lineage.run_id)
    except Exception as exc:
        lineage.fail(ins, outs, f"{type(exc).__name__}: {exc}")
        raise
    versions = result.pop("_versions")
    lineage.complete(
        [
            DatasetRef(uris[t], facets={"version": version_facet(versions[t])})
            for t in ("predictions", "events")
        ],
        [
            DatasetRef(
                uris["model_monitoring"],
                facets={"version": version_facet(versions["model_monitoring"])},
            )
        ],
    )
    result["openlineage_run_id"] = lineage.run_id
    failed = [b for b in result["breaches"] if b["severity"] == "fail"]
    for b in result["breaches"]:
        log.warning(
            "monitor %s: %s %s of version %s = %.4f, threshold %s (%s)",
            day,
            b["kind"],
            b["metric"],
            b["model_version"],
            b["value"],
            b["threshold"],
            b["severity"],
        )
    rolled = result["auto_rollback"]
    if rolled is not None:
        log.error("monitor %s: %s", day, rolled["reason"])
    if failed or rolled is not None:
        raise MonitorFailed(failure_message(day, failed, rolled, uris["model_monitoring"]))
    return result


def failure_message(
    day: date, failed: list[dict[str, Any]], rolled: dict[str, Any] | None, table: str
) -> str:
    """MonitorFailed's text: the fail-threshold breaches, and the automatic rollback made for
    `day` (the task's failure is its alert)."""
    parts = []
    if rolled is not None:
        parts.append(
            f"{rolled['reason']} (alias history {rolled['table']}; undo with `eventlake "
            f"promote --version {rolled['from_version']} --reason ...`)"
        )
    if failed:
        shown = "; ".join(
            f"{b['metric']} of version {b['model_version']} = {b['value']:.4f} "
            f"(threshold {b['threshold']})"
            for b in failed
        )
        parts.append(f"crossed fail thresholds: {shown}; thresholds in contracts/monitoring.py")
    return f"model monitoring of {day}: {'. '.join(parts)}. The rows are in {table}"


def _monitor(settings: Settings, day: date, run_id: str) -> dict[str, Any]:
    from eventlake.contracts.monitoring import effective_thresholds
    from eventlake.io.lake import Lake
    from eventlake.io.monitoring import write_monitoring
    from eventlake.jobs import monitor_steps as steps
    from eventlake.jobs.monitor_realized import score_realized
    from eventlake.jobs.monitor_rollback import auto_rollback

    ml = settings.ml
    thresholds = effective_thresholds(ml.monitor_severity_overrides)
    out = steps.Rows(day, ml.model_name, run_id, thresholds)
    inp = steps.read_inputs(settings, day)
    score_realized(inp, out)
    steps.score_drift(inp, out)
    lake = Lake(inp.spark, settings.lake_uri)
    inp.versions["model_monitoring"] = write_monitoring(lake, out.rows, day)
    rolled_back = (
        auto_rollback(
            inp.spark, settings, inp.client, day, inp.champion_version, inp.previous, inp.policy
        )
        if inp.policy.enabled
        else None
    )
    return _result(inp, out.rows, rolled_back, lake.uri("model_monitoring"))


def _result(
    inp: Inputs, rows: list[dict[str, Any]], rolled_back: dict[str, Any] | None, table: str
) -> dict[str, Any]:
    """The run's summary: counts by status, the breaches, the automatic rollback."""
    breaches = [
        {k: r[k] for k in ("kind", "metric", "model_version", "value", "threshold", "severity")}
        for r in rows
        if r["status"] == "breach"
    ]
    statuses: dict[str, int] = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "date": inp.day.isoformat(),
        "model": inp.settings.ml.model_name,
        "champion": inp.champion_version,
        "challenger": str(inp.challenger.version) if inp.challenger else None,
        "rows": len(rows),
        "statuses": statuses,
        "breaches": breaches,
        "auto_rollback": rolled_back,
        "table": table,
        "_versions": inp.versions,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", required=True, help="D: judges D - 1's predictions on D's labels, D's drift"
    )
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.dates import parse_date

    settings = settings.replace(lake_uri=args.lake_uri)
    result = run_monitor(settings, parse_date(args.date, "--date"))
    print(json.dumps(result, sort_keys=True, default=str))
    return 0
