"""The ETL's data-quality step: metrics from the counting pass's groups, judged against their
history by the anomaly checks. jobs/etl.py calls `judge` before its quality gate."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from eventlake.io import dq
from eventlake.quality.anomaly import CheckResult, History, evaluate, fired, history_window
from eventlake.quality.metrics import metric_rows, schema_rows

if TYPE_CHECKING:
    from eventlake.settings import Settings


@dataclass
class Quality:
    rows: list[tuple[str, str, float | None]]
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def failures(self) -> list[CheckResult]:
        return fired(self.checks, "fail")

    @property
    def warnings(self) -> list[CheckResult]:
        return fired(self.checks, "warn")


def judge(
    spark,
    settings: Settings,
    day: date,
    groups: list[dict[str, Any]],
    rescued_fields: dict[str, int] | None = None,
) -> Quality:
    rows = metric_rows(groups) + schema_rows(rescued_fields or {})
    past = dq.read_history(spark, settings, history_window(day), day)
    history: History = {}
    for d, metric, segment, value in past:
        if value is not None:
            history.setdefault((metric, segment), {})[d] = value
    current = {(m, s): v for m, s, v in rows}
    return Quality(rows, evaluate(day, current, history))


def failure_message(failures: list[CheckResult]) -> str:
    return "anomaly checks with severity 'fail' fired: " + "; ".join(r.describe() for r in failures)


def warning_message(warnings: list[CheckResult]) -> str:
    return "anomaly warnings: " + "; ".join(r.describe() for r in warnings)
