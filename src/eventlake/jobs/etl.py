"""ETL for one processing date D: raw gzip logs -> Delta `events`, `quarantine`, `etl_runs`.

Loading semantics (see README, "Loading semantics"): the lake equals a replay, in date order,
of the latest drop of every processed date.
- quarantine: `overwrite` with `replaceWhere processing_date = D`, so a rerun replaces D's rows.
- events and duplicates: D's rows are replaced the same way; other dates' copies of the same
  event ids move between the two tables when this run changes which copy wins (jobs/replay.py).
- etl_runs: one appended row per run, whatever the outcome (except file-level faults, which
  stop the run before any write). Every commit carries the run id in its userMetadata.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from eventlake.contracts.drift import RESCUED_TYPE_CHANGE, UNKNOWN_FIELD, policy
from eventlake.contracts.rules import RULE_CODES, RuleContext, effective_rules
from eventlake.contracts.schemas import (
    COLUMN_SOURCES,
    ETL_RUNS_SCHEMA,
    EVENTS_PARTITION_COLUMNS,
    EVENTS_SCHEMA,
    EVENTS_TABLE_PROPERTIES,
    QUARANTINE_SCHEMA,
    RAW_FIELDS,
)
from eventlake.contracts.severity import Severity
from eventlake.dates import parse_date
from eventlake.errors import EventlakeError, GateFailed
from eventlake.io import lake
from eventlake.io.lineage import DatasetRef, LineageRun, with_versions
from eventlake.io.paths import raw_day_uri, table_uri
from eventlake.io.raw import RawFile, file_read_error, inspect_files, list_day_files, read_raw
from eventlake.io.recordcount import RecordCount, RecordCounts
from eventlake.io.secrets import hide_plan_literals, ip_hash_key
from eventlake.settings import Settings
from eventlake.timing import Phases
from eventlake.transforms.drift import drift_codes
from eventlake.transforms.outcome import count_columns, quarantine_rows, slim

log = logging.getLogger(__name__)

# Counted in etl_runs.reason_counts: a duplicate whose payload differs from its winner's.
CONFLICTING_DUPLICATE = "conflicting_duplicate"
# Counted in etl_runs.reason_counts too: the drift policy's codes (contracts/drift.py).
DRIFT_CODES = (UNKNOWN_FIELD, RESCUED_TYPE_CHANGE)


class AccountingError(EventlakeError):
    """The counts do not add up: a file's records counted from its bytes differ from what
    Spark parsed, rows_read != rows_clean + rows_quarantined + duplicates_removed, or a Delta
    commit wrote another number of rows than the run counted."""


@dataclass
class EtlResult:
    run_id: str
    processing_date: str
    status: str
    gate_passed: bool
    message: str
    rows_read: int = 0
    rows_clean: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    # Other dates' copies this run moved from `duplicates` into `events` (their winner left)
    rows_restored: int = 0
    quarantine_ratio: float = 0.0
    reason_counts: dict[str, int] = field(default_factory=dict)
    # rescued field name -> rows of the run that carried it (contracts/drift.py)
    rescued_fields: dict[str, int] = field(default_factory=dict)
    events_version: int | None = None
    quarantine_version: int | None = None
    events_rows_written: int | None = None
    quarantine_rows_written: int | None = None
    # The Parquet bytes those commits wrote (numOutputBytes; 0 for a commit that only
    # deletes): the lineage facets' `bytes`, not kept in etl_runs.
    events_bytes_written: int | None = None
    quarantine_bytes_written: int | None = None
    duplicates_version: int | None = None
    duplicates_rows_written: int | None = None
    files: list[dict[str, object]] = field(default_factory=list)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)
    # The anomaly checks evaluated (quality/anomaly.py CheckResult rows), the dq_metrics
    # version written, and the run report's location (quality/report.py).
    dq_checks: list[dict[str, object]] = field(default_factory=list)
    dq_metrics_version: int | None = None
    report_uri: str | None = None


def _new_run_id() -> str:
    from openlineage.client.uuid import generate_new_uuid

    return str(generate_new_uuid())


def classify(raw_df, settings: Settings, day: date, run_id: str, ingested_at: str, ip_key):
    """Cleanse, type, derive and validate: every raw row, with `reasons` and flags."""
    from eventlake.transforms import derive
    from eventlake.transforms.cleanse import enrich_cleansed
    from eventlake.transforms.drift import with_drift_codes, with_type_drift
    from eventlake.transforms.validate import with_reasons

    rules = effective_rules(settings.etl.severity_overrides)
    drift = policy(settings.etl.drift_policy)
    ctx = RuleContext(day.isoformat(), settings.etl.future_tolerance_days)
    return (
        raw_df.transform(with_type_drift, drift)
        .transform(enrich_cleansed)
        .transform(derive.with_event_time)
        .transform(derive.with_amount)
        .transform(derive.with_event_category)
        .transform(derive.with_is_high_value, settings.etl.high_value_threshold)
        .transform(derive.with_personal_fields_protected, ip_key)
        .transform(derive.with_provenance, day.isoformat(), run_id, ingested_at)
        .transform(with_reasons, rules, ctx)
        .transform(with_drift_codes, drift)
    )


def _stats(flagged_df, dq_groups: list | None = None) -> list[dict[str, Any]]:
    """All the run's counts in one pass, per source file; with `dq_groups`, the same pass
    also computes the data-quality metrics' groups into it (eventlake.quality.metrics)."""
    aggs = count_columns((*RULE_CODES, *DRIFT_CODES), CONFLICTING_DUPLICATE)
    if dq_groups is not None:
        from eventlake.quality.metrics import grouped

        per_file, groups = grouped(flagged_df, aggs)
        dq_groups.extend(groups)
        return per_file
    return [row.asDict() for row in flagged_df.groupBy("_source_file").agg(*aggs).collect()]


