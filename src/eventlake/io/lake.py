"""The lake's catalog (in the manner of Kedro's DataCatalog): one `Table` per Delta table, with
its contract schema (contracts/schemas.py), partition columns and table properties, and
`Lake`, the one object that creates, reads and writes them, and tells a table's version.
A table's location is `<lake-uri>/<name>` (io/paths.table_location, which the JVM-free
io/lake_reader.py shares).

The functions after the class work on a table's URI: the catalog's primitives, public where
something needs them on a table the catalog does not describe (a test's old layout).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING

from eventlake.contracts.schemas import (
    DQ_METRICS_SCHEMA,
    DUPLICATES_PARTITION_COLUMNS,
    DUPLICATES_SCHEMA,
    ETL_RUNS_SCHEMA,
    EVENTS_PARTITION_COLUMNS,
    EVENTS_SCHEMA,
    EVENTS_TABLE_PROPERTIES,
    MODEL_ALIASES_SCHEMA,
    MONITORING_SCHEMA,
    PREDICTIONS_SCHEMA,
    QUARANTINE_SCHEMA,
)
from eventlake.io.bucket import to_spark_path
from eventlake.io.paths import table_location

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


@dataclass(frozen=True)
class Table:
    """One table of the lake: its name (and so its location), the schema it is made with (NOT
    NULL columns are then enforced by Delta on every write), its partition columns, and the
    Delta properties it is made with."""

    name: str
    schema: StructType
    partition_by: tuple[str, ...] = ()
    properties: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


# In io/paths.TABLES order. `predictions` and `model_monitoring` are made by their first
# write (`Lake.replace`, partitioned as declared here), not by `Lake.ensure`, as they always
# were: Delta then keeps every column nullable.
CATALOG: Mapping[str, Table] = MappingProxyType(
    {
        t.name: t
        for t in (
            Table(
                "events",
                EVENTS_SCHEMA,
                EVENTS_PARTITION_COLUMNS,
                MappingProxyType(dict(EVENTS_TABLE_PROPERTIES)),
            ),
            Table("quarantine", QUARANTINE_SCHEMA, ("processing_date",)),
            Table("duplicates", DUPLICATES_SCHEMA, DUPLICATES_PARTITION_COLUMNS),
            Table("etl_runs", ETL_RUNS_SCHEMA),
            Table("predictions", PREDICTIONS_SCHEMA, ("as_of_date",)),
            Table("model_aliases", MODEL_ALIASES_SCHEMA),
            Table("dq_metrics", DQ_METRICS_SCHEMA, ("processing_date",)),
            Table("model_monitoring", MONITORING_SCHEMA, ("date",)),
        )
    }
)


def table(name: str) -> Table:
    """The declaration of the lake's table `name` (ValueError for a name it does not have)."""
    spec = CATALOG.get(name)
    if spec is None:
        raise ValueError(f"unknown table {name!r}; the lake has {tuple(CATALOG)}")
    return spec


