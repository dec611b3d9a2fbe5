"""Automatic rollback of `champion`: the decision, as data (jobs/monitor_rollback.py acts on it).

Off by default (`ml.auto_rollback`). When on, `eventlake monitor --date D` moves `champion`
back to the version it held before its last move when, on each of the last K monitored dates
(D - K + 1 .. D, `ml.auto_rollback_days`), the champion's realized ROC-AUC

- is below `ml.auto_rollback_roc_auc_floor` (null: this rule is off), or
- is below the previous champion's realized ROC-AUC on the same rows, scored in shadow
  (`ml.auto_rollback_below_previous`).

Only the days on which the current champion itself made the predictions count (role
`champion` and its version): a version just crowned, or just rolled back to, needs K days of
its own before it can be moved again, so one bad day never cascades into a chain of
rollbacks. A day whose ROC-AUC could not be computed (`insufficient`, `no_labels`) breaks the
streak: missing evidence never moves the champion.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

CHAMPION_ROLE = "champion"
PREVIOUS_ROLE = "previous_champion"
# The previous champion is scored in shadow as `previous_champion`, or as `challenger` when it
# is also the latest challenger (then it is scored once).
SHADOW_ROLES = (PREVIOUS_ROLE, "challenger")
ACTOR = "auto-rollback"
METRIC = "roc_auc"


@dataclass(frozen=True)
class RollbackPolicy:
    enabled: bool
    roc_auc_floor: float | None
    days: int
    below_previous: bool


@dataclass(frozen=True)
class RollbackDecision:
    from_version: str
    to_version: str
    rule: str  # floor | below_previous
    reason: str


def reason_prefix(day: date) -> str:
    """How an automatic rollback's alias-history reason starts, for the monitored date `day`."""
    return f"auto-rollback {day.isoformat()}:"


def _values(
    rows: Iterable[Mapping[str, Any]], roles: tuple[str, ...], version: str
) -> dict[date, float]:
    """monitored date -> realized ROC-AUC of `version` in one of `roles`, computed days only."""
    out: dict[date, float] = {}
    for r in rows:
        if (
            r["role"] in roles
            and str(r["model_version"]) == version
            and r["metric"] == METRIC
            and r["status"] in ("ok", "breach")
            and r["value"] is not None
        ):
            out[r["date"]] = float(r["value"])
    return out


def decide(
    rows: Iterable[Mapping[str, Any]],
    day: date,
    champion: str | None,
    previous: str | None,
    policy: RollbackPolicy,
) -> RollbackDecision | None:
    """Whether `champion` goes back to `previous`, from the realized rows of `model_monitoring`
    (any dates; only D - K + 1 .. D are read)."""
    if not policy.enabled or champion is None or previous is None or previous == champion:
        return None
    rows = list(rows)
    dates = [day - timedelta(days=k) for k in range(policy.days - 1, -1, -1)]
    mine = _values(rows, (CHAMPION_ROLE,), champion)
    if not all(d in mine for d in dates):
        return None
    shown = ", ".join(f"{d}: {mine[d]:.4f}" for d in dates)
    floor = policy.roc_auc_floor
    if floor is not None and all(mine[d] < floor for d in dates):
        return RollbackDecision(
            champion,
            previous,
            "floor",
            f"{reason_prefix(day)} realized ROC-AUC of version {champion} below the floor "
            f"{floor} on the last {policy.days} days ({shown}); back to version {previous}",
        )
    if policy.below_previous:
        theirs = _values(rows, SHADOW_ROLES, previous)
        if all(d in theirs and mine[d] < theirs[d] for d in dates):
            against = ", ".join(f"{d}: {theirs[d]:.4f}" for d in dates)
            return RollbackDecision(
                champion,
                previous,
                "below_previous",
                f"{reason_prefix(day)} realized ROC-AUC of version {champion} ({shown}) below "
                f"the previous champion {previous}'s in shadow ({against}) on the last "
                f"{policy.days} days; back to version {previous}",
            )
    return None
