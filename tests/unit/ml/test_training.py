"""The time split and the input checks (no Spark needed)."""

from __future__ import annotations

from datetime import date

import pytest

from eventlake.errors import InputError
from eventlake.ml.training import (
    DayRange,
    SplitCounts,
    check_splits,
    missing_days,
    plan_split,
    require_days,
)


def test_plan_split_holds_out_the_latest_label_days():
    plan = plan_split(date(2026, 1, 10), date(2026, 1, 1), window_days=7, holdout_days=2)
    assert plan.holdout == DayRange(date(2026, 1, 8), date(2026, 1, 9))
    assert plan.validation == DayRange(date(2026, 1, 7), date(2026, 1, 7))
    assert plan.train == DayRange(date(2026, 1, 1), date(2026, 1, 6))
    assert plan.events == DayRange(date(2026, 1, 1), date(2026, 1, 10))


def test_plan_split_caps_label_days_and_needs_the_window_before_them():
    plan = plan_split(
        date(2026, 3, 1), date(2026, 1, 1), window_days=7, holdout_days=2, max_label_days=30
    )
    assert plan.train.start == date(2026, 1, 30)
    assert plan.holdout.end == date(2026, 2, 28)
    assert plan.events == DayRange(date(2026, 1, 24), date(2026, 3, 1))


def test_plan_split_refuses_too_few_days():
    with pytest.raises(InputError, match="need at least 4"):
        plan_split(date(2026, 1, 4), date(2026, 1, 1), window_days=7, holdout_days=2)


def test_missing_days_lists_the_gaps():
    present = {date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 5)}
    assert missing_days(present, DayRange(date(2026, 1, 1), date(2026, 1, 5))) == [
        date(2026, 1, 3),
        date(2026, 1, 4),
    ]


def test_require_days_names_what_is_missing_and_what_to_run():
    present = {date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 5)}
    require_days(present, DayRange(date(2026, 1, 1), date(2026, 1, 2)), "predict for 2026-01-02")
    with pytest.raises(InputError) as info:
        require_days(present, DayRange(date(2026, 1, 1), date(2026, 1, 5)), "train for 2026-01-05")
    assert str(info.value) == (
        "cannot train for 2026-01-05: the events table has no events for 2 day(s) in "
        "2026-01-01..2026-01-05: 2026-01-03, 2026-01-04. Run `eventlake etl` for them (or "
        "backfill) first."
    )
    with pytest.raises(
        InputError, match=r"for 12 day\(s\) .*, 2026-02-10 and 2 more\. Run `eventlake etl`"
    ):
        require_days(set(), DayRange(date(2026, 2, 1), date(2026, 2, 12)), "predict for x")


PLAN = plan_split(date(2026, 1, 10), date(2026, 1, 1), 7, 2)


def test_check_splits_accepts_enough_rows_of_both_classes():
    ok = {
        "train": SplitCounts(300, 30),
        "validation": SplitCounts(50, 5),
        "holdout": SplitCounts(90, 9),
    }
    check_splits(ok, PLAN, min_train_rows=200)


def test_check_splits_names_every_problem():
    bad = {
        "train": SplitCounts(120, 10),
        "validation": SplitCounts(50, 0),
        "holdout": SplitCounts(90, 90),
    }
    with pytest.raises(InputError) as info:
        check_splits(bad, PLAN, min_train_rows=200)
    text = str(info.value)
    assert "train (2026-01-01..2026-01-06) has 120 user-day rows, need >= 200" in text
    assert (
        "validation (2026-01-07..2026-01-07) has a single class: all 50 rows are negative" in text
    )
    assert "holdout (2026-01-08..2026-01-09) has a single class: all 90 rows are positive" in text