@dataclass(frozen=True)
class Lake:
    """The lake at `lake_uri`, through `spark`: the only code that makes, reads or writes its
    tables. Every method takes a table's name (ValueError for an unknown one)."""

    spark: SparkSession
    lake_uri: str

    def uri(self, name: str) -> str:
        table(name)
        return table_location(self.lake_uri, name)

    def exists(self, name: str) -> bool:
        return _table_exists(self.spark, self.uri(name))

    def ensure(self, *names: str) -> None:
        """Create each table with its schema, partitioning and properties unless it exists;
        an existing one gains the contract's nullable columns it lacks (`ensure_table`). An
        unknown name makes none of them."""
        for spec in [table(name) for name in names]:
            uri = self.uri(spec.name)
            ensure_table(self.spark, uri, spec.schema, spec.partition_by, dict(spec.properties))

    def read(self, name: str, version: int | None = None) -> DataFrame:
        """The table's rows (at `version`, when given) with every column of its contract: one
        the stored table does not have yet reads as null."""
        return _read_as(self.spark, self.uri(name), table(name).schema, version)

    def events(self, version: int | None = None) -> DataFrame:
        return self.read("events", version)

    def quarantine(self) -> DataFrame:
        return self.read("quarantine")

    def duplicates(self) -> DataFrame:
        return self.read("duplicates")

    def etl_runs(self) -> DataFrame:
        return self.read("etl_runs")

    def predictions(self) -> DataFrame:
        return self.read("predictions")

    def model_aliases(self) -> DataFrame:
        return self.read("model_aliases")

    def dq_metrics(self) -> DataFrame:
        return self.read("dq_metrics")

    def model_monitoring(self) -> DataFrame:
        return self.read("model_monitoring")

    def replace(
        self, name: str, df: DataFrame, predicate: str, user_metadata: str | None = None
    ) -> int:
        """Replace the rows matching `predicate` with `df`, in one commit (`replace_where`); a
        table not made yet is made by it, partitioned as declared. The new version."""
        spec = table(name)
        return replace_where(df, self.uri(name), predicate, user_metadata, spec.partition_by)

    def append(
        self,
        name: str,
        df: DataFrame,
        merge_schema: bool = False,
        user_metadata: str | None = None,
    ) -> int:
        """Append `df` in one commit (`append`); the new version."""
        return append(df, self.uri(name), merge_schema, user_metadata)

    def version(self, name: str) -> int | None:
        """The table's latest committed version, None when there is none (`version`: read
        fresh from its _delta_log, never from the session's cached snapshot)."""
        return version(self.spark, self.uri(name))

    def commit_metrics(self, name: str, version: int) -> dict[str, str]:
        """The `operationMetrics` of the commit that made `version` (from its _delta_log file)."""
        return _commit_metrics(self.uri(name), version)

    def history(self, name: str) -> DataFrame:
        """The table's commits (Delta's DESCRIBE HISTORY: version, timestamp, userMetadata ...)."""
        from delta.tables import DeltaTable

        return DeltaTable.forPath(self.spark, to_spark_path(self.uri(name))).history()


def ensure_table(
    spark: SparkSession,
    uri: str,
    schema: StructType,
    partition_by: tuple[str, ...] = (),
    properties: dict[str, str] | None = None,
) -> None:
    """Create the Delta table at `uri` with the contract's schema (NOT NULL columns are then
    enforced by Delta on every write) and table `properties`, unless it exists. An existing
    table keeps its properties (change them with ALTER TABLE ... SET TBLPROPERTIES), and
    gains the contract's nullable columns it lacks, at its end (`_add_missing_columns`)."""
    from delta.tables import DeltaTable

    if _table_exists(spark, uri):
        _add_missing_columns(spark, uri, schema)
        return
    builder = DeltaTable.createIfNotExists(spark).location(to_spark_path(uri)).addColumns(schema)
    if partition_by:
        builder = builder.partitionedBy(*partition_by)
    for key, value in (properties or {}).items():
        builder = builder.property(key, value)
    builder.execute()


def _add_missing_columns(spark: SparkSession, uri: str, schema: StructType) -> list[str]:
    """Additive schema evolution of a table made before a column joined the contract:
    `ALTER TABLE ADD COLUMNS` (one metadata commit, no data rewritten) for each nullable
    contract column the table lacks. Returns their names. The contract only adds nullable
    columns at the end, so an evolved table has the schema of a new one."""
    from eventlake.errors import InputError

    existing = set(_read_table(spark, uri).columns)
    missing = [f for f in schema.fields if f.name not in existing]
    if not missing:
        return []
    required = [f.name for f in missing if not f.nullable]
    if required:
        raise InputError(
            f"the table at {uri} lacks NOT NULL columns {required} of the contract; it was "
            f"made by another version of eventlake: migrate it or point the lake elsewhere"
        )
    columns = ", ".join(f"`{f.name}` {f.dataType.simpleString()}" for f in missing)
    spark.sql(f"ALTER TABLE delta.`{to_spark_path(uri)}` ADD COLUMNS ({columns})")
    return [f.name for f in missing]


def _read_as(
    spark: SparkSession, uri: str, schema: StructType, version: int | None = None
) -> DataFrame:
    """The table's rows (at `version`, when given) with every column of `schema`: a contract
    column the stored table does not have yet (see _add_missing_columns) reads as null."""
    from pyspark.sql import functions as F

    df = _read_table(spark, uri, version)
    have = set(df.columns)
    for f in schema.fields:
        if f.name not in have:
            df = df.withColumn(f.name, F.lit(None).cast(f.dataType))
    return df


