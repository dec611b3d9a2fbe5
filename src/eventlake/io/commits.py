"""Which ETL run is in charge of a processing date, read from the tables' own commits.

Every commit an ETL run makes carries `{"run_id", "processing_date", "step"}` in Delta's commit
`userMetadata` (io/lake.py). The run in charge of date D is the run that made the latest
commit for D to any of the ETL's tables: the last run that changed D's data, or recorded a
verdict for it. Its `etl_runs` row is its verdict. A run killed after a commit leaves no row,
so the date has no verdict (and never an older run's). A run that changed nothing before it
died (Delta skips a write that adds and removes nothing) leaves the older run in charge, and
the lake still holds that run's data.

No Spark here: callers pass commit-info dicts (from delta-rs or Spark's history).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# The tables whose commits for D say which run is in charge of D.
CHARGE_TABLES = ("quarantine", "duplicates", "events", "etl_runs")


@dataclass(frozen=True)
class Commit:
    table: str
    version: int
    timestamp: int  # ms since the epoch
    run_id: str
    processing_date: str
    step: str


def parse_commit(table: str, info: dict[str, Any]) -> Commit | None:
    """A commit made by an ETL run, or None (table creation, other writers, no metadata)."""
    raw = info.get("userMetadata")
    if not raw:
        return None
    try:
        meta = json.loads(raw)
    except (TypeError, ValueError):
        return None
    if not isinstance(meta, dict) or "run_id" not in meta or "processing_date" not in meta:
        return None
    ts = info.get("timestamp")
    millis = (
        int(ts.timestamp() * 1000) if ts is not None and hasattr(ts, "timestamp") else int(ts or 0)
    )
    return Commit(
        table,
        int(info.get("version", -1)),
        millis,
        str(meta["run_id"]),
        str(meta["processing_date"]),
        str(meta.get("step", "")),
    )


def run_in_charge(commits: list[Commit], day: str) -> Commit | None:
    """The latest commit for `day` among `commits` (by timestamp, then table version)."""
    mine = [c for c in commits if c.processing_date == day and c.table in CHARGE_TABLES]
    if not mine:
        return None
    return max(mine, key=lambda c: (c.timestamp, c.table == "etl_runs", c.version))


def row_in_charge(rows: list[dict[str, Any]], commit: Commit | None) -> dict[str, Any] | None:
    """The `etl_runs` row that is the date's verdict, from the date's rows and its commit in
    charge (`run_in_charge`): that run's latest row (a commit but no row: None, it was
    killed); with no tagged commit, the latest row of all. Latest means by `finished_at`, then
    `run_id`, so every reader breaks a tie the same way."""
    if commit is not None:
        rows = [r for r in rows if r["run_id"] == commit.run_id]
    if not rows:
        return None
    return max(rows, key=lambda r: (r["finished_at"], r["run_id"]))


def no_record_message(commit: Commit, day: str) -> str:
    return (
        f"ETL run {commit.run_id} made the latest {commit.table} commit for {day} "
        f"(version {commit.version}) but recorded no etl_runs row: it was killed or is still "
        f"running. Rerun `eventlake etl --date {day}`."
    )
