"""Distribution profiles and the population stability index (PSI).

At training, `feature_profile` bins every feature of the training split (numeric: cut points
at the deciles, ties merged; categorical: the categories seen, plus `__other__`) and
`score_profile` bins the holdout scores at their deciles. The profiles are stored with the
model version (jobs/train_steps.py: the MLflow run's artifact `monitoring/profile.json`). At
monitoring, `frame_shares` puts the scoring day's rows into the same bins, in Spark, and `psi`
compares the shares:

    PSI = sum over bins of (actual - expected) * ln(actual / expected)

with both shares floored at PSI_FLOOR, so an empty bin counts as a large (finite) shift. A
null value has its own bin (`__null__`) in both kinds.

Numeric bins are right-closed: with cut points c1 < ... < ck, bin 0 is (-inf, c1], bin i is
(c_i, c_i+1], bin k is (ck, inf).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

PSI_FLOOR = 1e-4
QUANTILES: tuple[float, ...] = tuple(i / 10 for i in range(1, 10))
NULL_BIN = "__null__"
OTHER_BIN = "__other__"
MAX_CATEGORIES = 30
PROFILE_ARTIFACT = "monitoring/profile.json"


def psi(expected: Mapping[str, float], actual: Mapping[str, float]) -> float:
    """PSI of the shares `actual` against `expected` (bins: the union of both keys)."""
    total = 0.0
    for key in sorted(set(expected) | set(actual)):
        e = max(float(expected.get(key, 0.0)), PSI_FLOOR)
        a = max(float(actual.get(key, 0.0)), PSI_FLOOR)
        total += (a - e) * math.log(a / e)
    return total


def numeric_bin(value: float | None, cuts: Sequence[float]) -> str:
    """The bin label of `value` (reference for `_bin_column`)."""
    if value is None:
        return NULL_BIN
    for i, cut in enumerate(cuts):
        if value <= cut:
            return str(i)
    return str(len(cuts))


def _bin_column(name: str, spec: Mapping[str, Any]) -> Column:
    from pyspark.sql import functions as F

    col = F.col(name)
    if spec["kind"] == "numeric":
        expr = F.when(col.isNull(), F.lit(NULL_BIN))
        for i, cut in enumerate(spec["cuts"]):
            expr = expr.when(col <= F.lit(float(cut)), F.lit(str(i)))
        return expr.otherwise(F.lit(str(len(spec["cuts"]))))
    known = [c for c in spec["shares"] if c not in (NULL_BIN, OTHER_BIN)]
    return (
        F.when(col.isNull(), F.lit(NULL_BIN))
        .when(col.cast("string").isin(known), col.cast("string"))
        .otherwise(F.lit(OTHER_BIN))
    )


def frame_shares(df: DataFrame, specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """{"rows": n, "shares": {column: {bin: share}}} of `df` in the bins of `specs`, in one
    Spark job (one row of counts reaches the driver)."""
    from pyspark.sql import functions as F

    binned = df.select(*[_bin_column(c, s).alias(c) for c, s in specs.items()])
    stacked = binned.select(
        F.explode(
            F.array(*[F.struct(F.lit(c).alias("c"), F.col(c).alias("b")) for c in specs])
        ).alias("x")
    ).select("x.c", "x.b")
    counts = stacked.groupBy("c", "b").count().collect()
    rows = df.count()
    shares: dict[str, dict[str, float]] = {c: {} for c in specs}
    for r in counts:
        shares[r["c"]][r["b"]] = r["count"] / rows if rows else 0.0
    return {"rows": rows, "shares": shares}


def _cuts(df: DataFrame, column: str) -> list[float]:
    from pyspark.sql import functions as F

    values = df.filter(F.col(column).isNotNull()).approxQuantile(column, list(QUANTILES), 0.001)
    return sorted(set(float(v) for v in values))


def build_profile(
    features_df: DataFrame,
    numeric: Sequence[str],
    categorical: Sequence[str],
    scores_df: DataFrame,
) -> dict[str, Any]:
    """The training reference of a model version: feature bins and shares of the training
    split (`features_df`), score bins and shares of the holdout (`scores_df`, column `p`)."""
    from pyspark.sql import functions as F

    specs: dict[str, dict[str, Any]] = {}
    for c in numeric:
        specs[c] = {"kind": "numeric", "cuts": _cuts(features_df, c)}
    for c in categorical:
        top = (
            features_df.filter(F.col(c).isNotNull())
            .groupBy(c)
            .count()
            .orderBy(F.col("count").desc(), F.col(c))
            .limit(MAX_CATEGORIES)
            .collect()
        )
        specs[c] = {"kind": "categorical", "shares": {str(r[c]): 0.0 for r in top}}
    feature_shares = frame_shares(features_df, specs)
    for c, spec in specs.items():
        spec["shares"] = feature_shares["shares"][c]
    score_spec = {"p": {"kind": "numeric", "cuts": _cuts(scores_df, "p")}}
    score_shares = frame_shares(scores_df, score_spec)
    return {
        "features": specs,
        "feature_rows": feature_shares["rows"],
        "scores": {"cuts": score_spec["p"]["cuts"], "shares": score_shares["shares"]["p"]},
        "score_rows": score_shares["rows"],
    }
