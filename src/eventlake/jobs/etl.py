"""ETL for one processing date D: raw gzip logs -> Delta `events`, `quarantine`, `etl_runs`.

Loading semantics (see README, "Loading semantics"): the lake equals a replay, in date order,
of the latest drop of every processed date.
- quarantine: `overwrite` with `replaceWhere processing_date = D`, so a rerun replaces D's rows.
- events and duplicates: D's rows are replaced the same way; other dates' copies of the same
  event ids move between the two tables when this run changes which copy wins (jobs/replay.py).
- etl_runs: one appended row per run, whatever the outcome (except file-level faults, which
  stop the run before any write). Every commit carries the run id in its userMetadata.

`_run_etl` is the run's steps in order, each a function below it. The checks that the counts
add up are in jobs/etl_accounting.py (AccountingError); the run's shared state (EtlRun), its
result (EtlResult) and what it records (etl_runs, lineage, report) in jobs/etl_record.py. The
transforms it chains are transforms/classify.py and transforms/counts.py.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import UTC, date, datetime
from typing import Any

from eventlake.contracts.drift import policy
from eventlake.contracts.rules import RuleContext, effective_rules
from eventlake.contracts.severity import Severity
from eventlake.dates import parse_date
from eventlake.errors import GateFailed
from eventlake.io.lake import commit_metadata
from eventlake.io.lineage import LineageRun, with_versions
from eventlake.io.paths import raw_day_uri, table_uri
from eventlake.io.raw import read_raw
from eventlake.io.raw_files import RawFile, file_read_error, inspect_files, list_day_files
from eventlake.io.recordcount import RecordCounts
from eventlake.io.secrets import hide_plan_literals, ip_hash_key
from eventlake.jobs import etl_accounting, etl_record
from eventlake.jobs.etl_accounting import AccountingError
from eventlake.jobs.etl_record import EtlResult, EtlRun, gate_message, summary
from eventlake.settings import Settings
from eventlake.timing import Phases
from eventlake.transforms.classify import classify
from eventlake.transforms.counts import CONFLICTING_DUPLICATE, counts_per_file, rescued_counts
from eventlake.transforms.drift import drift_codes
from eventlake.transforms.outcome import quarantine_rows, slim

log = logging.getLogger(__name__)


def _new_run_id() -> str:
    from openlineage.client.uuid import generate_new_uuid

    return str(generate_new_uuid())


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

    run = _start(settings, day, max_reject_ratio)
    try:
        classified, files, skipped = _read(run, spark)
        result, flagged, dq_groups = _count(run, classified, files, skipped, took_over)
        _ensure_tables(run)
        fail_rules = _fail_rules(settings, result)
        quality = _judge(run, result, dq_groups)
        anomalies = quality.failures if quality else []
        _write_quarantine(run, result, flagged)
        gate_fails = bool(fail_rules or result.quarantine_ratio > run.max_ratio or anomalies)
        _write_dq_metrics(run, result, quality, gate_fails)
        if gate_fails:
            return _stop_at_gate(run, result, fail_rules, anomalies, quality)
        _write_events(run, result)
        return _finish(run, result, quality)
    except Exception as exc:
        run.lineage.fail(run.inputs, run.outputs, f"{type(exc).__name__}: {exc}")
        if run.result is not None and run.committed and not run.recorded:
            run.record_failure(run.result, exc)
        raise
    finally:
        if run.counts is not None:
            run.counts.close()
        replay.release(run.resolution)


def _start(settings: Settings, day: date, max_reject_ratio: float | None) -> EtlRun:
    """The run's clock, ids and tables, and its lineage run started."""
    phases = Phases()
    max_ratio = settings.etl.max_reject_ratio if max_reject_ratio is None else max_reject_ratio
    run_id = _new_run_id()
    started = datetime.now(UTC)
    uri = {t: table_uri(settings, t) for t in ("events", "quarantine", "etl_runs", "duplicates")}
    day_uri = raw_day_uri(settings, day)
    lineage = LineageRun(settings, "eventlake.etl", run_id, day)
    inputs, outputs = etl_record.lineage_datasets(day_uri, uri)
    lineage.start(inputs, outputs)
    return EtlRun(
        settings, day, max_ratio, run_id, started, phases, day_uri, uri, lineage, inputs, outputs
    )