def _rescued_counts(flagged_df) -> dict[str, int]:
    """Rescued field name -> the rows of the run that carried it (any outcome: clean,
    duplicate or quarantined by another rule)."""
    from pyspark.sql import functions as F

    rows = (
        flagged_df.where(F.col("_rescued").isNotNull())
        .select(F.explode(F.map_keys("_rescued")).alias("field"))
        .groupBy("field")
        .count()
        .collect()
    )
    return {str(r["field"]): int(r["count"]) for r in sorted(rows, key=lambda r: r["field"])}


def run_record(result: EtlResult, **provenance: Any) -> dict[str, Any]:
    """The `etl_runs` row of `result`, one value per column of ETL_RUNS_SCHEMA: from the
    result's field of that name, or from `provenance` for what a result does not hold (when
    and where the run ran: started_at, finished_at, max_reject_ratio, openlineage_run_id,
    raw_uri, lake_uri). A column both or neither name is a TypeError: one shape, the schema's."""
    own = {f.name for f in fields(EtlResult)}
    columns = ETL_RUNS_SCHEMA.fieldNames()
    row: dict[str, Any] = {}
    for column in columns:
        if (column in own) == (column in provenance):
            where = "both EtlResult and the provenance" if column in own else "neither"
            raise TypeError(f"etl_runs column {column!r} is named by {where}")
        row[column] = provenance[column] if column in provenance else getattr(result, column)
    unknown = sorted(set(provenance) - set(columns))
    if unknown:
        raise TypeError(f"not etl_runs columns: {unknown}")
    row["processing_date"] = date.fromisoformat(result.processing_date)
    row["dq_checks"] = result.dq_checks or None  # null, not [], with etl.dq_metrics off
    return row


def _write_run_record(
    spark,
    settings: Settings,
    result: EtlResult,
    started: datetime,
    max_ratio: float,
    lineage_run_id: str,
) -> None:
    row = run_record(
        result,
        started_at=started.replace(tzinfo=None),
        finished_at=datetime.now(UTC).replace(tzinfo=None),
        max_reject_ratio=float(max_ratio),
        openlineage_run_id=lineage_run_id,
        raw_uri=settings.raw_uri,
        lake_uri=settings.lake_uri,
    )
    # mergeSchema: a table made before a column was added gains it (etl_runs only grows).
    runs_df = spark.createDataFrame([row], ETL_RUNS_SCHEMA)
    lake.append(
        runs_df,
        table_uri(settings, "etl_runs"),
        merge_schema=True,
        user_metadata=lake.commit_metadata(result.run_id, result.processing_date, "etl_runs"),
    )


