"""`eventlake maintain --lake-uri L [--date D]`: compact what recent runs wrote, then delete
the files that no version still needed references (README, "Table maintenance").

For each lake table that exists:

- OPTIMIZE (bin-packing, Delta's `executeCompaction`) the partitions written by the runs of
  the last `maintenance.optimize_days` processing dates up to D: for `events` the event_date
  partitions those runs' rows landed in (late events included), for `quarantine` their
  processing_date partitions, `etl_runs` (one small file per run) whole.
- VACUUM with `maintenance.vacuum_retention_hours` (default 168 h, Delta's own default and
  minimum): a file that a rerun, an OPTIMIZE or a gate-failed rerun replaced is deleted from
  storage once it has been unreferenced for that long.
- For `events`, the retention is stretched to keep every version a registered model was
  trained on readable (`versionAsOf`): the oldest `events_version` tagged on a version of the
  model that holds an alias or was registered less than `maintenance.pin_days` ago, plus one
  hour. `delta.logRetentionDuration` is raised too when that version is older than the log
  would otherwise keep.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eventlake.dates import parse_date
from eventlake.errors import ConfigurationError
from eventlake.io.bucket import to_spark_path
from eventlake.io.lake import CATALOG, Lake
from eventlake.io.paths import table_uri
from eventlake.settings import MaintenanceSettings, Settings

log = logging.getLogger(__name__)

# Delta refuses a VACUUM retention below this unless its safety check is switched off.
DELTA_MIN_RETENTION_HOURS = 168.0
RETENTION_CHECK_CONF = "spark.databricks.delta.retentionDurationCheck.enabled"
LISTING_PARALLELISM_CONF = "spark.sql.sources.parallelPartitionDiscovery.parallelism"
PIN_MARGIN_HOURS = 1.0
DEFAULT_LOG_RETENTION_DAYS = 30.0  # delta.logRetentionDuration's default
LOG_RETENTION = "delta.logRetentionDuration"
# table -> the partition column OPTIMIZE selects on (its first, io/lake.CATALOG);
# OPTIMIZED_WHOLE are optimized whole; predictions are vacuumed only.
OPTIMIZED: dict[str, str] = {t: CATALOG[t].partition_by[0] for t in ("events", "quarantine")}
OPTIMIZED_WHOLE = ("etl_runs",)
VACUUMED = ("events", "quarantine", "etl_runs", "predictions")


@dataclass
class TableReport:
    table: str
    optimized_partitions: list[str] = field(default_factory=list)
    optimize_files_removed: int = 0
    optimize_files_added: int = 0
    retention_hours: float = 0.0
    vacuum_files_deleted: int | None = None


@dataclass
class MaintainResult:
    date: str
    pins: list[dict[str, Any]] = field(default_factory=list)
    tables: list[TableReport] = field(default_factory=list)
    seconds: float = 0.0


def events_retention_hours(
    configured_hours: float, pinned_commit_seconds: list[float], now_seconds: float
) -> float:
    """The events VACUUM retention: the configured one, or longer so that the oldest pinned
    version's files survive (its age plus a margin), rounded up to whole hours."""
    if not pinned_commit_seconds:
        return configured_hours
    age_hours = (now_seconds - min(pinned_commit_seconds)) / 3600 + PIN_MARGIN_HOURS
    return float(max(configured_hours, math.ceil(age_hours)))


def check_retention(hours: float, allow_short: bool) -> bool:
    """True when `hours` is below Delta's 168 h floor (allowed only with `allow_short`)."""
    if hours < 0:
        raise ConfigurationError(f"VACUUM retention {hours:g} h is negative")
    short = hours < DELTA_MIN_RETENTION_HOURS
    if short and not allow_short:
        raise ConfigurationError(
            f"VACUUM retention {hours:g} h is below Delta's minimum of 168 h; raise "
            f"maintenance.vacuum_retention_hours, or set maintenance.allow_short_retention "
            f"where nothing else reads or writes the lake during maintenance"
        )
    return short


def interval_days(text: str | None) -> float | None:
    """Days in a Delta interval property such as 'interval 30 days' (None if not parseable)."""
    units = {"hour": 1 / 24, "day": 1.0, "week": 7.0}
    match = re.fullmatch(r"\s*(?:interval\s+)?(\d+)\s+(hour|day|week)s?\s*", text or "", re.I)
    return float(match.group(1)) * units[match.group(2).lower()] if match else None


def _pins(settings: Settings, events_uri: str) -> list[Any]:
    from eventlake.io import registry

    client = registry.connect(settings.tracking_uri)
    return registry.pinned_events_versions(
        client,
        settings.ml.model_name,
        events_uri,
        settings.maintenance.pin_days,
        int(time.time() * 1000),
    )


def _commit_seconds(lake: Lake, name: str) -> dict[int, float]:
    from pyspark.sql import functions as F

    rows = lake.history(name).select("version", F.unix_micros("timestamp").alias("us")).collect()
    return {int(r["version"]): r["us"] / 1e6 for r in rows}


def _touched_partitions(lake: Lake, name: str, day: date, days: int) -> list[str]:
    from pyspark.sql import functions as F

    first = day - timedelta(days=days - 1)
    recent = lake.read(name).where(
        (F.col("processing_date") >= F.lit(first)) & (F.col("processing_date") <= F.lit(day))
    )
    column = OPTIMIZED[name]
    rows = recent.select(column).distinct().collect()
    return sorted(str(r[0]) for r in rows if r[0] is not None)


