"""Binary classification metrics, and the constant baseline.

The usual definitions: ROC-AUC as the Mann-Whitney statistic (ties count one half), PR-AUC as
average precision (step-wise, like scikit-learn), log loss with clipped probabilities.
A row is predicted positive when its score is strictly above the threshold, as in Spark's
LogisticRegressionModel (`thresholds=[1 - t, t]` gives the same rule for tree models).

Two implementations of the same definitions: the numpy functions on (label, score) arrays are
the reference, and `frame_metrics` computes them in Spark over a DataFrame of (y, p) rows, as
training and `eventlake evaluate` do, so the driver never holds a row-sized list: the rows are
grouped by distinct score, and the groups are ranked in one window (one task, on an executor).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from numpy.typing import ArrayLike
    from pyspark.sql import DataFrame

EPS = 1e-15


def _arrays(labels: ArrayLike, scores: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=float)
    p = np.asarray(scores, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-d and of the same length")
    if y.size == 0:
        raise ValueError("no rows to evaluate")
    return y, p


def roc_auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """P(score of a random positive > score of a random negative), ties count 1/2."""
    y, p = _arrays(labels, scores)
    n_pos = int((y == 1).sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC-AUC needs both classes")
    order = np.argsort(p, kind="mergesort")
    ranks = np.empty(y.size, dtype=float)
    sorted_p = p[order]
    # Average ranks (1-based) over groups of tied scores.
    _, first, counts = np.unique(sorted_p, return_index=True, return_counts=True)
    avg_rank = first + (counts + 1) / 2.0
    ranks[order] = np.repeat(avg_rank, counts)
    return float((ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def average_precision(labels: ArrayLike, scores: ArrayLike) -> float:
    """PR-AUC as average precision: sum over score thresholds of (R_k - R_k-1) * P_k."""
    y, p = _arrays(labels, scores)
    n_pos = (y == 1).sum()
    if n_pos == 0:
        raise ValueError("PR-AUC needs at least one positive")
    order = np.argsort(-p, kind="mergesort")
    y_sorted, p_sorted = y[order], p[order]
    tp = np.cumsum(y_sorted == 1)
    # Evaluate only at the last row of each group of tied scores.
    last_of_group = np.r_[p_sorted[1:] != p_sorted[:-1], True]
    tp = tp[last_of_group]
    predicted = np.arange(1, y.size + 1)[last_of_group]
    precision = tp / predicted
    recall = tp / n_pos
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def log_loss(labels: ArrayLike, scores: ArrayLike) -> float:
    y, p = _arrays(labels, scores)
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def at_threshold(labels: ArrayLike, scores: ArrayLike, threshold: float) -> dict[str, float]:
    """Precision, recall and F1 when `score > threshold` means positive (0 when undefined)."""
    y, p = _arrays(labels, scores)
    predicted = p > threshold
    tp = float((predicted & (y == 1)).sum())
    fp = float((predicted & (y == 0)).sum())
    fn = float((~predicted & (y == 1)).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def best_f1_threshold(labels: ArrayLike, scores: ArrayLike) -> float:
    """The threshold with the highest F1 under the `score > threshold` rule.

    Candidates sit halfway between consecutive distinct scores (and below the lowest), so the
    choice does not depend on exact float equality at scoring time.
    """
    y, p = _arrays(labels, scores)
    distinct = np.unique(p)[::-1]  # descending
    below = np.r_[distinct[1:], distinct[-1] - 1.0]
    candidates = np.clip((distinct + below) / 2.0, 0.0, 1.0)
    best_t, best_f1 = 0.5, -1.0
    for t in candidates:
        f1 = at_threshold(y, p, float(t))["f1"]
        if f1 > best_f1:
            best_t, best_f1 = float(t), f1
    return best_t


def classification_metrics(
    labels: ArrayLike, scores: ArrayLike, threshold: float
) -> dict[str, float]:
    """ROC-AUC, PR-AUC, log loss, precision/recall/F1 at `threshold`, rows and positive rate."""
    y, p = _arrays(labels, scores)
    return {
        "roc_auc": roc_auc(y, p),
        "pr_auc": average_precision(y, p),
        "log_loss": log_loss(y, p),
        **at_threshold(y, p, threshold),
        "rows": float(y.size),
        "positive_rate": float(y.mean()),
    }


def baseline_metrics(
    labels: Sequence[float], constant: float, threshold: float
) -> dict[str, float]:
    """The same metrics for a model that always answers `constant` (e.g. the train base rate)."""
    y = np.asarray(labels, dtype=float)
    return classification_metrics(y, np.full(y.size, constant), threshold)


def with_prefix(prefix: str, metrics: dict[str, float]) -> dict[str, float]:
    return {f"{prefix}{k}": v for k, v in metrics.items()}


def _score_groups(df: DataFrame, threshold: float | None) -> DataFrame:
    """One row per distinct score `p`: rows `n`, positives `pos`, and what the ROC-AUC, the
    average precision and the best-F1 candidate threshold (as `best_f1_threshold` defines it)
    need from the groups above and below it."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    pos_row = F.when(F.col("y") == 1, 1).otherwise(0)
    clipped = F.least(F.greatest(F.col("p"), F.lit(EPS)), F.lit(1 - EPS))
    loss = F.col("y") * F.log(clipped) + (1 - F.col("y")) * F.log(1 - clipped)
    at = F.lit(float(threshold) if threshold is not None else 0.0)
    above = F.col("p") > at
    groups = df.groupBy("p").agg(
        F.count(F.lit(1)).alias("n"),
        F.sum(pos_row).alias("pos"),
        F.sum(loss).alias("loss"),
        F.sum(F.when(above, pos_row).otherwise(0)).alias("tp_at"),
        F.sum(F.when(above, 1 - pos_row).otherwise(0)).alias("fp_at"),
    )
    everything = Window.partitionBy()
    asc_before = Window.orderBy("p").rowsBetween(Window.unboundedPreceding, -1)
    desc_upto = Window.orderBy(F.col("p").desc()).rowsBetween(Window.unboundedPreceding, 0)
    desc = Window.orderBy(F.col("p").desc())
    n_pos = F.sum("pos").over(everything)
    tp_upto = F.sum("pos").over(desc_upto)
    predicted_upto = F.sum("n").over(desc_upto)
    below = F.coalesce(F.lead("p", 1).over(desc), F.col("p") - F.lit(1.0))
    return (
        groups.withColumn("neg", F.col("n") - F.col("pos"))
        .withColumn("n_pos", n_pos)
        .withColumn("neg_below", F.coalesce(F.sum("neg").over(asc_before), F.lit(0)))
        .withColumn("tp_upto", tp_upto)
        .withColumn("predicted_upto", predicted_upto)
        .withColumn("t", F.least(F.greatest((F.col("p") + below) / 2.0, F.lit(0.0)), F.lit(1.0)))
    )


