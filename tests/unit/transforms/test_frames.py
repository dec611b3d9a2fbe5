from __future__ import annotations

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.frames import union_all

pytestmark = pytest.mark.spark


def test_union_all_matches_columns_by_name_and_keeps_duplicates(spark):
    first_df = spark.createDataFrame([("e1", 1), ("e2", 2)], "event_id string, n int")
    second_df = spark.createDataFrame([(2, "e2"), (None, None)], "n int, event_id string")
    third_df = spark.createDataFrame([("e3", 3)], "event_id string, n int")

    out_df = union_all([first_df, second_df, third_df])

    expected_df = spark.createDataFrame(
        [("e1", 1), ("e2", 2), ("e2", 2), (None, None), ("e3", 3)], "event_id string, n int"
    )
    assert out_df is not None
    assert out_df.columns == ["event_id", "n"]
    assertDataFrameEqual(out_df, expected_df, checkRowOrder=True)


def test_union_all_of_one_frame_is_that_frame(spark):
    only_df = spark.createDataFrame([("e1", 1)], "event_id string, n int")

    assert union_all([only_df]) is only_df


def test_union_all_of_no_frames_is_none():
    assert union_all([]) is None