def rows_written(metrics: dict[str, str]) -> int:
    """The rows of this run a Delta WRITE commit wrote, from its `operationMetrics`:
    numOutputRows less numCopiedRows.

    A replaceWhere that deletes rows from a file holding rows of other dates (a late event in
    a compacted partition) rewrites that file: its kept rows count in numOutputRows as
    numCopiedRows, and are not rows of this run. A replaceWhere that only deletes (a rerun
    whose rows are all quarantined now, a restore commit when no copy stays) adds no file:
    Delta 4.0 then writes numFiles 0 and numRemovedFiles but no numOutputRows, and it wrote
    0 rows. Any other commit without numOutputRows counts -1, which no run's count equals."""
    only_deletes = metrics.get("numFiles") == "0" and "numOutputRows" not in metrics
    output = "0" if only_deletes else metrics.get("numOutputRows", "-1")
    return int(output) - int(metrics.get("numCopiedRows", "0"))


def _reconcile(result: EtlResult, table: str, uri: str, before: int | None) -> str | None:
    """Set `<table>_rows_written` from the Delta commit that made `<table>_version`
    (numOutputRows less numCopiedRows); a message when it differs from the rows the run
    counted for it: rows_quarantined, or rows_clean plus rows_restored (other dates' copies
    the events commit writes back, jobs/replay.py)."""
    if table == "events":
        counted = f"rows_clean {result.rows_clean} + rows_restored {result.rows_restored}"
        expected = result.rows_clean + result.rows_restored
    else:
        counted = f"rows_quarantined {result.rows_quarantined}"
        expected = result.rows_quarantined
    version = getattr(result, f"{table}_version")
    # A write that adds and removes nothing makes no commit: the version stays `before`.
    metrics = lake.commit_metrics(uri, version) if version != before else {"numOutputRows": "0"}
    written = rows_written(metrics)
    setattr(result, f"{table}_rows_written", written)
    setattr(result, f"{table}_bytes_written", int(metrics.get("numOutputBytes", "0")))
    if written == expected:
        return None
    return (
        f"the {table} commit (version {version} of {uri}) wrote {written} rows "
        f"(numOutputRows less numCopiedRows) but the run counted {counted}; this is a bug: "
        f"report it with the run_id, and restore the table to version {version - 1} if needed"
    )


def _reconcile_duplicates(result: EtlResult, uri: str, commits) -> str | None:
    """Set `duplicates_version` and `duplicates_rows_written` from the duplicates commits
    (jobs/replay.py `Written.duplicates_commits`); a message when a commit wrote another
    number of rows (numOutputRows less numCopiedRows) than the run counted for it: the
    first, duplicates_removed plus the other dates' copies the contest keeps there; the
    restore commit, the copies that stay."""
    total = 0
    for i, (before, version, lake_rows) in enumerate(commits):
        metrics = lake.commit_metrics(uri, version) if version != before else {"numOutputRows": "0"}
        written = rows_written(metrics)
        total += written
        result.duplicates_version = version
        result.duplicates_rows_written = total
        if i == 0:
            expected = result.duplicates_removed + lake_rows
            counted = (
                f"duplicates_removed {result.duplicates_removed} + {lake_rows} other dates' "
                f"copies kept in duplicates"
            )
        else:
            expected, counted = lake_rows, f"{lake_rows} other dates' copies that stay"
        if written != expected:
            return (
                f"the duplicates commit (version {version} of {uri}) wrote {written} rows "
                f"(numOutputRows less numCopiedRows) but the run counted {counted}; this is a "
                f"bug: report it with the run_id, and restore the table to version "
                f"{version - 1} if needed"
            )
    return None


def run_etl(
    settings: Settings, day: date, max_reject_ratio: float | None = None, spark=None
) -> EtlResult:
    """Run the ETL for processing date `day`, holding the lake's lease (io/lease.py). Raises
    InputError (file faults, no files), AccountingError, or LakeBusy (another run holds the
    lake past etl.lease_wait_seconds). A failed quality gate (quarantine ratio, a
    fail-severity rule) is an outcome, not an error: it is recorded in `etl_runs` and
    returned (`gate_passed` False), and the events table is left unchanged."""
    from eventlake.io import lease

    owner = lease.default_owner(f"eventlake etl --date {day.isoformat()}")
    ttl, wait = settings.etl.lease_ttl_seconds, settings.etl.lease_wait_seconds
    with lease.hold(settings.lake_uri, owner, ttl, wait) as held:
        took_over = held.took_over
        return _run_etl(settings, day, max_reject_ratio, spark, took_over)