def _read(run: EtlRun, spark) -> tuple[Any, list[RawFile], list[dict[str, str]]]:
    """List and inspect D's files, start their record count, and plan their classified rows."""
    from eventlake.spark import get_spark

    settings = run.settings
    ip_key = ip_hash_key(settings)  # before any data is read: no key, no run
    found, skipped = list_day_files(run.day_uri, settings.raw.rule())
    files: list[RawFile] = inspect_files(found)
    # The independent record count runs in threads beside the Spark job below.
    if settings.etl.record_count:
        run.counts = RecordCounts((f.uri, f.format, f.size) for f in files)
    run.phases.lap("list_files")
    run.spark = get_spark(settings) if spark is None else _reuse(spark, settings)
    hide_plan_literals(run.spark)
    run.phases.lap("spark_session")
    cuts = run.counts.python_cuts() if run.counts is not None else {}
    raw_df = read_raw(run.spark, files, cuts, rescue=settings.etl.rescue_fields)
    classified = classify(
        raw_df,
        effective_rules(settings.etl.severity_overrides),
        policy(settings.etl.drift_policy),
        RuleContext(run.day_s, settings.etl.future_tolerance_days),
        settings.etl.high_value_threshold,
        ip_key,
        run.run_id,
        run.started.isoformat(),
    )
    run.phases.lap("plan")
    return classified, files, skipped


def _count(
    run: EtlRun, classified, files: list[RawFile], skipped: list[dict[str, str]], took_over
) -> tuple[EtlResult, Any, list | None]:
    """Flag the duplicates, count everything in one pass and check the counts: the run's
    result (also `run.result`), its flagged rows and the data-quality metrics' groups."""
    from eventlake.jobs import replay

    settings = run.settings
    run.resolution = replay.resolve(
        run.lake,
        slim(classified),
        run.day,
        settings.etl.dedupe_lookback_days,
        settings.etl.future_tolerance_days,
    )
    flagged = run.resolution.flagged_df
    dq_groups: list | None = [] if settings.etl.dq_metrics else None
    try:
        per_file = counts_per_file(flagged, dq_groups)
    except Exception as exc:
        read_error = file_read_error(exc, files)
        if read_error is not None:
            raise read_error from None
        raise
    counted = run.counts.result() if run.counts is not None else None
    result = run.result = etl_accounting.account(files, per_file, counted, run.run_id, run.day_s)
    if took_over:
        result.message = f"ok; took over the expired lake lease of {took_over['owner']}"
    for skipped_work in etl_accounting.measurement_only(settings):
        result.message += f"; {skipped_work}"
        log.warning("etl %s: %s", run.day_s, skipped_work)
    result.reason_counts[CONFLICTING_DUPLICATE] = sum(
        int(r[f"reason__{CONFLICTING_DUPLICATE}"] or 0) for r in per_file
    )
    result.rescued_fields = rescued_counts(flagged)
    result.phase_seconds = run.phases.seconds  # filled on as the run goes
    result.skipped_files = skipped
    run.phases.lap("parse_validate_count")
    return result, flagged, dq_groups


def _ensure_tables(run: EtlRun) -> None:
    # Tables are created only now, so a file fault above commits nothing at all.
    run.committed = True
    run.lake.ensure("events", "quarantine", "etl_runs")
    run.phases.lap("ensure_tables")


def _fail_rules(settings: Settings, result: EtlResult) -> list[str]:
    """The rules and drift codes of severity `fail` that matched rows."""
    severities = {r.code: r.severity for r in effective_rules(settings.etl.severity_overrides)}
    severities.update(drift_codes(policy(settings.etl.drift_policy)))
    return [
        code
        for code, severity in severities.items()
        if severity == Severity.FAIL and result.reason_counts.get(code, 0) > 0
    ]


def _judge(run: EtlRun, result: EtlResult, dq_groups: list | None):
    """The anomaly checks over the run's data-quality metrics (None with etl.dq_metrics off)."""
    if dq_groups is None:
        return None
    from eventlake.quality.gate import judge

    quality = judge(run.spark, run.settings, run.day, dq_groups, result.rescued_fields)
    result.dq_checks = [r.as_row() for r in quality.checks]
    run.phases.lap("dq_checks")
    return quality


