"""Wall seconds per named step of a job run: the ETL's `phase_seconds` (and its `seconds`, the
whole run's) and the training run's `seconds_<step>` metrics."""

from __future__ import annotations

import time


class Phases:
    """Laps of a wall clock: `lap(name)` records the seconds since the previous lap (or since
    the start), rounded to milliseconds, in `seconds` (insertion order is the run's order)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._start = self._mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._mark, 3)
        self._mark = now

    def elapsed(self) -> float:
        """The seconds since the start, unrounded: the run's total so far."""
        return time.perf_counter() - self._start

    def metrics(self) -> dict[str, float]:
        """`seconds_<step>` -> seconds, as the training run logs them to MLflow."""
        return {f"seconds_{k}": v for k, v in self.seconds.items()}