def _run_etl(
    settings: Settings, day: date, max_reject_ratio: float | None, spark, took_over
) -> EtlResult:
    from eventlake.jobs import replay
    from eventlake.spark import get_spark

    t0 = time.perf_counter()
    phases = Phases()
    phase = phases.lap

    max_ratio = settings.etl.max_reject_ratio if max_reject_ratio is None else max_reject_ratio
    run_id = _new_run_id()
    started = datetime.now(UTC)
    day_s = day.isoformat()
    events_uri = table_uri(settings, "events")
    quarantine_uri = table_uri(settings, "quarantine")
    runs_uri = table_uri(settings, "etl_runs")
    duplicates_uri = table_uri(settings, "duplicates")
    day_uri = raw_day_uri(settings, day)

    lineage = LineageRun(settings, "eventlake.etl", run_id, day)
    inputs = [DatasetRef(day_uri, tuple((n, "string") for n in RAW_FIELDS))]
    outputs = [
        DatasetRef(
            events_uri,
            tuple((f.name, f.dataType.simpleString()) for f in EVENTS_SCHEMA.fields),
            COLUMN_SOURCES,
            day_uri,
        ),
        DatasetRef(
            quarantine_uri,
            tuple((f.name, f.dataType.simpleString()) for f in QUARANTINE_SCHEMA.fields),
        ),
        DatasetRef(
            runs_uri, tuple((f.name, f.dataType.simpleString()) for f in ETL_RUNS_SCHEMA.fields)
        ),
    ]
    lineage.start(inputs, outputs)
    counts = None
    resolution = None
    result: EtlResult | None = None
    # Once a table may have been committed to, every way out leaves an etl_runs row.
    state = {"committed": False, "recorded": False}
    try:
        ip_key = ip_hash_key(settings)  # before any data is read: no key, no run
        found, skipped = list_day_files(day_uri, settings.raw.rule())
        files: list[RawFile] = inspect_files(found)
        # The independent record count runs in threads beside the Spark job below.
        if settings.etl.record_count:
            counts = RecordCounts((f.uri, f.format, f.size) for f in files)
        phase("list_files")
        spark = get_spark(settings) if spark is None else _reuse(spark, settings)
        hide_plan_literals(spark)
        phase("spark_session")
        cuts = counts.python_cuts() if counts is not None else {}
        raw_df = read_raw(spark, files, cuts, rescue=settings.etl.rescue_fields)
        classified = classify(raw_df, settings, day, run_id, started.isoformat(), ip_key)
        phase("plan")
        resolution = replay.resolve(
            spark,
            slim(classified),
            day,
            events_uri,
            duplicates_uri,
            settings.etl.dedupe_lookback_days,
            settings.etl.future_tolerance_days,
        )
        flagged = resolution.flagged_df
        dq_groups: list | None = [] if settings.etl.dq_metrics else None
        try:
            per_file = _stats(flagged, dq_groups)
        except Exception as exc:
            read_error = file_read_error(exc, files)
            if read_error is not None:
                raise read_error from None
            raise
        result = _account(
            files, per_file, counts.result() if counts is not None else None, run_id, day_s
        )
        if took_over:
            result.message = f"ok; took over the expired lake lease of {took_over['owner']}"
        for skipped_work in _measurement_only(settings):
            result.message += f"; {skipped_work}"
            log.warning("etl %s: %s", day_s, skipped_work)
        result.reason_counts[CONFLICTING_DUPLICATE] = sum(
            int(r[f"reason__{CONFLICTING_DUPLICATE}"] or 0) for r in per_file
        )
        result.rescued_fields = _rescued_counts(flagged)
        result.phase_seconds = phases.seconds  # filled on as the run goes
        result.skipped_files = skipped
        phase("parse_validate_count")
        # Tables are created only now, so a file fault above commits nothing at all.
        state["committed"] = True
        lake.ensure_table(
            spark, events_uri, EVENTS_SCHEMA, EVENTS_PARTITION_COLUMNS, EVENTS_TABLE_PROPERTIES
        )
        lake.ensure_table(spark, quarantine_uri, QUARANTINE_SCHEMA, ("processing_date",))
        lake.ensure_table(spark, runs_uri, ETL_RUNS_SCHEMA)
        phase("ensure_tables")

        severities = {r.code: r.severity for r in effective_rules(settings.etl.severity_overrides)}
        severities.update(drift_codes(policy(settings.etl.drift_policy)))
        fail_rules = [
            code
            for code, severity in severities.items()
            if severity == Severity.FAIL and result.reason_counts.get(code, 0) > 0
        ]
        quality = None
        if dq_groups is not None:
            from eventlake.quality.gate import judge

            quality = judge(spark, settings, day, dq_groups, result.rescued_fields)
            result.dq_checks = [r.as_row() for r in quality.checks]
            phase("dq_checks")
        anomalies = quality.failures if quality else []
        before = lake.version(spark, quarantine_uri)
        result.quarantine_version = lake.replace_where(
            quarantine_rows(flagged),
            quarantine_uri,
            f"processing_date = DATE'{day_s}'",
            lake.commit_metadata(run_id, day_s, "quarantine"),
        )
        mismatch = _reconcile(result, "quarantine", quarantine_uri, before)
        if mismatch:
            raise AccountingError(mismatch)  # recorded as a failed run below
        phase("write_quarantine")
        gate_fails = bool(fail_rules or result.quarantine_ratio > max_ratio or anomalies)
        if quality is not None:
            from eventlake.io.dq import write_metrics

            result.dq_metrics_version = write_metrics(
                spark, settings, day, run_id, quality.rows, not gate_fails
            )
            if quality.warnings:
                from eventlake.quality.gate import warning_message

                log.warning("etl %s: %s", day_s, warning_message(quality.warnings))
            phase("write_dq_metrics")
        if gate_fails:
            result.status = "failed" if fail_rules else "gate_failed"
            result.gate_passed = False
            result.message = (
                f"rules with severity 'fail' matched rows: {fail_rules}"
                if fail_rules
                else f"quarantine ratio {result.quarantine_ratio:.4f} exceeds max_reject_ratio "
                f"{max_ratio} ({result.rows_quarantined} of {result.rows_read} rows); "
                f"the events table was not changed — inspect {quarantine_uri}"
                if result.quarantine_ratio > max_ratio
                else _anomaly_message(anomalies)
            )
            result.seconds = time.perf_counter() - t0
            _write_run_record(spark, settings, result, started, max_ratio, run_id)
            state["recorded"] = True
            ins, outs = _quality_facets(inputs, outputs, result, quality, settings)
            lineage.fail(ins, outs, f"GateFailed: {gate_message(result)}")
            log.warning("etl %s: %s", day_s, gate_message(result))
            _write_report(settings, result)
            return result

        before = lake.version(spark, events_uri)
        written = replay.write(
            spark,
            resolution,
            day,
            events_uri,
            duplicates_uri,
            lambda step: lake.commit_metadata(run_id, day_s, step),
        )
        result.events_version = written.events_version
        # Counted from the contest's outcome, before the commit; the commit's own metrics
        # are the other side of the check.
        result.rows_restored = written.restored
        mismatch = _reconcile(result, "events", events_uri, before) or _reconcile_duplicates(
            result, duplicates_uri, written.duplicates_commits
        )
        if mismatch:
            raise AccountingError(mismatch)  # recorded as a failed run below
        if written.restored or written.demoted:
            result.message += (
                f"; other dates' copies restored to events: {written.restored}, "
                f"moved to duplicates: {written.demoted}"
            )
        phase("write_events")
        result.seconds = time.perf_counter() - t0
        _write_run_record(spark, settings, result, started, max_ratio, run_id)
        phase("write_run_record")
        versions = {events_uri: result.events_version, quarantine_uri: result.quarantine_version}
        outputs = with_versions(outputs, versions)
        lineage.complete(*_quality_facets(inputs, outputs, result, quality, settings))
        log.info("etl %s: %s", day_s, json.dumps(summary(result)))
        _write_report(settings, result)
        return result
    except Exception as exc:
        lineage.fail(inputs, outputs, f"{type(exc).__name__}: {exc}")
        if result is not None and state["committed"] and not state["recorded"]:
            _record_failure(spark, settings, result, started, max_ratio, run_id, exc, t0)
        raise
    finally:
        if counts is not None:
            counts.close()
        replay.release(resolution)


