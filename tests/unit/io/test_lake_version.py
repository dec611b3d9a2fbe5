"""io/lake.version: the one way to ask a Delta table's version, fresh from its log."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest
from pyspark.sql import types as T

from eventlake.io import lake

pytestmark = pytest.mark.spark

SCHEMA = T.StructType([T.StructField("n", T.LongType(), True)])


def test_no_table_has_no_version(spark, tmp_path: Path) -> None:
    assert lake.version(spark, (tmp_path / "absent").as_uri()) is None
    assert not (tmp_path / "absent").exists()  # asking creates nothing


def test_a_commit_by_another_writer_is_seen(spark, tmp_path: Path) -> None:
    """The session's cached snapshot is not trusted: after delta-rs (another writer, as a
    rerun in another process would be) commits twice, the session reports version 2."""
    from deltalake import write_deltalake

    uri = (tmp_path / "t").as_uri()
    spark.createDataFrame([(1,)], SCHEMA).write.format("delta").save(str(tmp_path / "t"))
    assert lake.version(spark, uri) == 0
    rows = pa.table({"n": pa.array([2, 3], pa.int64())})
    write_deltalake(str(tmp_path / "t"), rows, mode="append")
    write_deltalake(str(tmp_path / "t"), rows, mode="append")
    assert lake.version(spark, uri) == 2


def test_a_write_returns_the_version_it_made(spark, tmp_path: Path) -> None:
    uri = (tmp_path / "w").as_uri()
    df = spark.createDataFrame([(1,), (2,)], SCHEMA)
    assert lake.append(df, uri) == 0
    assert lake.append(df, uri) == 1
    assert lake.replace_where(df.where("n = 1"), uri, "n = 1") == 2
