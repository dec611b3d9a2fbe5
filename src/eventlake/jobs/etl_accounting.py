"""The ETL's accounting: every file's records counted from its bytes against what Spark
parsed, rows_read = rows_clean + rows_quarantined + duplicates_removed, and each Delta commit's
rows against the run's counts. A check that fails raises (or returns the message of)
`AccountingError`: nothing is written after a count that does not add up. `measurement_only`
says what a run with a measurement-only setting off did not check."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eventlake.contracts.rules import RULE_CODES
from eventlake.errors import EventlakeError
from eventlake.io.raw_files import RawFile
from eventlake.io.recordcount import RecordCount
from eventlake.jobs.etl_record import EtlResult
from eventlake.settings import Settings
from eventlake.transforms.counts import DRIFT_CODES

if TYPE_CHECKING:
    from eventlake.io.lake import Lake


class AccountingError(EventlakeError):
    """The counts do not add up: a file's records counted from its bytes differ from what
    Spark parsed, rows_read != rows_clean + rows_quarantined + duplicates_removed, or a Delta
    commit wrote another number of rows than the run counted."""


def account(
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
    """The per-file checks of `account`: records, and records with bad text, each counted
    from the file's bytes against what Spark's readers made of them."""
    _refuse_differences(
        files,
        lambda f: (counted[f.uri].records, parsed(f.uri)),
        lambda f, ours, spark: f"{ours} records counted from its bytes, {spark} parsed by Spark",
        "record counts differ",
        "Check the file's quoting and line ends (LF or CRLF), or report it with the file attached",
    )

    def flagged(uri: str) -> int:
        return int(by_file.get(uri, {}).get("reason__invalid_encoding", 0) or 0)  # type: ignore[call-overload]

    # The records whose bytes are not UTF-8 (CSV: or hold U+FFFD, as a decoder's output
    # would), counted from the bytes, are the rows the readers flagged invalid_encoding.
    what = {
        "json": "lines that are not UTF-8",
        "csv": "records that are not UTF-8 or hold U+FFFD",
    }
    _refuse_differences(
        files,
        lambda f: (counted[f.uri].invalid_utf8, flagged(f.uri)),
        lambda f, ours, spark: (
            f"{ours} {what[f.format]} counted from its bytes, {spark} rows flagged invalid_encoding"
        ),
        "encoding counts differ",
        "Check the file's line ends (LF or CRLF) and that it is UTF-8, or report it with the "
        "file attached",
    )


def _refuse_differences(
    files: list[RawFile],
    pair: Callable[[RawFile], tuple[int, int]],
    describe: Callable[[RawFile, int, int], str],
    headline: str,
    advice: str,
) -> None:
    """An AccountingError listing every file whose two counts (`pair`: from its bytes, from
    Spark) differ; nothing when they agree for every file."""
    differ = []
    for f in files:
        ours, spark = pair(f)
        if ours != spark:
            differ.append(f"{f.uri}: {describe(f, ours, spark)}")
    if differ:
        raise AccountingError(
            f"{headline}, nothing was written: " + "; ".join(differ) + f". {advice}"
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


def measurement_only(settings: Settings) -> list[str]:
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


def reconcile(result: EtlResult, lake: Lake, table: str, before: int | None) -> str | None:
    """Set `<table>_rows_written` from the Delta commit that made `<table>_version` in `lake`
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
    metrics = lake.commit_metrics(table, version) if version != before else {"numOutputRows": "0"}
    written = rows_written(metrics)
    setattr(result, f"{table}_rows_written", written)
    setattr(result, f"{table}_bytes_written", int(metrics.get("numOutputBytes", "0")))
    if written == expected:
        return None
    return (
        f"the {table} commit (version {version} of {lake.uri(table)}) wrote {written} rows "
        f"(numOutputRows less numCopiedRows) but the run counted {counted}; this is a bug: "
        f"report it with the run_id, and restore the table to version {version - 1} if needed"
    )


def reconcile_duplicates(result: EtlResult, lake: Lake, commits) -> str | None:
    """Set `duplicates_version` and `duplicates_rows_written` from the `lake`'s duplicates commits
    (jobs/replay.py `Written.duplicates_commits`); a message when a commit wrote another
    number of rows (numOutputRows less numCopiedRows) than the run counted for it: the
    first, duplicates_removed plus the other dates' copies the contest keeps there; the
    restore commit, the copies that stay."""
    uri, total = lake.uri("duplicates"), 0
    for i, (before, version, lake_rows) in enumerate(commits):
        if version == before:  # a write that adds and removes nothing makes no commit
            metrics = {"numOutputRows": "0"}
        else:
            metrics = lake.commit_metrics("duplicates", version)
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
