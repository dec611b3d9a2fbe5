"""bench/history.ratios: day N against day 2, and the steadier median figure."""

from __future__ import annotations

from eventlake.tools.bench.history import ratios


def test_day_n_over_day_2_and_the_medians_of_three() -> None:
    # days 2-4: 20, 22, 18 -> median 20; last three: 21, 24, 19 -> median 21
    assert ratios([10.0, 20.0, 22.0, 18.0, 30.0, 21.0, 24.0, 19.0]) == (0.95, 1.05)


def test_fewer_than_six_days_have_no_median_figure() -> None:
    assert ratios([10.0, 20.0, 25.0]) == (1.25, None)
