"""The anomaly checks of the quality gate: each metric of `dq_metrics` judged against its own
history, declared here in one place like the row rules (contracts/rules.py).

A check fires when the value is far from its baseline by BOTH measures:
- the robust score |value - median| / (1.4826 * MAD) is above `max_score` (MAD = 0, a flat
  history: any difference counts as an infinite score), and
- the change is above `min_change`: relative, |value - median| / median, for counts and
  amounts; absolute, |value - median|, for rates and shares (`change = "absolute"`).
It looks only in its `direction` (drop: value below the baseline; rise: above; both), and stays
silent while the baseline is below `min_baseline` or the segment has fewer than `min_rows`
clean rows today (too few to judge), or the history has fewer than `min_history` runs.

The baseline (quality/anomaly.py) is the median of the same weekday over the last
WEEKDAY_WEEKS weeks when at least WEEKDAY_MIN of them ran, else of the last RECENT_DAYS days.
History is the passed runs of earlier dates only: a day stopped by the gate is no baseline.

The defaults are conservative: a fail needs a change of half the baseline (or 30 points of a
rate) and a score above 4, after a week of history. The README has the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Literal

from eventlake.contracts.severity import Severity

Direction = Literal["drop", "rise", "both"]

WEEKDAY_WEEKS = 4
WEEKDAY_MIN = 3
RECENT_DAYS = 14
MAD_SCALE = 1.4826  # MAD of a normal sample * this = its standard deviation


@dataclass(frozen=True)
class Check:
    name: str
    metric: str  # a metric name, or a glob such as "null_rate.*"
    segment: str  # a segment, or a glob such as "country=*"
    direction: Direction
    severity: Severity
    max_score: float
    min_change: float
    change: Literal["relative", "absolute"] = "relative"
    min_history: int = 7
    min_baseline: float = 0.0
    # the segment's clean rows today below this: too few to judge a rate
    min_rows: int = 0

    def __post_init__(self) -> None:
        # A plain word ("fail") becomes its Severity; an unknown word fails at declaration.
        object.__setattr__(self, "severity", Severity(self.severity))

    def applies(self, metric: str, segment: str) -> bool:
        return fnmatchcase(metric, self.metric) and fnmatchcase(segment, self.segment)


CHECKS: tuple[Check, ...] = (
    # name, metric, segment, direction, severity, max_score, min_change, change kind, ...
    Check("volume_all", "rows_read", "all", "both", Severity.FAIL, 4.0, 0.5, min_baseline=100),
    Check(
        "volume_event_type",
        "rows_clean",
        "event_type=*",
        "drop",
        Severity.WARN,
        4.0,
        0.5,
        min_baseline=50,
    ),
    Check("purchases_all", "purchases", "all", "drop", Severity.FAIL, 4.0, 0.5, min_baseline=20),
    Check(
        "purchases_country",
        "purchases",
        "country=*",
        "drop",
        Severity.FAIL,
        4.0,
        0.5,
        min_baseline=20,
    ),
    Check(
        "purchases_device",
        "purchases",
        "device=*",
        "drop",
        Severity.WARN,
        4.0,
        0.5,
        min_baseline=20,
    ),
    Check(
        "null_rate",
        "null_rate.*",
        "event_type=*",
        "rise",
        Severity.FAIL,
        4.0,
        0.3,
        "absolute",
        min_rows=50,
    ),
    Check(
        "quarantine_ratio", "quarantine_ratio", "all", "rise", Severity.WARN, 4.0, 0.05, "absolute"
    ),
    Check(
        "distinct_users", "distinct_users", "all", "drop", Severity.WARN, 4.0, 0.5, min_baseline=20
    ),
    Check("conversion", "conversion", "all", "drop", Severity.WARN, 4.0, 0.5, min_rows=500),
    Check("amount_p50", "amount_p50", "all", "both", Severity.WARN, 4.0, 0.5, min_rows=500),
    Check(
        "late_share", "late_share", "all", "rise", Severity.WARN, 4.0, 0.2, "absolute", min_rows=500
    ),
)