def _record_failure(spark, settings, result, started, max_ratio, run_id, exc, t0) -> None:
    """Append a `failed` run record for a run that broke after its first commit, so the gate
    never reads an older run's verdict for this date. Its own failure is logged, not raised:
    the original error is the one the caller must see."""
    result.status, result.gate_passed = "failed", False
    result.message = f"run failed after its first commit: {type(exc).__name__}: {exc}"[:2000]
    result.seconds = time.perf_counter() - t0
    try:
        _write_run_record(spark, settings, result, started, max_ratio, run_id)
    except Exception:
        log.exception("etl %s: could not record the failed run %s", result.processing_date, run_id)


def _quality_facets(inputs, outputs, result, quality, settings):
    """The lineage datasets with the OpenLineage data-quality facets (quality/facets.py)."""
    if quality is None:
        return inputs, outputs
    from eventlake.quality.facets import with_quality_facets

    return with_quality_facets(inputs, outputs, result, quality, settings)


def _anomaly_message(anomalies) -> str:
    from eventlake.quality.gate import failure_message

    return f"{failure_message(anomalies)}; the events table was not changed"


def _write_report(settings: Settings, result: EtlResult) -> None:
    """The run's HTML page (quality/report.py). The run's data and record are committed by
    now: a report that cannot be written is logged, and `eventlake report` makes it again."""
    if not settings.etl.dq_metrics:
        return
    import importlib.util

    if importlib.util.find_spec("deltalake") is None:
        # EMR: the job's archive has no deltalake; the DAG's quality_gate task writes the page.
        log.info(
            "etl %s: no deltalake here, the quality gate writes the run report",
            result.processing_date,
        )
        return
    try:
        from eventlake.quality.report import write_run_report

        result.report_uri = write_run_report(settings, result.processing_date, result.run_id)
    except Exception:
        log.exception(
            "etl %s: could not write the run report; run `eventlake report --date %s`",
            result.processing_date,
            result.processing_date,
        )


