"""The retention arithmetic of `eventlake maintain` (pure functions, hand-written values)."""

from __future__ import annotations

import pytest

from eventlake.errors import ConfigurationError
from eventlake.jobs.maintain import check_retention, events_retention_hours, interval_days

NOW = 1_800_000_000.0


def test_events_retention_without_pins_is_the_configured_one():
    assert events_retention_hours(168.0, [], NOW) == 168.0


def test_events_retention_covers_the_oldest_pinned_version_plus_a_margin():
    ten_days_ago = NOW - 10 * 86400
    two_days_ago = NOW - 2 * 86400
    # 240 h old + 1 h margin = 241 h, longer than the configured 168 h.
    assert events_retention_hours(168.0, [two_days_ago, ten_days_ago], NOW) == 241.0
    # A pin younger than the configured retention changes nothing.
    assert events_retention_hours(168.0, [two_days_ago], NOW) == 168.0
    # 30 minutes old + 1 h = 1.5 h, rounded up to whole hours.
    assert events_retention_hours(0.0, [NOW - 1800], NOW) == 2.0


def test_interval_days_reads_delta_interval_properties():
    assert interval_days("interval 30 days") == 30.0
    assert interval_days("interval 2 weeks") == 14.0
    assert interval_days("interval 48 hours") == 2.0
    assert interval_days("INTERVAL 1 DAY") == 1.0
    assert interval_days("30 days") == 30.0
    assert interval_days("interval 1 month") is None
    assert interval_days(None) is None


def test_check_retention_refuses_less_than_168_hours_unless_allowed():
    assert check_retention(168.0, False) is False
    assert check_retention(500.0, False) is False
    with pytest.raises(ConfigurationError, match=r"167 h is below Delta's minimum of 168 h"):
        check_retention(167.0, False)
    assert check_retention(0.0, True) is True
    with pytest.raises(ConfigurationError, match="negative"):
        check_retention(-1.0, True)