def _table_exists(spark: SparkSession, uri: str) -> bool:
    from delta.tables import DeltaTable

    return bool(DeltaTable.isDeltaTable(spark, to_spark_path(uri)))


def _read_table(spark: SparkSession, uri: str, version: int | None = None) -> DataFrame:
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(to_spark_path(uri))


def commit_metadata(run_id: str, processing_date: str, step: str) -> str:
    """The `userMetadata` of a commit made by an ETL run: which run, for which date, which
    step. The gate reads it back (io/lake_reader.latest_run) to find the run in charge of a date."""
    return json.dumps(
        {"run_id": run_id, "processing_date": processing_date, "step": step}, sort_keys=True
    )


def replace_where(
    df: DataFrame,
    uri: str,
    predicate: str,
    user_metadata: str | None = None,
    partition_by: tuple[str, ...] = (),
) -> int:
    """Atomically replace the rows matching `predicate` with `df` (one Delta commit), tagged
    with `user_metadata` in the commit info; `partition_by`, the table's partition columns,
    partitions a table this write makes.

    Every row of `df` must satisfy the predicate; Delta checks that. Returns the new version.
    """
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    if user_metadata is not None:
        writer = writer.option("userMetadata", user_metadata)
    writer.save(to_spark_path(uri))
    return _written_version(df.sparkSession, uri)


def append(
    df: DataFrame, uri: str, merge_schema: bool = False, user_metadata: str | None = None
) -> int:
    """Append `df`; `merge_schema` adds columns the table lacks (additive evolution)."""
    writer = df.write.format("delta").mode("append")
    if merge_schema:
        writer = writer.option("mergeSchema", "true")
    if user_metadata is not None:
        writer = writer.option("userMetadata", user_metadata)
    writer.save(to_spark_path(uri))
    return _written_version(df.sparkSession, uri)


def _commit_metrics(uri: str, version: int) -> dict[str, str]:
    """The `operationMetrics` of the commit that made `version` (e.g. numOutputRows), read
    from the commit's own `_delta_log` JSON file: no Spark job, and a source apart from the
    DataFrame that was written."""
    from eventlake.io.bucket import join, read_bytes

    log_file = join(uri, "_delta_log", f"{version:020d}.json")
    for line in read_bytes(log_file).decode("utf-8").splitlines():
        action = json.loads(line) if line.strip() else {}
        if "commitInfo" in action:
            return {k: str(v) for k, v in action["commitInfo"].get("operationMetrics", {}).items()}
    return {}


def version(spark: SparkSession, uri: str) -> int | None:
    """The latest committed version of the Delta table at `uri`, None when there is none.

    The one way to ask for a table's version. Read fresh from the table's `_delta_log` (a
    listing, and the commit files past the session's snapshot: ~15 ms, no Spark job), never
    from the session's cached snapshot, which another process (a rerun, `eventlake
    maintain`) may have moved past. `DeltaTable.history(1)` gives the same number through a
    Spark job (0.3 s warm, ~6 s in a fresh JVM); it stays as the fallback if Delta's
    internal `DeltaLog.update` is not there.
    """
    from py4j.protocol import Py4JError

    path = to_spark_path(uri)
    try:
        jvm = spark.sparkContext._jvm
        assert jvm is not None
        delta_log = jvm.org.apache.spark.sql.delta.DeltaLog.forTable(spark._jsparkSession, path)
        # Scala's default arguments, spelled out for py4j: no staleness, no catalog table.
        no_ts, no_table = (getattr(delta_log, f"update$default${n}")() for n in (2, 3))
        snapshot = delta_log.update(False, no_ts, no_table)
        latest = int(snapshot.version())
        return latest if latest >= 0 else None
    except Py4JError:
        from delta.tables import DeltaTable

        if not DeltaTable.isDeltaTable(spark, path):
            return None
        row = DeltaTable.forPath(spark, path).history(1).select("version").first()
        return int(row["version"]) if row else None


def _written_version(spark: SparkSession, uri: str) -> int:
    latest = version(spark, uri)
    assert latest is not None, f"no Delta table at {uri} right after a write to it"
    return latest
