"""eventlake.timing.Phases on a fed clock: laps in order, each since the previous one, and the
seconds since the start."""

from __future__ import annotations

import pytest

from eventlake import timing


def test_laps_are_the_seconds_since_the_previous_lap(monkeypatch):
    clock = iter([100.0, 101.25, 101.2504, 104.0])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    phases = timing.Phases()
    phases.lap("plan")
    phases.lap("count")
    phases.lap("write")
    assert list(phases.seconds.items()) == [("plan", 1.25), ("count", 0.0), ("write", 2.75)]
    assert phases.metrics() == {"seconds_plan": 1.25, "seconds_count": 0.0, "seconds_write": 2.75}


def test_elapsed_is_the_unrounded_seconds_since_the_start(monkeypatch):
    clock = iter([100.0, 101.25, 103.0004])
    monkeypatch.setattr(timing.time, "perf_counter", lambda: next(clock))
    phases = timing.Phases()
    phases.lap("plan")
    assert phases.elapsed() == pytest.approx(3.0004, abs=1e-9)
    assert phases.seconds == {"plan": 1.25}
