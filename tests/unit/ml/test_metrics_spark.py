"""The Spark metrics (ml/metrics.frame_metrics) against values worked out by hand and against
the numpy reference functions of the same module, to 1e-9."""

from __future__ import annotations

import math
import random

import pytest

from eventlake.ml import metrics as M

pytestmark = pytest.mark.spark

# Ties in both classes (0.9 and 0.3), a score only positives have (0.6), one only negatives (0.1).
Y = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
P = [0.9, 0.9, 0.6, 0.3, 0.3, 0.1]


def _frame(spark, labels, scores):
    return spark.createDataFrame(list(zip(labels, scores, strict=True)), "y double, p double")


def test_frame_metrics_match_hand_values(spark):
    got = M.frame_metrics(_frame(spark, Y, P), threshold=0.5)
    # 3 x 3 (pos, neg) pairs: pos .9 beats .3 and .1 and ties .9 -> 2.5; pos .6 beats .3, .1
    # -> 2; pos .3 beats .1 and ties .3 -> 1.5. (2.5 + 2 + 1.5) / 9.
    assert got["roc_auc"] == pytest.approx(6 / 9, abs=1e-12)
    # Groups by descending score: (.9: 1 of 2) P = 1/2, (.6) P = 2/3, (.3: 1 of 2) P = 3/5,
    # each adding recall 1/3: 1/6 + 2/9 + 1/5 = 53/90.
    assert got["pr_auc"] == pytest.approx(53 / 90, abs=1e-12)
    by_hand = (
        -(
            math.log(0.9)
            + math.log(0.1)
            + math.log(0.6)
            + math.log(0.3)
            + math.log(0.7)
            + math.log(0.9)
        )
        / 6
    )
    assert got["log_loss"] == pytest.approx(by_hand, abs=1e-12)
    # score > 0.5: the two 0.9s and the 0.6 -> tp 2, fp 1, fn 1.
    assert got["precision"] == pytest.approx(2 / 3, abs=1e-12)
    assert got["recall"] == pytest.approx(2 / 3, abs=1e-12)
    assert got["f1"] == pytest.approx(2 / 3, abs=1e-12)
    assert got["rows"] == 6.0
    assert got["positive_rate"] == pytest.approx(0.5, abs=1e-12)
    # Candidates 0.75 (F1 0.4), 0.45 (2/3), 0.2 (tp 3, fp 2: F1 0.75), 0 (F1 2/3).
    assert got["best_f1_threshold"] == pytest.approx(0.2, abs=1e-12)


def test_frame_metrics_of_a_constant_score(spark):
    got = M.frame_metrics(_frame(spark, Y, [0.5] * 6), threshold=0.5)
    # All tied: AUC 1/2; one group of 3 positives in 6 rows: AP 1/2; nothing above 0.5.
    assert got["roc_auc"] == pytest.approx(0.5, abs=1e-12)
    assert got["pr_auc"] == pytest.approx(0.5, abs=1e-12)
    assert got["log_loss"] == pytest.approx(math.log(2), abs=1e-12)
    assert (got["precision"], got["recall"], got["f1"]) == (0.0, 0.0, 0.0)
    # The only candidate is (0.5 + (0.5 - 1)) / 2 = 0, clipped at 0.
    assert got["best_f1_threshold"] == 0.0


def test_frame_metrics_without_threshold_leave_out_its_keys(spark):
    got = M.frame_metrics(_frame(spark, Y, P))
    assert set(got) == {
        "roc_auc",
        "pr_auc",
        "log_loss",
        "rows",
        "positive_rate",
        "best_f1_threshold",
    }


def test_frame_metrics_refuse_a_single_class(spark):
    with pytest.raises(ValueError, match="both classes"):
        M.frame_metrics(_frame(spark, [1.0, 1.0], [0.2, 0.3]))


def test_frame_metrics_refuse_no_rows(spark):
    with pytest.raises(ValueError, match="no rows"):
        M.frame_metrics(_frame(spark, [], []))


def test_frame_class_counts(spark):
    assert M.frame_class_counts(_frame(spark, Y, P)) == (6, 3)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_frame_metrics_equal_the_numpy_metrics(spark, seed):
    # 300 rows, scores on a grid of 40 values (many ties), labels correlated with the score.
    rng = random.Random(seed)
    scores = [rng.randrange(0, 40) / 39 for _ in range(300)]
    labels = [1.0 if rng.random() < 0.2 + 0.6 * s else 0.0 for s in scores]
    got = M.frame_metrics(_frame(spark, labels, scores), threshold=0.42)
    want = M.classification_metrics(labels, scores, 0.42)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, abs=1e-9), key
    assert got["best_f1_threshold"] == pytest.approx(M.best_f1_threshold(labels, scores), abs=1e-9)
    base = M.frame_metrics(_frame(spark, labels, [0.3] * len(labels)), threshold=0.42)
    for key, value in M.baseline_metrics(labels, 0.3, 0.42).items():
        assert base[key] == pytest.approx(value, abs=1e-9), key
