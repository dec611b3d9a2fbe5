"""The one Spark ML Pipeline: every preparation step the model needs lives in it.

    Imputer (median, numeric) -> StringIndexer (keep) -> OneHotEncoder -> VectorAssembler
    -> StandardScaler -> classifier (LogisticRegression or GBTClassifier)

Nulls: numeric nulls (ratios without a denominator, averages without purchases, anything
missing at scoring time) are filled by the Imputer with the training median; categorical nulls
and categories never seen in training go to the StringIndexer's extra "keep" bucket (an
all-zero one-hot vector). The VectorAssembler therefore never sees a null, and keeps
`handleInvalid="error"` so a new unhandled null column fails loudly instead of dropping rows.

The saved PipelineModel takes the feature frame of ml.features (FEATURE_COLUMNS; extra columns
such as user_id pass through) and adds `probability` and `prediction`, the latter at the
decision threshold chosen in training.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.classification import GBTClassifier, LogisticRegression
from pyspark.ml.feature import (
    Imputer,
    OneHotEncoder,
    StandardScaler,
    StringIndexer,
    VectorAssembler,
)

from eventlake.ml.features import CATEGORICAL_FEATURES, LABEL_COLUMN, NUMERIC_FEATURES

SEED = 7


@dataclass(frozen=True)
class ModelParams:
    """Classifier hyper-parameters; small by default so training stays fast on two cores."""

    lr_max_iter: int = 50
    lr_reg_param: float = 0.01
    lr_elastic_net: float = 0.0
    gbt_max_iter: int = 10
    gbt_max_depth: int = 3
    gbt_step_size: float = 0.2

    def as_params(self) -> dict[str, Any]:
        return {f"model_{k}": v for k, v in self.__dict__.items()}


CLASSIFIERS: tuple[str, ...] = ("logistic_regression", "gbt")


def classifier_stage(kind: str, params: ModelParams) -> Any:
    common: dict[str, Any] = {"featuresCol": "features", "labelCol": LABEL_COLUMN}
    if kind == "logistic_regression":
        return LogisticRegression(
            maxIter=params.lr_max_iter,
            regParam=params.lr_reg_param,
            elasticNetParam=params.lr_elastic_net,
            family="binomial",
            **common,
        )
    if kind == "gbt":
        return GBTClassifier(
            maxIter=params.gbt_max_iter,
            maxDepth=params.gbt_max_depth,
            stepSize=params.gbt_step_size,
            seed=SEED,
            **common,
        )
    raise ValueError(f"unknown classifier {kind!r}; choose one of {CLASSIFIERS}")


def build_pipeline(
    kind: str = "logistic_regression", params: ModelParams | None = None
) -> Pipeline:
    """The unfitted Pipeline for one classifier kind."""
    params = params or ModelParams()
    numeric = list(NUMERIC_FEATURES)
    imputed = [f"{c}__imputed" for c in numeric]
    categorical = list(CATEGORICAL_FEATURES)
    indexed = [f"{c}__index" for c in categorical]
    encoded = [f"{c}__onehot" for c in categorical]
    return Pipeline(
        stages=[
            Imputer(inputCols=numeric, outputCols=imputed, strategy="median"),
            StringIndexer(
                inputCols=categorical,
                outputCols=indexed,
                handleInvalid="keep",
                stringOrderType="frequencyDesc",
            ),
            OneHotEncoder(inputCols=indexed, outputCols=encoded),
            VectorAssembler(
                inputCols=imputed + encoded, outputCol="features_raw", handleInvalid="error"
            ),
            StandardScaler(
                inputCol="features_raw", outputCol="features", withMean=True, withStd=True
            ),
            classifier_stage(kind, params),
        ]
    )


def set_threshold(model: PipelineModel, threshold: float) -> PipelineModel:
    """Make `prediction` mean `probability[1] > threshold` for the fitted classifier."""
    clf = model.stages[-1]
    if hasattr(clf, "setThreshold") and clf.hasParam("threshold"):
        clf.set(clf.getParam("threshold"), float(threshold))
        if clf.isSet("thresholds"):
            clf.clear(clf.getParam("thresholds"))
    else:
        clf.set(clf.getParam("thresholds"), [1.0 - float(threshold), float(threshold)])
    return model


def get_threshold(model: PipelineModel) -> float:
    """The decision threshold stored in a fitted pipeline's classifier."""
    clf = model.stages[-1]
    if clf.hasParam("thresholds") and clf.isDefined("thresholds") and clf.isSet("thresholds"):
        return float(clf.getOrDefault("thresholds")[1])
    if clf.hasParam("threshold"):
        return float(clf.getOrDefault("threshold"))
    return 0.5