def _write_quarantine(run: EtlRun, result: EtlResult, flagged) -> None:
    before = run.lake.version("quarantine")
    result.quarantine_version = run.lake.replace(
        "quarantine",
        quarantine_rows(flagged),
        f"processing_date = DATE'{run.day_s}'",
        commit_metadata(run.run_id, run.day_s, "quarantine"),
    )
    mismatch = etl_accounting.reconcile(result, run.lake, "quarantine", before)
    if mismatch:
        raise AccountingError(mismatch)  # recorded as a failed run by _run_etl
    run.phases.lap("write_quarantine")


def _write_dq_metrics(run: EtlRun, result: EtlResult, quality, gate_fails: bool) -> None:
    if quality is None:
        return
    from eventlake.io.dq import write_metrics

    result.dq_metrics_version = write_metrics(
        run.spark, run.settings, run.day, run.run_id, quality.rows, not gate_fails
    )
    if quality.warnings:
        from eventlake.quality.gate import warning_message

        log.warning("etl %s: %s", run.day_s, warning_message(quality.warnings))
    run.phases.lap("write_dq_metrics")


def _stop_at_gate(run: EtlRun, result: EtlResult, fail_rules, anomalies, quality) -> EtlResult:
    """Record the gate's verdict and end the run before the events table is changed."""
    from eventlake.quality.gate import failure_message

    result.status = "failed" if fail_rules else "gate_failed"
    result.gate_passed = False
    result.message = (
        f"rules with severity 'fail' matched rows: {fail_rules}"
        if fail_rules
        else f"quarantine ratio {result.quarantine_ratio:.4f} exceeds max_reject_ratio "
        f"{run.max_ratio} ({result.rows_quarantined} of {result.rows_read} rows); "
        f"the events table was not changed — inspect {run.uri['quarantine']}"
        if result.quarantine_ratio > run.max_ratio
        else f"{failure_message(anomalies)}; the events table was not changed"
    )
    result.seconds = run.phases.elapsed()
    run.record(result)
    run.recorded = True
    ins, outs = etl_record.quality_facets(run.inputs, run.outputs, result, quality, run.settings)
    run.lineage.fail(ins, outs, f"GateFailed: {gate_message(result)}")
    log.warning("etl %s: %s", run.day_s, gate_message(result))
    etl_record.write_report(run.settings, result)
    return result


def _write_events(run: EtlRun, result: EtlResult) -> None:
    """D's winners into events, the rest into duplicates (jobs/replay.py), and their commits
    checked against the run's counts."""
    from eventlake.jobs import replay

    before = run.lake.version("events")
    written = replay.write(
        run.lake,
        run.resolution,
        run.day,
        lambda step: commit_metadata(run.run_id, run.day_s, step),
    )
    result.events_version = written.events_version
    # Counted from the contest's outcome, before the commit; the commit's own metrics
    # are the other side of the check.
    result.rows_restored = written.restored
    mismatch = etl_accounting.reconcile(
        result, run.lake, "events", before
    ) or etl_accounting.reconcile_duplicates(result, run.lake, written.duplicates_commits)
    if mismatch:
        raise AccountingError(mismatch)  # recorded as a failed run by _run_etl
    if written.restored or written.demoted:
        result.message += (
            f"; other dates' copies restored to events: {written.restored}, "
            f"moved to duplicates: {written.demoted}"
        )
    run.phases.lap("write_events")


def _finish(run: EtlRun, result: EtlResult, quality) -> EtlResult:
    """Record the run, complete its lineage run with the tables' versions, log and report."""
    result.seconds = run.phases.elapsed()
    run.record(result)
    # The verdict is that row now: a later fault (lineage, the report) fails the job but
    # appends no second, contradicting `failed` row for the run.
    run.recorded = True
    run.phases.lap("write_run_record")
    versions = {
        run.uri["events"]: result.events_version,
        run.uri["quarantine"]: result.quarantine_version,
    }
    run.outputs = with_versions(run.outputs, versions)
    run.lineage.complete(
        *etl_record.quality_facets(run.inputs, run.outputs, result, quality, run.settings)
    )
    log.info("etl %s: %s", run.day_s, json.dumps(summary(result)))
    etl_record.write_report(run.settings, result)
    return result


def _reuse(spark, settings: Settings):
    from eventlake.spark import apply_s3_endpoint

    apply_s3_endpoint(spark, settings)
    return spark


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
