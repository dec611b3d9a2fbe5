"""The lake's Delta tables: create with the contract's schema, transactional writes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from eventlake.io.bucket import to_spark_path

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType


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
    gains the contract's nullable columns it lacks, at its end (`add_missing_columns`)."""
    from delta.tables import DeltaTable

    if table_exists(spark, uri):
        add_missing_columns(spark, uri, schema)
        return
    builder = DeltaTable.createIfNotExists(spark).location(to_spark_path(uri)).addColumns(schema)
    if partition_by:
        builder = builder.partitionedBy(*partition_by)
    for key, value in (properties or {}).items():
        builder = builder.property(key, value)
    builder.execute()


def add_missing_columns(spark: SparkSession, uri: str, schema: StructType) -> list[str]:
    """Additive schema evolution of a table made before a column joined the contract:
    `ALTER TABLE ADD COLUMNS` (one metadata commit, no data rewritten) for each nullable
    contract column the table lacks. Returns their names. The contract only adds nullable
    columns at the end, so an evolved table has the schema of a new one."""
    from eventlake.errors import InputError

    existing = set(read_table(spark, uri).columns)
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


def read_as(spark: SparkSession, uri: str, schema: StructType) -> DataFrame:
    """The table's rows with every column of `schema`: a contract column the stored table
    does not have yet (see add_missing_columns) reads as null."""
    from pyspark.sql import functions as F

    df = read_table(spark, uri)
    have = set(df.columns)
    for f in schema.fields:
        if f.name not in have:
            df = df.withColumn(f.name, F.lit(None).cast(f.dataType))
    return df


def table_exists(spark: SparkSession, uri: str) -> bool:
    from delta.tables import DeltaTable

    return bool(DeltaTable.isDeltaTable(spark, to_spark_path(uri)))


def read_table(spark: SparkSession, uri: str, version: int | None = None) -> DataFrame:
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


def replace_where(df: DataFrame, uri: str, predicate: str, user_metadata: str | None = None) -> int:
    """Atomically replace the rows matching `predicate` with `df` (one Delta commit), tagged
    with `user_metadata` in the commit info.

    Every row of `df` must satisfy the predicate; Delta checks that. Returns the new version.
    """
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", predicate)
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


def commit_metrics(uri: str, version: int) -> dict[str, str]:
    """The `operationMetrics` of the commit that made `version` (e.g. numOutputRows), read
    from the commit's own `_delta_log` JSON file: no Spark job, and a source apart from the
    DataFrame that was written."""
    import json

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
