"""Baselines, scores and outcomes of the anomaly checks, on hand-written histories."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest

from eventlake.contracts.checks import CHECKS, Check
from eventlake.quality.anomaly import baseline, change, evaluate, evaluate_one, score

THU = date(2026, 1, 29)  # a Thursday


def _days(end: date, values: list[float]) -> dict[date, float]:
    """values[-1] on end - 1 day, values[-2] on end - 2 days, ..."""
    return {end - timedelta(days=len(values) - i): v for i, v in enumerate(values)}


def test_baseline_same_weekday_when_enough_weeks():
    past = {d: 50.0 for d in (THU - timedelta(days=k) for k in range(1, 29))}
    past.update({date(2026, 1, 22): 100.0, date(2026, 1, 15): 104.0})
    past.update({date(2026, 1, 8): 96.0, date(2026, 1, 1): 100.0})
    base = baseline(THU, past)
    assert base is not None
    assert (base.value, base.mad, base.history) == (100.0, 2.0, 4)
    assert base.kind == "median of 4 same-weekday runs"
    # |40 - 100| / (1.4826 * 2) = 20.2347...
    assert score(40.0, base) == pytest.approx(20.2347, abs=1e-4)
    assert change(40.0, base, "relative") == pytest.approx(0.6)
    assert change(40.0, base, "absolute") == pytest.approx(60.0)


def test_baseline_last_days_when_too_few_weeks():
    # Two Thursdays only (01-22, 01-15): the last 14 days instead, 01-15 .. 01-28.
    past = _days(THU, [10, 12, 11, 13, 9, 10, 14, 12, 11, 10, 12, 13, 11, 12])
    past[date(2026, 1, 10)] = 500.0  # older than 14 days: not in the baseline
    base = baseline(THU, past)
    assert base is not None
    # sorted: 9 10 10 10 11 11 11 12 12 12 12 13 13 14 -> median (11 + 12) / 2 = 11.5
    # |v - 11.5|: 2.5 1.5 1.5 1.5 .5 .5 .5 .5 .5 .5 .5 1.5 1.5 2.5 -> median 1.0
    assert (base.value, base.mad, base.history) == (11.5, 1.0, 14)
    assert base.kind == "median of the last 14 days (14 runs)"


def test_baseline_none_without_history():
    assert baseline(THU, {}) is None


def test_score_flat_history_is_infinite_for_any_difference():
    base = baseline(THU, _days(THU, [0.0] * 10))
    assert base is not None and base.mad == 0
    assert math.isinf(score(0.5, base))
    assert score(0.0, base) == 0.0
    assert math.isinf(change(3.0, base, "relative"))


DROP = Check("t_drop", "purchases", "country=*", "drop", "fail", 4.0, 0.5, min_baseline=20)


def test_evaluate_one_fires_on_a_drop_and_names_metric_and_segment():
    past = _days(THU, [50, 54, 48, 52, 50, 47, 53, 51])
    r = evaluate_one(DROP, "purchases", "country=US", 15.0, THU, past)
    # sorted 47 48 50 50 51 52 53 54: median 50.5; |v-50.5| sorted .5 .5 .5 1.5 2.5 2.5 3.5 3.5
    # -> MAD 2.0; score 35.5 / (1.4826 * 2) = 11.972; change 35.5 / 50.5 = 0.703
    assert r.outcome == "fail"
    assert r.baseline == 50.5 and r.history == 8
    assert r.score == pytest.approx(11.972, abs=1e-3)
    assert r.change == pytest.approx(0.70297, abs=1e-4)
    text = r.describe()
    assert "purchases" in text and "country=US" in text and "15" in text and "50.5" in text


def test_evaluate_one_quiet_cases():
    past = _days(THU, [50, 54, 48, 52, 50, 47, 53, 51])
    # a rise, for a drop check
    assert evaluate_one(DROP, "purchases", "country=US", 150.0, THU, past).outcome == "ok"
    # a big score but a change of 20% only (min_change 0.5)
    assert evaluate_one(DROP, "purchases", "country=US", 40.0, THU, past).outcome == "ok"
    # six runs of history: below min_history 7
    six = _days(THU, [50, 54, 48, 52, 50, 47])
    assert evaluate_one(DROP, "purchases", "country=US", 1.0, THU, six).outcome == "no_history"
    # a baseline under min_baseline 20: too few purchases to judge
    small = _days(THU, [5, 6, 4, 5, 5, 6, 4, 5])
    assert evaluate_one(DROP, "purchases", "country=MX", 0.0, THU, small).outcome == "ok"
    # today's own value and later dates are never history
    later = {**past, THU: 0.0, THU + timedelta(days=1): 0.0}
    assert evaluate_one(DROP, "purchases", "country=US", 50.0, THU, later).baseline == 50.5


def test_evaluate_one_rate_rise_needs_rows():
    rate = Check(
        "t_null", "null_rate.*", "event_type=*", "rise", "fail", 4.0, 0.3, "absolute", min_rows=50
    )
    past = _days(THU, [0.0] * 8)
    fired = evaluate_one(rate, "null_rate.product_id", "event_type=click", 0.55, THU, past, 900)
    assert (fired.outcome, fired.baseline, fired.change) == ("fail", 0.0, 0.55)
    assert fired.as_row()["score"] is None  # inf is stored as null
    few = evaluate_one(rate, "null_rate.product_id", "event_type=click", 0.55, THU, past, 12)
    assert few.outcome == "ok"
    # 25 points: under min_change 0.3
    small = evaluate_one(rate, "null_rate.product_id", "event_type=click", 0.25, THU, past, 900)
    assert small.outcome == "ok"


def test_evaluate_judges_a_segment_missing_today_as_zero():
    history = {("purchases", "country=US"): _days(THU, [50, 54, 48, 52, 50, 47, 53, 51])}
    current = {("purchases", "all"): 30.0}
    results = evaluate(THU, current, history, (DROP,))
    assert [(r.metric, r.segment, r.value, r.outcome) for r in results] == [
        ("purchases", "country=US", 0.0, "fail")
    ]


def test_default_checks_are_named_once_and_conservative():
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))
    for c in CHECKS:
        assert c.max_score >= 4.0 and c.min_history >= 7
        assert c.min_change >= (0.5 if c.change == "relative" else 0.05)