def _optimize(spark: Any, uri: str, report: TableReport, where: str | None) -> None:
    from delta.tables import DeltaTable

    builder = DeltaTable.forPath(spark, to_spark_path(uri)).optimize()
    if where:
        builder = builder.where(where)
    metrics = builder.executeCompaction().collect()[0]["metrics"]
    report.optimize_files_removed = int(metrics["numFilesRemoved"])
    report.optimize_files_added = int(metrics["numFilesAdded"])


def _keep_log_for(spark: Any, uri: str, hours: float) -> None:
    """Raise delta.logRetentionDuration so time travel reaches back `hours` (never lower it)."""
    needed_days = math.ceil(hours / 24) + 1
    path = to_spark_path(uri)
    detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0]
    current_text = (detail["properties"] or {}).get(LOG_RETENTION)
    current = interval_days(current_text) if current_text else DEFAULT_LOG_RETENTION_DAYS
    if current is not None and current >= needed_days:
        return
    if current is None:
        log.warning("%s: %s=%r not understood; left as is", uri, LOG_RETENTION, current_text)
        return
    log.info("%s: %s raised to %d days for pinned model versions", uri, LOG_RETENTION, needed_days)
    spark.sql(
        f"ALTER TABLE delta.`{path}` SET TBLPROPERTIES "
        f"('{LOG_RETENTION}' = 'interval {needed_days} days')"
    )


@contextmanager
def _session_confs(spark: Any, confs: dict[str, str]) -> Iterator[None]:
    """Set these Spark SQL confs for the block, then put back what the session had."""
    previous = {key: spark.conf.get(key, None) for key in confs}
    for key, value in confs.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def _vacuum(lake: Lake, name: str, hours: float, m: MaintenanceSettings) -> int | None:
    """VACUUM with `hours`; the number of files deleted when Delta logged it, else None."""
    from delta.tables import DeltaTable

    spark = lake.spark
    table = DeltaTable.forPath(spark, to_spark_path(lake.uri(name)))
    before = lake.version(name)
    # VACUUM lists the table's directories in this many tasks (Spark's default is 10,000).
    confs = {LISTING_PARALLELISM_CONF: str(m.vacuum_listing_tasks)}
    if check_retention(hours, m.allow_short_retention):
        confs[RETENTION_CHECK_CONF] = "false"
    with _session_confs(spark, confs):
        table.vacuum(hours)
    ends = (
        table.history()
        .where(f"version > {before} AND operation = 'VACUUM END'")
        .select("operationMetrics")
        .collect()
    )
    deleted = [int((r[0] or {}).get("numDeletedFiles", 0)) for r in ends]
    return sum(deleted) if ends else None


def run_maintain(
    settings: Settings, day: date, spark: Any = None, retention_hours: float | None = None
) -> MaintainResult:
    """OPTIMIZE and VACUUM every lake table that exists; see the module docstring."""
    from eventlake.spark import get_spark

    t0 = time.perf_counter()
    m = settings.maintenance
    configured = m.vacuum_retention_hours if retention_hours is None else retention_hours
    check_retention(configured, m.allow_short_retention)  # before any work
    result = MaintainResult(date=day.isoformat())
    # The registry first: if it cannot be read, nothing is deleted.
    pins = _pins(settings, table_uri(settings, "events"))
    spark = get_spark(settings, app_name="eventlake-maintain") if spark is None else spark
    lake = Lake(spark, settings.lake_uri)

    for name in VACUUMED:
        uri = lake.uri(name)
        if not lake.exists(name):
            continue
        report = TableReport(name)
        if name in OPTIMIZED:
            report.optimized_partitions = _touched_partitions(lake, name, day, m.optimize_days)
            if report.optimized_partitions:
                values = ", ".join(f"DATE'{p}'" for p in report.optimized_partitions)
                _optimize(spark, uri, report, f"{OPTIMIZED[name]} IN ({values})")
        elif name in OPTIMIZED_WHOLE:
            _optimize(spark, uri, report, None)
        report.retention_hours = configured
        if name == "events" and pins:
            commits = _commit_seconds(lake, name)
            kept = []
            for pin in pins:
                entry = {**asdict(pin), "readable": pin.events_version in commits}
                result.pins.append(entry)
                if pin.events_version in commits:
                    kept.append(commits[pin.events_version])
                else:
                    log.warning(
                        "model version %s was trained on events version %d, which the log no "
                        "longer has",
                        pin.model_version,
                        pin.events_version,
                    )
            report.retention_hours = events_retention_hours(configured, kept, time.time())
            _keep_log_for(spark, uri, report.retention_hours)
        report.vacuum_files_deleted = _vacuum(lake, name, report.retention_hours, m)
        result.tables.append(report)
        log.info("maintain %s: %s", name, json.dumps(asdict(report)))
    result.seconds = round(time.perf_counter() - t0, 3)
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lake-uri", help="bucket prefix of the lake")
    parser.add_argument(
        "--date",
        help="last processing date whose partitions are optimized (YYYY-MM-DD; default today)",
    )
    parser.add_argument(
        "--retention-hours",
        type=float,
        help="VACUUM retention (default maintenance.vacuum_retention_hours)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    day = parse_date(args.date, "--date") if args.date else datetime.now(UTC).date()
    settings = settings.replace(lake_uri=args.lake_uri)
    result = run_maintain(settings, day, retention_hours=args.retention_hours)
    print(json.dumps(asdict(result), default=str))
    return 0