def _f1_at_candidate():
    """F1 of the `score > t` rule at a group's candidate `t`: the rows of this group are
    predicted positive unless `t` rounded onto its score (adjacent doubles, or a score of 0)."""
    from pyspark.sql import functions as F

    keeps_group = F.col("t") < F.col("p")
    tp = F.when(keeps_group, F.col("tp_upto")).otherwise(F.col("tp_upto") - F.col("pos"))
    predicted = F.when(keeps_group, F.col("predicted_upto")).otherwise(
        F.col("predicted_upto") - F.col("n")
    )
    tp, predicted, n_pos = (
        tp.cast("double"),
        predicted.cast("double"),
        F.col("n_pos").cast("double"),
    )
    precision = F.when(predicted > 0, tp / predicted).otherwise(F.lit(0.0))
    recall = F.when(n_pos > 0, tp / n_pos).otherwise(F.lit(0.0))
    return F.when(
        precision + recall > 0, F.lit(2.0) * precision * recall / (precision + recall)
    ).otherwise(F.lit(0.0))


def frame_metrics(df: DataFrame, threshold: float | None = None) -> dict[str, float]:
    """The metrics of `classification_metrics` (and `best_f1_threshold`) computed in Spark
    over `df`'s columns `y` (label 0/1) and `p` (score). Without `threshold`, the
    threshold-dependent keys are left out. One Spark job; the driver receives one row."""
    from pyspark.sql import functions as F

    g = _score_groups(df, threshold)
    # Mann-Whitney: a positive beats the negatives below its score and ties half of its own.
    auc_twice = F.sum(F.col("pos") * (2 * F.col("neg_below") + F.col("neg")))
    ap = F.sum((F.col("pos") / F.col("n_pos")) * (F.col("tp_upto") / F.col("predicted_upto")))
    f1 = _f1_at_candidate()
    row = g.agg(
        F.sum("n").alias("rows"),
        F.sum("pos").alias("positives"),
        auc_twice.alias("auc_twice"),
        ap.alias("ap"),
        F.sum("loss").alias("loss"),
        F.sum("tp_at").alias("tp_at"),
        F.sum("fp_at").alias("fp_at"),
        # The first candidate in descending order among the best F1s, as best_f1_threshold.
        F.max_by(F.col("t"), F.struct(f1, F.col("t"))).alias("best_t"),
    ).first()
    rows = int(row["rows"] or 0) if row is not None else 0
    if row is None or rows == 0:
        raise ValueError("no rows to evaluate")
    n_pos = int(row["positives"])
    n_neg = rows - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("ROC-AUC needs both classes")
    out = {
        "roc_auc": float(row["auc_twice"]) / 2.0 / (n_pos * n_neg),
        "pr_auc": float(row["ap"]),
        "log_loss": -float(row["loss"]) / rows,
    }
    if threshold is not None:
        tp, fp = float(row["tp_at"]), float(row["fp_at"])
        fn = float(n_pos) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1_at = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out.update(precision=precision, recall=recall, f1=f1_at)
    out.update(rows=float(rows), positive_rate=n_pos / rows, best_f1_threshold=float(row["best_t"]))
    return out


def frame_class_counts(df: DataFrame) -> tuple[int, int]:
    """(rows, positives) of `df`'s label column `y`, aggregated in Spark."""
    from pyspark.sql import functions as F

    row = df.agg(
        F.count(F.lit(1)).alias("rows"),
        F.sum(F.when(F.col("y") == 1, 1).otherwise(0)).alias("positives"),
    ).first()
    return (int(row["rows"]), int(row["positives"] or 0)) if row is not None else (0, 0)


def model_and_baseline(
    df: DataFrame, threshold: float, base_rate: float
) -> tuple[dict[str, float], dict[str, float]]:
    """(the model's metrics, those of a constant score `base_rate`) on the same scored rows
    (`y`, `p`), at `threshold`; the selection-only `best_f1_threshold` left out of both."""
    from pyspark.sql import functions as F

    model = frame_metrics(df, threshold)
    baseline = frame_metrics(df.select("y", F.lit(float(base_rate)).alias("p")), threshold)
    model.pop("best_f1_threshold")
    baseline.pop("best_f1_threshold")
    return model, baseline
