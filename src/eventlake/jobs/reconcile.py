"""`eventlake reconcile [--since D] [--run]`: the processed dates whose raw folder changed
after their last successful ETL run (files added, removed or changed), read from the files
each run recorded (path, size, sha256 or S3 ETag) in `etl_runs`. With `--run`, rerun them in
date order, so the lake again equals a replay of each date's latest drop.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from eventlake.dates import parse_date
from eventlake.errors import EventlakeError
from eventlake.io.bucket import list_objects
from eventlake.io.names import is_data
from eventlake.io.paths import raw_day_uri
from eventlake.settings import Settings


@dataclass
class DayDrift:
    processing_date: str
    run_id: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def last_successful_runs(settings: Settings) -> dict[str, dict[str, Any]]:
    """processing_date -> its latest `succeeded` etl_runs row (deltalake, no JVM:
    io/lake_reader.py)."""
    from eventlake.io.lake_reader import query

    rows = query(
        settings,
        "etl_runs",
        "SELECT run_id, processing_date, status, finished_at, files FROM etl_runs",
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        day = row["processing_date"].isoformat()
        if row["status"] == "succeeded" and (
            day not in latest or row["finished_at"] > latest[day]["finished_at"]
        ):
            latest[day] = row
    return latest


def drift(settings: Settings, since: date | None = None) -> list[DayDrift]:
    """Dates (oldest first) whose raw files differ from what their last successful run read."""
    out = []
    for day, run in sorted(last_successful_runs(settings).items()):
        if since is not None and day < since.isoformat():
            continue
        recorded = {f["path"]: (f["size"], f["checksum"]) for f in run["files"]}
        now = {
            o.uri: (o.size, o.checksum)
            for o in list_objects(raw_day_uri(settings, date.fromisoformat(day)))
            if is_data(o.uri, settings.raw.rule())
        }
        d = DayDrift(
            day,
            run["run_id"],
            added=sorted(set(now) - set(recorded)),
            removed=sorted(set(recorded) - set(now)),
            changed=sorted(p for p in set(now) & set(recorded) if now[p] != recorded[p]),
        )
        if d.added or d.removed or d.changed:
            out.append(d)
    return out


class RawChanged(EventlakeError):
    """Processed dates whose raw folder changed after their last successful run."""


def check(settings: Settings, day: date) -> dict[str, Any]:
    """The maintenance DAG's daily check: the processed dates from `day` -
    maintenance.reconcile_days on whose raw folder changed. RawChanged names each date, what
    changed and the command that reruns them; otherwise the first date checked."""
    since = day - timedelta(days=settings.maintenance.reconcile_days)
    changed = drift(settings, since)
    if changed:
        listed = "; ".join(
            f"{d.processing_date} (run {d.run_id}: {len(d.added)} added, "
            f"{len(d.removed)} removed, {len(d.changed)} changed)"
            for d in changed
        )
        raise RawChanged(
            f"raw files changed after the last successful ETL run of {len(changed)} date(s): "
            f"{listed}. Rerun them in date order with "
            f"`eventlake reconcile --since {changed[0].processing_date} --run`"
        )
    return {"since": since.isoformat(), "changed_dates": []}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", help="only processing dates from this one (YYYY-MM-DD)")
    parser.add_argument("--run", action="store_true", help="rerun the changed dates in order")
    parser.add_argument("--raw-uri", help="bucket prefix of the raw logs")
    parser.add_argument("--lake-uri", help="bucket prefix of the lake")


def main(args: argparse.Namespace, settings: Settings) -> int:
    since = parse_date(args.since, "--since") if args.since else None
    settings = settings.replace(raw_uri=args.raw_uri, lake_uri=args.lake_uri)
    changed = drift(settings, since)
    for d in changed:
        print(json.dumps({"changed": asdict(d)}))
    if args.run and changed:
        from eventlake.jobs.etl import run_etl, summary

        for d in changed:
            result = run_etl(settings, date.fromisoformat(d.processing_date))
            print(json.dumps({"rerun": summary(result)}, default=str))
    print(json.dumps({"changed_dates": [d.processing_date for d in changed]}))
    return 0
