"""What an ETL run (jobs/etl.py) returns and leaves behind: `EtlResult`; `EtlRun`, the run as
its steps share it; its `etl_runs` row (one appended row per run, whatever the outcome), the
datasets of its lineage run, its HTML report, and the summary and gate line it logs."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime
from typing import Any

from eventlake.contracts.schemas import (
    COLUMN_SOURCES,
    ETL_RUNS_SCHEMA,
    EVENTS_SCHEMA,
    QUARANTINE_SCHEMA,
    RAW_FIELDS,
)
from eventlake.io.lake import Lake, commit_metadata
from eventlake.io.lineage import DatasetRef, LineageRun
from eventlake.io.recordcount import RecordCounts
from eventlake.settings import Settings
from eventlake.timing import Phases

# The stage's log: its lines read `eventlake.jobs.etl`, whichever of its modules writes them.
log = logging.getLogger("eventlake.jobs.etl")


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


@dataclass
class EtlRun:
    """One run as the steps of jobs/etl.py share it: its ids, tables, lineage and clock, and
    what the steps made so far. `committed`: a table may have been committed to, so every way
    out leaves an etl_runs row; `recorded`: the gate's verdict is that row."""

    settings: Settings
    day: date
    max_ratio: float
    run_id: str
    started: datetime
    phases: Phases
    day_uri: str
    uri: dict[str, str]  # table name -> its URI, for the lineage and the messages
    lineage: LineageRun
    inputs: list[DatasetRef]
    outputs: list[DatasetRef]
    spark: Any = None
    counts: RecordCounts | None = None
    resolution: Any = None
    result: EtlResult | None = None
    committed: bool = False
    recorded: bool = False

    @property
    def day_s(self) -> str:
        return self.day.isoformat()

    @property
    def lake(self) -> Lake:
        """The lake the run writes, through its Spark session (there once the files are read)."""
        return Lake(self.spark, self.settings.lake_uri)

    def record(self, result: EtlResult) -> None:
        """Append the run's `etl_runs` row."""
        write_run_record(
            self.spark, self.settings, result, self.started, self.max_ratio, self.run_id
        )

    def record_failure(self, result: EtlResult, exc: Exception) -> None:
        """Append a `failed` run record for a run that broke after its first commit, so the
        gate never reads an older run's verdict for this date. Its own failure is logged, not
        raised: the original error is the one the caller must see."""
        result.status, result.gate_passed = "failed", False
        result.message = f"run failed after its first commit: {type(exc).__name__}: {exc}"[:2000]
        result.seconds = self.phases.elapsed()
        try:
            self.record(result)
        except Exception:
            log.exception(
                "etl %s: could not record the failed run %s", result.processing_date, self.run_id
            )


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


def write_run_record(
    spark,
    settings: Settings,
    result: EtlResult,
    started: datetime,
    max_ratio: float,
    lineage_run_id: str,
) -> None:
    """Append the run's row to `etl_runs`, finished now."""
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
    Lake(spark, settings.lake_uri).append(
        "etl_runs",
        runs_df,
        merge_schema=True,
        user_metadata=commit_metadata(result.run_id, result.processing_date, "etl_runs"),
    )


def write_report(settings: Settings, result: EtlResult) -> None:
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


def lineage_datasets(
    day_uri: str, uri: dict[str, str]
) -> tuple[list[DatasetRef], list[DatasetRef]]:
    """The lineage run's input (D's raw folder) and outputs (events, quarantine, etl_runs;
    `uri`: table name -> its URI), with their fields and the events' column lineage."""
    inputs = [DatasetRef(day_uri, tuple((n, "string") for n in RAW_FIELDS))]
    outputs = [
        DatasetRef(
            uri["events"],
            tuple((f.name, f.dataType.simpleString()) for f in EVENTS_SCHEMA.fields),
            COLUMN_SOURCES,
            day_uri,
        ),
        DatasetRef(
            uri["quarantine"],
            tuple((f.name, f.dataType.simpleString()) for f in QUARANTINE_SCHEMA.fields),
        ),
        DatasetRef(
            uri["etl_runs"],
            tuple((f.name, f.dataType.simpleString()) for f in ETL_RUNS_SCHEMA.fields),
        ),
    ]
    return inputs, outputs


def quality_facets(inputs, outputs, result, quality, settings):
    """The lineage datasets with the OpenLineage data-quality facets (quality/facets.py)."""
    if quality is None:
        return inputs, outputs
    from eventlake.quality.facets import with_quality_facets

    return with_quality_facets(inputs, outputs, result, quality, settings)
