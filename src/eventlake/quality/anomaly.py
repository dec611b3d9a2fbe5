"""Baselines and robust scores for the anomaly checks (contracts/checks.py). Pure Python: the
caller passes the run's metrics and the history read from `dq_metrics`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from statistics import median

from eventlake.contracts.checks import (
    CHECKS,
    MAD_SCALE,
    RECENT_DAYS,
    WEEKDAY_MIN,
    WEEKDAY_WEEKS,
    Check,
)

# (metric, segment) -> {processing_date: value}
History = dict[tuple[str, str], dict[date, float]]


@dataclass(frozen=True)
class Baseline:
    value: float
    kind: str
    history: int
    mad: float


@dataclass(frozen=True)
class CheckResult:
    check: str
    metric: str
    segment: str
    severity: str
    outcome: str  # ok | warn | fail | no_history
    value: float | None
    baseline: float | None
    baseline_kind: str | None
    history: int
    score: float | None
    change: float | None

    def describe(self) -> str:
        """One line naming the metric, segment, value and baseline."""
        return (
            f"{self.metric} for segment {self.segment} is {_fmt(self.value)} against a baseline "
            f"of {_fmt(self.baseline)} ({self.baseline_kind}; score {_fmt(self.score)}, change "
            f"{_fmt(self.change)}; check {self.check}, severity {self.severity})"
        )

    def as_row(self) -> dict[str, object]:
        row = asdict(self)
        # Spark's DoubleType takes inf, JSON does not: a flat history's score is stored as null.
        if row["score"] is not None and math.isinf(row["score"]):
            row["score"] = None
        return row


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "inf"
    return f"{value:.4g}"


def history_window(day: date) -> date:
    """The earliest date any baseline for `day` reads."""
    return day - timedelta(days=max(WEEKDAY_WEEKS * 7, RECENT_DAYS))


def baseline(day: date, past: dict[date, float]) -> Baseline | None:
    """Median and MAD of the same weekday over the last WEEKDAY_WEEKS weeks when at least
    WEEKDAY_MIN of them have a value, else of the last RECENT_DAYS days; None without any."""
    weekday = [
        past[d] for k in range(1, WEEKDAY_WEEKS + 1) if (d := day - timedelta(weeks=k)) in past
    ]
    if len(weekday) >= WEEKDAY_MIN:
        values, kind = weekday, f"median of {len(weekday)} same-weekday runs"
    else:
        values = [v for d, v in past.items() if day - timedelta(days=RECENT_DAYS) <= d < day]
        kind = f"median of the last {RECENT_DAYS} days ({len(values)} runs)"
    if not values:
        return None
    mid = median(values)
    return Baseline(mid, kind, len(values), median(abs(v - mid) for v in values))


def score(value: float, base: Baseline) -> float:
    """|value - median| / (MAD_SCALE * MAD); infinite for any difference from a flat history."""
    diff = abs(value - base.value)
    if base.mad == 0:
        return math.inf if diff > 0 else 0.0
    return diff / (MAD_SCALE * base.mad)


def change(value: float, base: Baseline, kind: str) -> float:
    diff = abs(value - base.value)
    if kind == "absolute":
        return diff
    if base.value == 0:
        return math.inf if diff > 0 else 0.0
    return diff / abs(base.value)


def evaluate_one(
    check: Check,
    metric: str,
    segment: str,
    value: float | None,
    day: date,
    past: dict[date, float],
    rows: float | None = None,
) -> CheckResult:
    """One check of one (metric, segment): `past` its values by earlier date, `rows` the
    segment's clean rows today (for min_rows)."""
    earlier = {d: v for d, v in past.items() if d < day and v is not None}
    base = baseline(day, earlier)
    n = base.history if base else 0

    def result(outcome: str, s: float | None = None, c: float | None = None) -> CheckResult:
        return CheckResult(
            check.name,
            metric,
            segment,
            check.severity.value,
            outcome,
            value,
            base.value if base else None,
            base.kind if base else None,
            n,
            s,
            c,
        )

    if base is None or n < check.min_history or value is None:
        return result("no_history")
    s, c = score(value, base), change(value, base, check.change)
    if base.value < check.min_baseline or (rows or 0) < check.min_rows:
        return result("ok", s, c)
    below, above = value < base.value, value > base.value
    looks = {"drop": below, "rise": above, "both": below or above}[check.direction]
    fired = looks and s > check.max_score and c > check.min_change
    return result(check.severity.value if fired else "ok", s, c)


def evaluate(
    day: date,
    current: dict[tuple[str, str], float | None],
    history: History,
    checks: tuple[Check, ...] = CHECKS,
) -> list[CheckResult]:
    """Every check against every (metric, segment) of the run it applies to. A segment seen
    in the history but missing today (a country that sent nothing) is judged as 0 for the
    additive volume metrics."""
    keys = set(current) | {k for k in history if k[0] in ("rows_read", "rows_clean", "purchases")}
    out = []
    for metric, segment in sorted(keys):
        for check in checks:
            if check.applies(metric, segment):
                value = current.get((metric, segment), 0.0)
                past = history.get((metric, segment), {})
                rows = current.get(("rows_clean", segment))
                out.append(evaluate_one(check, metric, segment, value, day, past, rows))
    return out


def fired(results: list[CheckResult], severity: str) -> list[CheckResult]:
    return [r for r in results if r.outcome == severity]
