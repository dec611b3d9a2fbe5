"""The Pipeline: save/load round trip, threshold, unknown categories and nulls at scoring."""

from __future__ import annotations

import pytest
from pyspark.ml import PipelineModel
from pyspark.ml.functions import vector_to_array
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.testing import assertDataFrameEqual

from eventlake.ml.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES
from eventlake.ml.pipeline import ModelParams, build_pipeline, get_threshold, set_threshold

pytestmark = pytest.mark.spark

SCHEMA = T.StructType(
    [T.StructField("user_id", T.StringType())]
    + [T.StructField(c, T.DoubleType()) for c in NUMERIC_FEATURES]
    + [T.StructField(c, T.StringType()) for c in CATEGORICAL_FEATURES]
    + [T.StructField("label", T.DoubleType())]
)


def frame(spark, rows: list[tuple[str, float, str | None, str | None, float]]):
    """Rows (user, signal, device, country, label): every numeric feature gets a value based on
    the signal; the nullable ratio is null for odd users."""
    out = []
    for i, (user, x, device, country, label) in enumerate(rows):
        nums = [x * (k + 1) % 7 + x for k in range(len(NUMERIC_FEATURES))]
        nums[NUMERIC_FEATURES.index("cart_to_purchase_ratio")] = None if i % 2 else x
        out.append((user, *nums, device, country, label))
    return spark.createDataFrame(out, SCHEMA)


@pytest.fixture(scope="module")
def train_df(spark):
    rows = []
    for i in range(40):
        x = i / 10.0
        label = 1.0 if (i % 10) >= 6 else 0.0
        rows.append((f"u{i}", x if label else x / 3, ("mobile", "desktop")[i % 2], "US", label))
    return frame(spark, rows)


def scored(model, df):
    return model.transform(df).select(
        "user_id", vector_to_array("probability").getItem(1).alias("p"), "prediction"
    )


@pytest.mark.parametrize("kind", ["logistic_regression", "gbt"])
def test_pipeline_save_load_round_trip_gives_same_predictions(spark, train_df, tmp_path, kind):
    params = ModelParams(lr_max_iter=10, gbt_max_iter=3, gbt_max_depth=2)
    model = set_threshold(build_pipeline(kind, params).fit(train_df), 0.3)
    path = (tmp_path / kind).as_uri()
    model.write().overwrite().save(path)
    loaded = PipelineModel.load(path)
    assert get_threshold(loaded) == pytest.approx(0.3)
    assertDataFrameEqual(scored(loaded, train_df), scored(model, train_df))


def test_set_threshold_moves_prediction_to_probability_above_threshold(spark, train_df):
    model = build_pipeline("logistic_regression", ModelParams(lr_max_iter=10)).fit(train_df)
    for t in (0.2, 0.8):
        rows = scored(set_threshold(model, t), train_df).collect()
        assert all(r["prediction"] == (1.0 if r["p"] > t else 0.0) for r in rows)


def test_pipeline_scores_unknown_categories_and_nulls(spark, train_df):
    model = build_pipeline("logistic_regression", ModelParams(lr_max_iter=10)).fit(train_df)
    unseen = frame(spark, [("new", 1.0, "smart-tv", "ZZ", 0.0), ("nulls", 1.0, None, None, 0.0)])
    unseen = unseen.withColumn("spend", F.lit(None).cast("double"))  # a numeric null as well
    out = scored(model, unseen).orderBy("user_id").collect()
    assert [r["user_id"] for r in out] == ["new", "nulls"]
    assert all(0.0 < r["p"] < 1.0 for r in out)


def test_pipeline_stage_order():
    stages = build_pipeline("gbt").getStages()
    assert [type(s).__name__ for s in stages] == [
        "Imputer",
        "StringIndexer",
        "OneHotEncoder",
        "VectorAssembler",
        "StandardScaler",
        "GBTClassifier",
    ]
    assert stages[1].getHandleInvalid() == "keep"
    with pytest.raises(ValueError, match="unknown classifier"):
        build_pipeline("svm")
