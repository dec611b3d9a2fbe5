"""io/lake: the catalog of the lake's tables and `Lake`, the one object that makes, reads and
writes them. Partition columns, properties, rows and versions are written by hand."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pyspark.sql import types as T
from pyspark.testing import assertDataFrameEqual

from eventlake.contracts.schemas import DQ_METRICS_SCHEMA, MODEL_ALIASES_SCHEMA
from eventlake.io import lake as lake_module
from eventlake.io.bucket import to_spark_path
from eventlake.io.lake import CATALOG, Lake
from eventlake.io.paths import TABLES

pytestmark = pytest.mark.spark

NAMES = (
    "events",
    "quarantine",
    "duplicates",
    "etl_runs",
    "predictions",
    "model_aliases",
    "dq_metrics",
    "model_monitoring",
)


def _detail(spark, uri: str):
    return spark.sql(f"DESCRIBE DETAIL delta.`{to_spark_path(uri)}`").first()


def test_catalog_declares_the_tables_paths_names():
    assert tuple(CATALOG) == NAMES
    assert TABLES == NAMES


def test_catalog_declares_each_tables_partitioning():
    partitions = {name: spec.partition_by for name, spec in CATALOG.items()}
    assert partitions == {
        "events": ("event_date",),
        "quarantine": ("processing_date",),
        "duplicates": ("processing_date",),
        "etl_runs": (),
        "predictions": ("as_of_date",),
        "model_aliases": (),
        "dq_metrics": ("processing_date",),
        "model_monitoring": ("date",),
    }


def test_lake_uri_is_the_table_under_the_lake():
    lake = Lake(None, "s3://bucket/lake/")  # type: ignore[arg-type]
    assert lake.uri("events") == "s3://bucket/lake/events"
    assert lake.uri("model_monitoring") == "s3://bucket/lake/model_monitoring"


def test_lake_unknown_table_raises(spark, tmp_path: Path):
    lake = Lake(spark, tmp_path.as_uri())
    for name, call in (
        ("event", lambda: lake.uri("event")),
        ("nope", lambda: lake.ensure("events", "nope")),
        ("nope", lambda: lake.version("nope")),
        ("nope", lambda: lake.read("nope")),
    ):
        with pytest.raises(ValueError, match=f"^unknown table '{name}'; the lake has"):
            call()
    assert not (tmp_path / "events").exists()  # the bad name is found before any table is made


def test_lake_ensure_creates_each_table_with_its_partitioning(spark, tmp_path: Path):
    lake = Lake(spark, (tmp_path / "lake").as_uri())
    ensured = ("events", "quarantine", "duplicates", "etl_runs", "model_aliases", "dq_metrics")
    assert [lake.exists(n) for n in ensured] == [False] * 6
    lake.ensure(*ensured)
    got = {n: list(_detail(spark, lake.uri(n))["partitionColumns"]) for n in ensured}
    assert got == {
        "events": ["event_date"],
        "quarantine": ["processing_date"],
        "duplicates": ["processing_date"],
        "etl_runs": [],
        "model_aliases": [],
        "dq_metrics": ["processing_date"],
    }
    assert [lake.version(n) for n in ensured] == [0] * 6
    properties = _detail(spark, lake.uri("events"))["properties"]
    assert properties["delta.dataSkippingStatsColumns"] == (
        "processing_date,event_ts,event_type,user_id,amount"
    )
    lake.ensure("events")  # an existing table is left as it is
    assert lake.version("events") == 0


def test_lake_replace_then_read_round_trip_moves_the_version(spark, tmp_path: Path):
    lake = Lake(spark, (tmp_path / "lake").as_uri())
    assert lake.version("dq_metrics") is None
    lake.ensure("dq_metrics")
    assert lake.version("dq_metrics") == 0
    day = date(2026, 1, 5)
    rows = [(day, "r1", "rows_read", "all", 10.0, True), (day, "r1", "mean", "all", None, True)]
    metadata = lake_module.commit_metadata("r1", "2026-01-05", "dq_metrics")
    version = lake.replace(
        "dq_metrics",
        spark.createDataFrame(rows, DQ_METRICS_SCHEMA),
        "processing_date = DATE'2026-01-05'",
        metadata,
    )
    assert version == 1
    assert lake.version("dq_metrics") == 1
    expected = spark.createDataFrame(
        [
            (date(2026, 1, 5), "r1", "rows_read", "all", 10.0, True),
            (date(2026, 1, 5), "r1", "mean", "all", None, True),
        ],
        DQ_METRICS_SCHEMA,
    )
    assertDataFrameEqual(lake.dq_metrics(), expected, checkRowOrder=False)
    assert lake.commit_metrics("dq_metrics", 1)["numOutputRows"] == "2"
    commit = lake.history("dq_metrics").where("version = 1").first()
    assert commit["userMetadata"] == (
        '{"processing_date": "2026-01-05", "run_id": "r1", "step": "dq_metrics"}'
    )


def test_lake_replace_makes_a_table_partitioned_as_declared(spark, tmp_path: Path):
    """predictions and model_monitoring are made by their first write, not by `ensure`."""
    lake = Lake(spark, (tmp_path / "lake").as_uri())
    schema = T.StructType(
        [T.StructField("user_id", T.StringType()), T.StructField("as_of_date", T.DateType())]
    )
    df = spark.createDataFrame([("u1", date(2026, 1, 5))], schema)
    assert lake.replace("predictions", df, "as_of_date = DATE'2026-01-05'") == 0
    assert list(_detail(spark, lake.uri("predictions"))["partitionColumns"]) == ["as_of_date"]


def test_lake_append_and_read_an_older_table(spark, tmp_path: Path):
    """A table made before a nullable column joined the contract reads it as null; `ensure`
    adds it (one metadata commit), and an append moves the version on."""
    lake = Lake(spark, (tmp_path / "lake").as_uri())
    older = T.StructType([f for f in MODEL_ALIASES_SCHEMA.fields if f.name != "mlflow_run_id"])
    lake_module.ensure_table(spark, lake.uri("model_aliases"), older)
    row = (datetime(2026, 1, 5, 9), "m", "champion", None, "1", "gate", "train", "abc")
    assert lake.append("model_aliases", spark.createDataFrame([row], older)) == 1
    # The missing column comes last, as a table evolved by `ensure` would have it.
    expected = spark.createDataFrame(
        [(datetime(2026, 1, 5, 9), "m", "champion", None, "1", "gate", "train", "abc", None)],
        T.StructType([*older.fields, T.StructField("mlflow_run_id", T.StringType(), True)]),
    )
    assertDataFrameEqual(lake.model_aliases(), expected)
    lake.ensure("model_aliases")
    assert lake.version("model_aliases") == 2
    stored = spark.read.format("delta").load(to_spark_path(lake.uri("model_aliases")))
    assert stored.columns[-1] == "mlflow_run_id"