def _measurement_only(settings: Settings) -> list[str]:
    """What a run with a measurement-only setting off (the bench's --count-cost) did not
    check or keep, said in its etl_runs message and log."""
    out = []
    if not settings.etl.record_count:
        out.append(
            "INDEPENDENT CHECK SKIPPED: etl.record_count is off (for measurement only), so no "
            "record was counted from the bytes, rows_read is Spark's own count and nothing "
            "compared it"
        )
    if not settings.etl.rescue_fields:
        out.append(
            "UNKNOWN FIELDS NOT KEPT: etl.rescue_fields is off (for measurement only), so the "
            "JSON lines' unknown fields were dropped without _rescued or a count"
        )
    return out


def _reuse(spark, settings: Settings):
    from eventlake.spark import apply_s3_endpoint

    apply_s3_endpoint(spark, settings)
    return spark


def _account(
    files: list[RawFile],
    per_file: list[dict[str, Any]],
    counted: dict[str, RecordCount] | None,
    run_id: str,
    day_s: str,
) -> EtlResult:
    """Check every file's records counted from its bytes against what Spark parsed, add up
    the per-file counts and check rows_read = clean + quarantined + duplicates. `counted`
    None (etl.record_count off, for measurement only): no byte count, no per-file check."""
    by_file = {str(r["_source_file"]): r for r in per_file}
    unknown = set(by_file) - {f.uri for f in files}
    if unknown:
        raise AccountingError(f"rows from files that were not listed: {sorted(unknown)}")

    def parsed(uri: str) -> int:
        return int(by_file.get(uri, {}).get("rows_read", 0) or 0)  # type: ignore[call-overload]

    if counted is None:
        return _add_up(files, per_file, {f.uri: None for f in files}, run_id, day_s)
    _check_files(files, counted, by_file, parsed)
    return _add_up(files, per_file, {f.uri: counted[f.uri].records for f in files}, run_id, day_s)


