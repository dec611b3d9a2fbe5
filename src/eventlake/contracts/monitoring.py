"""The model-monitoring thresholds (`eventlake monitor`), declared here in one place like the
data checks (contracts/checks.py).

Each threshold judges one metric of `<lake>/model_monitoring` (a name, or a glob such as
`psi.*`): the value breaches when it is below `limit` (`direction = "below"`) or above it
(`"above"`). A breach logs a warning with severity `warn`, and fails `eventlake monitor`
(after its rows are written) with severity `fail`. The severity is changed per deployment in
the conf: `ml.monitor_severity_overrides: {realized_roc_auc: fail}` (by threshold name).

A metric that cannot be judged is a row too, never a silent skip: `no_labels` when the day's
events (the labels of yesterday's predictions) are not in the lake, `insufficient` when
there are fewer than MIN_ROWS rows, a single class, no predictions or no training profile.

PSI (population stability index) levels are the usual ones: below 0.1 stable, 0.1-0.25 a
moderate shift, above 0.25 a significant one. The README has the table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Literal

from eventlake.contracts.severity import RUN_SEVERITIES, Severity, parse_overrides

# Fewer rows than this (realized performance: labelled rows; drift: scored rows) are not judged.
MIN_ROWS = 50


@dataclass(frozen=True)
class Threshold:
    name: str
    metric: str  # a metric name or a glob
    direction: Literal["below", "above"]
    limit: float
    severity: Severity = Severity.WARN

    def __post_init__(self) -> None:
        # A plain word ("fail") becomes its Severity; an unknown word fails at declaration.
        object.__setattr__(self, "severity", Severity(self.severity))

    def applies(self, metric: str) -> bool:
        return fnmatchcase(metric, self.metric)

    def breached(self, value: float) -> bool:
        return value < self.limit if self.direction == "below" else value > self.limit


THRESHOLDS: tuple[Threshold, ...] = (
    # realized performance of yesterday's predictions, today's labels
    Threshold("realized_roc_auc", "roc_auc", "below", 0.70),
    Threshold("realized_pr_auc", "pr_auc", "below", 0.10),
    Threshold("positive_rate_gap", "positive_rate_gap", "above", 0.10),
    # drift of the scoring day against what the champion learnt from
    Threshold("feature_psi", "psi.*", "above", 0.25),
    Threshold("prediction_psi", "prediction_psi", "above", 0.25),
)


def effective_thresholds(overrides: Mapping[str, str] | None = None) -> tuple[Threshold, ...]:
    """THRESHOLDS with severities overridden by configuration (ml.monitor_severity_overrides)."""
    names = tuple(t.name for t in THRESHOLDS)
    chosen = parse_overrides(
        overrides, names, RUN_SEVERITIES, "ml.monitor_severity_overrides", "thresholds"
    )
    return tuple(replace(t, severity=chosen.get(t.name, t.severity)) for t in THRESHOLDS)


def threshold_for(metric: str, thresholds: tuple[Threshold, ...]) -> Threshold | None:
    """The first threshold that applies to `metric`, None if the metric has none."""
    return next((t for t in thresholds if t.applies(metric)), None)


@dataclass(frozen=True)
class Verdict:
    status: str  # ok | breach
    threshold: float | None
    severity: str | None


def judge(metric: str, value: float, thresholds: tuple[Threshold, ...]) -> Verdict:
    """ok or breach for a computed `value`; a metric without a threshold is ok."""
    t = threshold_for(metric, thresholds)
    if t is None:
        return Verdict("ok", None, None)
    return Verdict("breach" if t.breached(value) else "ok", t.limit, t.severity.value)
