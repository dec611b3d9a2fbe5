"""Lake reads and writes for the ML jobs: the events table at a pinned Delta version, the ETL
gate of a day, and the `predictions` table, all through the lake's catalog (io/lake.Lake).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.schemas import PREDICTIONS_SCHEMA
from eventlake.errors import InputError
from eventlake.io.lake import Lake


def read_events(lake: Lake, version: int | None = None) -> DataFrame:
    """The events table, pinned to `version` when given (InputError if missing).

    A given version comes from `Lake.version`, which already proved the table exists.
    """
    if version is None and lake.version("events") is None:
        raise InputError(
            f"no events table at {lake.uri('events')}: run `eventlake etl --date D` first"
        )
    return lake.events(version)


def inventory(events_df: DataFrame, until: date) -> dict[date, list[str]]:
    """Event date -> the ETL run ids that wrote it, for every date up to `until` (one query)."""
    rows = (
        events_df.filter(F.col("event_date") <= F.lit(until))
        .groupBy("event_date")
        .agg(F.collect_set("_run_id").alias("run_ids"))
        .collect()
    )
    return {r["event_date"]: sorted(r["run_ids"]) for r in rows}


def run_ids_between(days: dict[date, list[str]], start: date, end: date) -> list[str]:
    return sorted({run for day, runs in days.items() if start <= day <= end for run in runs})


@dataclass(frozen=True)
class EtlGate:
    passed: bool
    detail: str
    run_id: str | None = None


def etl_gate(lake: Lake, day: date) -> EtlGate:
    """Whether the run in charge of `day` passed its quality gate: the run whose run id made the
    latest commit for the date to the ETL's tables (io/commits.py), else (no tagged commits)
    the latest run by finished_at. A run killed after committing has no row: not passed."""
    from eventlake.io.commits import (
        CHARGE_TABLES,
        no_record_message,
        parse_commit,
        row_in_charge,
        run_in_charge,
    )

    if lake.version("etl_runs") is None:
        return EtlGate(False, f"no etl_runs table at {lake.uri('etl_runs')}")
    commits = []
    for table in CHARGE_TABLES:
        if lake.version(table) is None:
            continue
        infos = lake.history(table).select("version", "timestamp", "userMetadata").collect()
        commits += [c for c in (parse_commit(table, r.asDict()) for r in infos) if c]
    day_s = day.isoformat()
    in_charge = run_in_charge(commits, day_s)
    rows = (
        lake.etl_runs()
        .filter(F.col("processing_date") == F.lit(day))
        .select("run_id", "status", "gate_passed", "finished_at")
        .collect()
    )
    latest = row_in_charge([r.asDict() for r in rows], in_charge)
    if latest is None:
        if in_charge is not None:
            return EtlGate(False, no_record_message(in_charge, day_s), in_charge.run_id)
        return EtlGate(False, f"no ETL run recorded for {day}")
    passed = bool(latest["gate_passed"])
    detail = (
        f"ETL run {latest['run_id']} in charge of {day}: status={latest['status']}, "
        f"gate_passed={passed}"
    )
    return EtlGate(passed, detail, latest["run_id"])


def write_predictions(lake: Lake, predictions_df: DataFrame, day: date) -> int:
    """Replace the rows of as_of_date = `day` in the predictions table (idempotent per day);
    the table's new version."""
    return lake.replace(
        "predictions",
        predictions_df.select(*[F.col(f.name).cast(f.dataType) for f in PREDICTIONS_SCHEMA]),
        f"as_of_date = DATE'{day.isoformat()}'",
    )
