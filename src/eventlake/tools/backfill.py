"""`eventlake backfill --start D1 --end D2`: the DAG's work for each date, in order.

Calls the same functions as the `eventlake_daily` tasks (eventlake.orchestration.tasks):
raw data present -> ETL -> quality gate -> train -> promotion outcome -> score with the
champion -> monitor (training, scoring and monitoring are skipped while the lake is shorter
than one feature window, as in the DAG). It does not wait for
raw data: a missing day fails at once with its URI. It stops at the first failed date unless
--keep-going. Re-running a range is safe: the ETL replaces each date's partition.

This is the laptop/CI way. With a scheduler, use Airflow's own backfill instead:
`airflow backfill create --dag-id eventlake_daily --from-date D1 --to-date D2`.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from eventlake import console
from eventlake.dates import date_range
from eventlake.errors import ConfigurationError, EventlakeError
from eventlake.orchestration import runners, tasks
from eventlake.settings import Settings

log = logging.getLogger(__name__)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--start", required=True, help="first date, YYYY-MM-DD")
    parser.add_argument("--end", required=True, help="last date, YYYY-MM-DD (inclusive)")
    parser.add_argument(
        "--skip-train",
        action="store_true",
        help="only ETL and quality gate for each date (e.g. re-processing after a fix)",
    )
    parser.add_argument(
        "--in-process",
        action="store_true",
        help="run the Spark jobs in this process (one Spark session for the whole range, "
        "faster) instead of one spark-submit per job as the DAG does",
    )
    parser.add_argument(
        "--keep-going", action="store_true", help="go on with the next date after a failure"
    )


def backfill(
    settings: Settings,
    start: str,
    end: str,
    *,
    skip_train: bool = False,
    in_process: bool | None = None,
    keep_going: bool = False,
    bar: console.Progress | None = None,
) -> list[dict[str, Any]]:
    """Run each date in order with these settings (the CLI's: environment and conf, no Airflow
    Variables); returns one result per date (status, gate summary, error). With `bar`, each
    finished date is a line of that progress display."""
    days = date_range(start, end)
    target = settings.airflow.target
    if target != "local":
        raise ConfigurationError(
            f"eventlake backfill runs the local target (target is {target!r}); on AWS use "
            f"`airflow backfill create --dag-id eventlake_daily --from-date {start} "
            f"--to-date {end}` against the MWAA environment"
        )
    results: list[dict[str, Any]] = []
    for day in days:
        result: dict[str, Any] = {"date": day, "status": "failed"}
        results.append(result)
        if bar is not None:
            bar.describe(day)
        try:
            log.info("backfill %s: raw data at %s", day, tasks.require_raw_data(settings, day))
            runners.run(settings, tasks.ETL, day, in_process=in_process)
            result["gate"] = tasks.quality_gate(settings, day, report=False)
            gap = None if skip_train else tasks.training_history_gap(settings, day)
            if gap:  # as the DAG's train task does: skip, not fail, while history is short
                result["train_skipped"] = gap
                log.info("backfill %s: training skipped: %s", day, gap)
            elif not skip_train:
                runners.run(settings, tasks.TRAIN, day, in_process=in_process)
                result["promotion"] = tasks.promotion(settings, day)
                runners.run(settings, tasks.SCORE, day, in_process=in_process)
                result["scored"] = True
                runners.run(settings, tasks.MONITOR, day, in_process=in_process)
                result["monitored"] = True
            result["status"] = "succeeded"
        except EventlakeError as exc:
            result["error"] = str(exc)
            log.error("backfill %s failed: %s", day, exc)
            if not keep_going:
                break
        finally:
            if bar is not None:
                rows = (result.get("gate") or {}).get("rows_clean") or 0
                bar.step(result_line(result), rows=rows)
    return results


def result_line(r: dict[str, Any]) -> str:
    """One date's outcome: `2026-01-05  succeeded  2448 clean, 41 quarantined  <note>`."""
    gate = r.get("gate") or {}
    counts = (
        f"{gate.get('rows_clean')} clean, {gate.get('rows_quarantined')} quarantined"
        if gate
        else ""
    )
    note = r.get("error") or ("training skipped" if r.get("train_skipped") else "")
    return f"{r['date']}  {r['status']:<9}  {counts}  {note}".rstrip()


def main(args: argparse.Namespace, settings: Settings) -> int:
    with console.progress("backfill", total=len(date_range(args.start, args.end))) as bar:
        results = backfill(
            settings,
            args.start,
            args.end,
            skip_train=args.skip_train,
            in_process=True if args.in_process else None,
            keep_going=args.keep_going,
            bar=bar,
        )
    failed = [r for r in results if r["status"] != "succeeded"]
    skipped = len(date_range(args.start, args.end)) - len(results)
    if skipped:
        print(f"stopped after the first failure; {skipped} later date(s) not run (--keep-going)")
    return 1 if failed or skipped else 0
