"""Binary classification metrics on collected (label, score) arrays, and the constant baseline.

Holdouts are small (users x a few days), so the metrics run on the driver with numpy, with the
usual definitions: ROC-AUC as the Mann-Whitney statistic (ties count one half), PR-AUC as
average precision (step-wise, like scikit-learn), log loss with clipped probabilities.
A row is predicted positive when its score is strictly above the threshold, as in Spark's
LogisticRegressionModel (`thresholds=[1 - t, t]` gives the same rule for tree models).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

EPS = 1e-15


def _arrays(labels: Sequence[float], scores: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels, dtype=float)
    p = np.asarray(scores, dtype=float)
    if y.shape != p.shape or y.ndim != 1:
        raise ValueError("labels and scores must be 1-d and of the same length")
    if y.size == 0:
        raise ValueError("no rows to evaluate")
    return y, p


def roc_auc(labels: Sequence[float], scores: Sequence[float]) -> float:
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


def average_precision(labels: Sequence[float], scores: Sequence[float]) -> float:
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


def log_loss(labels: Sequence[float], scores: Sequence[float]) -> float:
    y, p = _arrays(labels, scores)
    p = np.clip(p, EPS, 1 - EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def at_threshold(
    labels: Sequence[float], scores: Sequence[float], threshold: float
) -> dict[str, float]:
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


def best_f1_threshold(labels: Sequence[float], scores: Sequence[float]) -> float:
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
    labels: Sequence[float], scores: Sequence[float], threshold: float
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
