"""JVM-free reads of the lake's Delta tables, for the thin tasks that run in the Airflow worker
(the quality gate, the run report, the reconcile check, validate-output), and the run in
charge of a date (`latest_run`: its `etl_runs` row, found from the tables' commits).

One place builds what the `deltalake` package (delta-rs, Rust) needs to reach a table: the
path or s3:// URL and the storage options (endpoint, plain HTTP for a local S3-API server,
region). Queries go through deltalake's DataFusion `QueryBuilder`, not `to_pyarrow_table`: a
pyarrow dataset scan leaves threads that abort the process at exit ("terminate called without
an active exception", delta-rs#2184, apache/arrow#34314), which was measured at 16 of 20 runs
with MWAA's pyarrow 18.1.0 and 1 of 10 with pyarrow 25.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from eventlake.errors import GateFailed, InputError
from eventlake.io.bucket import local_path, scheme
from eventlake.io.commits import (
    CHARGE_TABLES,
    Commit,
    no_record_message,
    parse_commit,
    row_in_charge,
    run_in_charge,
)
from eventlake.io.paths import table_uri

if TYPE_CHECKING:
    from deltalake import DeltaTable

    from eventlake.settings import Settings


def storage_options(settings: Settings) -> dict[str, str]:
    """deltalake's options for the bucket of these settings: the endpoint when one is set
    (plain HTTP allowed only for an http:// endpoint), and the region when one is set."""
    options: dict[str, str] = {}
    endpoint = settings.aws.endpoint_url
    if endpoint:
        options["AWS_ENDPOINT_URL"] = endpoint
        options["AWS_ALLOW_HTTP"] = str(endpoint.startswith("http://")).lower()
    if settings.aws.region:
        options["AWS_REGION"] = settings.aws.region
    return options


def location(uri: str, settings: Settings) -> tuple[str, dict[str, str]]:
    """What deltalake needs for a table URI: a local path (no options), or an s3:// URL and
    `storage_options`."""
    if scheme(uri) == "file":
        return str(local_path(uri)), {}
    return uri.replace("s3a://", "s3://", 1), storage_options(settings)


def open_table(uri: str, settings: Settings) -> DeltaTable | None:
    """The Delta table at `uri`, or None when there is none."""
    from deltalake import DeltaTable
    from deltalake.exceptions import TableNotFoundError

    path, options = location(uri, settings)
    try:
        return DeltaTable(path, storage_options=options or None)
    except TableNotFoundError:
        return None


def query(settings: Settings, table: str, sql: str) -> list[dict[str, Any]]:
    """Rows of `sql` over the lake table `table` (io/paths.TABLES), registered under its own
    name; [] when the table does not exist yet."""
    import pyarrow as pa
    from deltalake import QueryBuilder

    from eventlake.io.paths import table_uri

    delta = open_table(table_uri(settings, table), settings)
    if delta is None:
        return []
    result = QueryBuilder().register(table, delta).execute(sql).read_all()
    return pa.table(result).to_pylist()


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
