"""JVM-free reads of the lake's Delta tables, for the thin tasks that run in the Airflow worker
(the quality gate, the run report, the reconcile check, validate-output).

One place builds what the `deltalake` package (delta-rs, Rust) needs to reach a table: the
path or s3:// URL and the storage options (endpoint, plain HTTP for a local S3-API server,
region). Queries go through deltalake's DataFusion `QueryBuilder`, not `to_pyarrow_table`: a
pyarrow dataset scan leaves threads that abort the process at exit ("terminate called without
an active exception", delta-rs#2184, apache/arrow#34314), which was measured at 16 of 20 runs
with MWAA's pyarrow 18.1.0 and 1 of 10 with pyarrow 25.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eventlake.io.bucket import local_path, scheme

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
