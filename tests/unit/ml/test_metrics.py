"""Metrics against values worked out by hand."""

from __future__ import annotations

import math

import pytest

from eventlake.ml import metrics as M

Y = [0, 0, 1, 1]
P = [0.1, 0.4, 0.35, 0.8]


def test_roc_auc_counts_ordered_pairs():
    # Pairs (pos, neg): (.35,.1) ok, (.35,.4) wrong, (.8,.1) ok, (.8,.4) ok -> 3/4.
    assert M.roc_auc(Y, P) == pytest.approx(0.75)


def test_roc_auc_ties_count_half():
    assert M.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    assert M.roc_auc([0, 1, 1], [0.2, 0.2, 0.9]) == pytest.approx(0.75)


def test_roc_auc_needs_both_classes():
    with pytest.raises(ValueError, match="both classes"):
        M.roc_auc([1, 1], [0.2, 0.3])


def test_average_precision_is_stepwise():
    # Ranked: .8 (pos) P=1 R=.5; .4 (neg); .35 (pos) P=2/3 R=1 -> .5*1 + .5*2/3.
    assert M.average_precision(Y, P) == pytest.approx(0.5 + 1 / 3)


def test_average_precision_of_a_constant_is_the_base_rate():
    assert M.average_precision([1, 0, 0, 0], [0.3] * 4) == pytest.approx(0.25)


def test_log_loss_by_hand_and_clipped():
    assert M.log_loss([1, 0], [0.8, 0.4]) == pytest.approx(-(math.log(0.8) + math.log(0.6)) / 2)
    assert math.isfinite(M.log_loss([1], [0.0]))


def test_at_threshold_uses_strictly_greater():
    got = M.at_threshold([1, 1, 0, 0], [0.9, 0.4, 0.6, 0.1], 0.5)
    assert got == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert M.at_threshold([1, 0], [0.5, 0.2], 0.5) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_best_f1_threshold_sits_between_scores():
    assert M.best_f1_threshold([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1]) == pytest.approx(0.55)
    # All positive is best when every row is positive: threshold below the lowest score.
    assert M.best_f1_threshold([1, 1], [0.6, 0.7]) < 0.6


def test_baseline_metrics_of_a_constant():
    got = M.baseline_metrics([1, 0, 0, 0], 0.25, 0.5)
    assert got["roc_auc"] == 0.5
    assert got["pr_auc"] == pytest.approx(0.25)
    assert got["log_loss"] == pytest.approx(-(math.log(0.25) + 3 * math.log(0.75)) / 4)
    assert (got["precision"], got["recall"], got["f1"]) == (0.0, 0.0, 0.0)
    assert (got["rows"], got["positive_rate"]) == (4.0, 0.25)


def test_with_prefix():
    assert M.with_prefix("holdout_", {"roc_auc": 0.7}) == {"holdout_roc_auc": 0.7}
