"""The quality-gate check: read the ETL's own verdict for a date from `etl_runs`.

Reads the Delta table with the `deltalake` package (io/lake_reader.py: Rust, no JVM), so the
check runs inside the Airflow worker in seconds.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from eventlake.errors import GateFailed, InputError
from eventlake.io.commits import (
    CHARGE_TABLES,
    Commit,
    no_record_message,
    parse_commit,
    row_in_charge,
    run_in_charge,
)
from eventlake.io.lake_reader import open_table, query
from eventlake.io.paths import table_uri
from eventlake.settings import Settings

SUMMARY_FIELDS = (
    "run_id",
    "status",
    "gate_passed",
    "message",
    "rows_read",
    "rows_clean",
    "rows_quarantined",
    "duplicates_removed",
    "quarantine_ratio",
)


def read_etl_runs(settings: Settings, day: str) -> list[dict[str, Any]]:
    """The `etl_runs` rows of one processing date, oldest first (by finished_at)."""
    iso = date.fromisoformat(day).isoformat()  # a date, never text from elsewhere, in the SQL
    rows = query(
        settings, "etl_runs", f"SELECT * FROM etl_runs WHERE processing_date = DATE '{iso}'"
    )
    return sorted(rows, key=lambda r: r["finished_at"])


def read_commits(settings: Settings) -> list[Commit]:
    """The ETL commits of the tables that say which run is in charge of a date."""
    out: list[Commit] = []
    for table in CHARGE_TABLES:
        delta = open_table(table_uri(settings, table), settings)
        if delta is None:
            continue
        history = delta.history()
        out += [c for c in (parse_commit(table, info) for info in history) if c is not None]
    return out


def latest_run(settings: Settings, day: str) -> dict[str, Any]:
    """The `etl_runs` row of the run in charge of a date: the run whose run id made the latest
    commit for it to the ETL's tables (io/commits.py). GateFailed when that run left no row
    (killed); InputError when the ETL never recorded a run. Without tagged commits (a lake
    written before they were tagged, or commit files removed by log retention) the latest row
    by finished_at."""
    commit = run_in_charge(read_commits(settings), day)
    row = row_in_charge(read_etl_runs(settings, day), commit)
    if row is not None:
        return row
    if commit is not None:
        raise GateFailed(no_record_message(commit, day))
    raise InputError(
        f"no etl_runs row for processing_date {day} in "
        f"{table_uri(settings, 'etl_runs')}: "
        "the ETL job did not record a run for this date"
    )


def check_quality_gate(settings: Settings, day: str) -> dict[str, Any]:
    """The latest run's summary when its gate passed; GateFailed with its message otherwise."""
    row = latest_run(settings, day)
    summary = {k: row.get(k) for k in SUMMARY_FIELDS}
    summary["processing_date"] = day
    if not row["gate_passed"]:
        raise GateFailed(
            f"quality gate failed for {day} (etl run {row['run_id']}, status {row['status']}): "
            f"{row.get('message') or 'no reason recorded'}"
        )
    return summary


def read_all_etl_dates(settings: Settings) -> list[str]:
    """Every processing_date whose run in charge (see `latest_run`) passed the gate, sorted
    (empty: no table)."""
    rows = query(
        settings,
        "etl_runs",
        "SELECT run_id, processing_date, finished_at, gate_passed FROM etl_runs",
    )
    if not rows:
        return []
    commits = read_commits(settings)
    by_day: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_day.setdefault(row["processing_date"].isoformat(), []).append(row)
    passed = []
    for day, all_rows in by_day.items():
        verdict = row_in_charge(all_rows, run_in_charge(commits, day))
        if verdict is not None and verdict["gate_passed"]:
            passed.append(day)
    return sorted(passed)