def _check_files(
    files: list[RawFile],
    counted: dict[str, RecordCount],
    by_file: dict[str, dict[str, Any]],
    parsed: Callable[[str], int],
) -> None:
    """The per-file checks of `_account`: records, and records with bad text."""
    differ = [
        f"{f.uri}: {counted[f.uri].records} records counted from its bytes, {parsed(f.uri)} "
        f"parsed by Spark"
        for f in files
        if counted[f.uri].records != parsed(f.uri)
    ]
    if differ:
        raise AccountingError(
            "record counts differ, nothing was written: "
            + "; ".join(differ)
            + ". Check the file's quoting and line ends (LF or CRLF), or report it with the "
            "file attached"
        )

    def flagged(uri: str) -> int:
        return int(by_file.get(uri, {}).get("reason__invalid_encoding", 0) or 0)  # type: ignore[call-overload]

    # The records whose bytes are not UTF-8 (CSV: or hold U+FFFD, as a decoder's output
    # would), counted from the bytes, are the rows the readers flagged invalid_encoding.
    what = {
        "json": "lines that are not UTF-8",
        "csv": "records that are not UTF-8 or hold U+FFFD",
    }
    bad_text = [
        f"{f.uri}: {counted[f.uri].invalid_utf8} {what[f.format]} counted from its bytes, "
        f"{flagged(f.uri)} rows flagged invalid_encoding"
        for f in files
        if counted[f.uri].invalid_utf8 != flagged(f.uri)
    ]
    if bad_text:
        raise AccountingError(
            "encoding counts differ, nothing was written: " + "; ".join(bad_text) + ". "
            "Check the file's line ends (LF or CRLF) and that it is UTF-8, or report it with the "
            "file attached"
        )


def _add_up(
    files: list[RawFile],
    per_file: list[dict[str, Any]],
    records: dict[str, int | None],
    run_id: str,
    day_s: str,
) -> EtlResult:
    """The run's counts from the per-file ones; `records`: each file's records counted from
    its bytes (None: not counted, rows_read is then Spark's)."""

    def total(key: str) -> int:
        return sum(int(r[key] or 0) for r in per_file)

    result = EtlResult(
        run_id=run_id, processing_date=day_s, status="succeeded", gate_passed=True, message="ok"
    )
    counted = [n for n in records.values() if n is not None]
    # The byte count (= Spark's, checked by _check_files); Spark's when there is none.
    result.rows_read = sum(counted) if len(counted) == len(records) else total("rows_read")
    result.rows_clean = total("rows_clean")
    result.rows_quarantined = total("rows_quarantined")
    result.duplicates_removed = total("duplicates_removed")
    result.reason_counts = {code: total(f"reason__{code}") for code in (*RULE_CODES, *DRIFT_CODES)}
    result.quarantine_ratio = (
        result.rows_quarantined / result.rows_read if result.rows_read else 0.0
    )
    result.files = [
        {
            "path": f.uri,
            "size": f.size,
            "checksum": f.checksum,
            "format": f.format,
            "records": records[f.uri],
        }
        for f in files
    ]
    accounted = result.rows_clean + result.rows_quarantined + result.duplicates_removed
    if accounted != result.rows_read:
        raise AccountingError(
            f"rows_read {result.rows_read} != rows_clean {result.rows_clean} + rows_quarantined "
            f"{result.rows_quarantined} + duplicates_removed {result.duplicates_removed}"
        )
    return result


def gate_message(result: EtlResult) -> str:
    """The one line that says why the run's quality gate stopped it."""
    return f"ETL for {result.processing_date} stopped by its quality gate: {result.message}"


def summary(result: EtlResult) -> dict[str, object]:
    out = asdict(result)
    out.pop("files")
    out["skipped_files"] = len(result.skipped_files)
    out["dq_checks"] = {
        o: sum(1 for c in result.dq_checks if c["outcome"] == o)
        for o in ("ok", "warn", "fail", "no_history")
    }
    out["reason_counts"] = {k: v for k, v in result.reason_counts.items() if v}
    return out


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="processing date D (YYYY-MM-DD)")
    parser.add_argument("--raw-uri", help="bucket prefix of the raw logs (file:// or s3://)")
    parser.add_argument("--lake-uri", help="bucket prefix of the lake")
    parser.add_argument("--max-reject-ratio", type=float, help="quarantine ratio gate")


def run(args: argparse.Namespace, settings: Settings) -> EtlResult:
    """The job as the DAG runs it: the run and its gate verdict are recorded in `etl_runs`,
    and a failed gate is not an error (the DAG's `quality_gate` task reads the verdict).
    The summary is in the job's log (`run_etl` logs it), once."""
    day = parse_date(args.date, "--date")
    settings = settings.replace(raw_uri=args.raw_uri, lake_uri=args.lake_uri)
    return run_etl(settings, day, args.max_reject_ratio)


def main(args: argparse.Namespace, settings: Settings) -> int:
    """`eventlake etl` at a terminal: as `run`, the summary as one JSON line on stdout, and a
    failed gate exits 3 with its reason."""
    result = run(args, settings)
    print(json.dumps(summary(result), default=str))
    if not result.gate_passed:
        raise GateFailed(gate_message(result))
    return 0
