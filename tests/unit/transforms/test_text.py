"""Whitespace helpers: the fast path (no padding) and the trimming path give Spark's btrim."""

from __future__ import annotations

import pytest
from pyspark.sql import functions as F
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.text import is_blank, strip_whitespace

pytestmark = pytest.mark.spark

VALUES = [
    ("a b", "a b", False),
    ("  a b ", "a b", False),
    ("\ta\r", "a", False),
    ("x\n", "x", False),
    ("\x0bx\x0c", "x", False),
    ("\u00a0x", "\u00a0x", False),
    ("é ", "é", False),
    ("", "", True),
    ("   ", "", True),
    (" \t\r\n", "", True),
    (None, None, None),
]


def test_strip_whitespace_and_is_blank(spark):
    source_df = spark.createDataFrame([(v,) for v, _, _ in VALUES], "v string")
    actual_df = source_df.select(
        "v",
        strip_whitespace(F.col("v")).alias("stripped"),
        is_blank(F.col("v")).alias("blank"),
    )
    expected_df = spark.createDataFrame(VALUES, "v string, stripped string, blank boolean")
    assertDataFrameEqual(actual_df, expected_df)
