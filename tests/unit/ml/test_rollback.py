"""ml/rollback.decide on hand-written model_monitoring rows (realized ROC-AUC)."""

from __future__ import annotations

from datetime import date

from eventlake.ml.rollback import RollbackDecision, RollbackPolicy, decide

D = date(2026, 3, 10)
ON = RollbackPolicy(enabled=True, roc_auc_floor=0.70, days=3, below_previous=True)


def row(day: int, version: str, value: float | None, role: str = "champion", status: str = "ok"):
    return {
        "date": date(2026, 3, day),
        "model_version": version,
        "role": role,
        "metric": "roc_auc",
        "status": status if value is not None else "insufficient",
        "value": value,
    }


def test_off_by_default_policy_never_moves():
    rows = [row(8, "4", 0.50), row(9, "4", 0.50), row(10, "4", 0.50)]
    off = RollbackPolicy(enabled=False, roc_auc_floor=0.70, days=3, below_previous=True)
    assert decide(rows, D, "4", "3", off) is None


def test_three_days_below_the_floor_move_back():
    rows = [row(8, "4", 0.61), row(9, "4", 0.58, status="breach"), row(10, "4", 0.65)]
    got = decide(rows, D, "4", "3", ON)
    assert isinstance(got, RollbackDecision)
    assert (got.from_version, got.to_version, got.rule) == ("4", "3", "floor")
    assert got.reason == (
        "auto-rollback 2026-03-10: realized ROC-AUC of version 4 below the floor 0.7 on the "
        "last 3 days (2026-03-08: 0.6100, 2026-03-09: 0.5800, 2026-03-10: 0.6500); back to "
        "version 3"
    )


def test_a_day_at_or_above_the_floor_breaks_the_streak():
    rows = [row(8, "4", 0.61), row(9, "4", 0.70), row(10, "4", 0.65)]
    assert decide(rows, D, "4", "3", ON) is None


def test_a_day_without_a_value_breaks_the_streak():
    rows = [row(8, "4", 0.61), row(9, "4", None), row(10, "4", 0.65)]
    assert decide(rows, D, "4", "3", ON) is None
    assert decide([row(9, "4", 0.6), row(10, "4", 0.6)], D, "4", "3", ON) is None  # no day 8


def test_only_the_current_champions_own_days_count():
    # day 8 was judged on version 3's predictions (it was champion then)
    rows = [row(8, "3", 0.61), row(9, "4", 0.58), row(10, "4", 0.65)]
    assert decide(rows, D, "4", "3", ON) is None
    # version 4's low day 8 in shadow (as challenger) is not a day of its own as champion
    rows = [row(8, "4", 0.61, role="challenger"), row(9, "4", 0.58), row(10, "4", 0.65)]
    assert decide(rows, D, "4", "3", ON) is None


def test_rows_outside_the_window_are_not_read():
    rows = [row(6, "4", 0.5), row(7, "4", 0.5), row(8, "4", 0.5), row(9, "4", 0.5)]
    assert decide(rows, D, "4", "3", ON) is None  # day 10 missing


def test_below_the_previous_champion_in_shadow_moves_back():
    rows = [
        row(8, "4", 0.75),
        row(9, "4", 0.74),
        row(10, "4", 0.73),
        row(8, "3", 0.80, role="previous_champion"),
        row(9, "3", 0.79, role="previous_champion"),
        row(10, "3", 0.81, role="previous_champion"),
    ]
    got = decide(rows, D, "4", "3", ON)
    assert got is not None and (got.to_version, got.rule) == ("3", "below_previous")
    assert got.reason == (
        "auto-rollback 2026-03-10: realized ROC-AUC of version 4 (2026-03-08: 0.7500, "
        "2026-03-09: 0.7400, 2026-03-10: 0.7300) below the previous champion 3's in shadow "
        "(2026-03-08: 0.8000, 2026-03-09: 0.7900, 2026-03-10: 0.8100) on the last 3 days; "
        "back to version 3"
    )
    # the same rows with the comparison switched off: above the floor, nothing moves
    no_compare = RollbackPolicy(enabled=True, roc_auc_floor=0.70, days=3, below_previous=False)
    assert decide(rows, D, "4", "3", no_compare) is None


def test_a_tie_with_the_previous_champion_does_not_move():
    rows = [
        *(row(d, "4", 0.75) for d in (8, 9, 10)),
        row(8, "3", 0.80, role="previous_champion"),
        row(9, "3", 0.75, role="previous_champion"),
        row(10, "3", 0.81, role="previous_champion"),
    ]
    assert decide(rows, D, "4", "3", ON) is None


def test_the_previous_champion_scored_as_challenger_counts():
    rows = [
        *(row(d, "4", 0.75) for d in (8, 9, 10)),
        *(row(d, "3", 0.78, role="challenger") for d in (8, 9, 10)),
    ]
    got = decide(rows, D, "4", "3", ON)
    assert got is not None and got.rule == "below_previous"


def test_no_previous_version_or_no_champion_never_moves():
    rows = [row(d, "4", 0.5) for d in (8, 9, 10)]
    assert decide(rows, D, "4", None, ON) is None
    assert decide(rows, D, None, "3", ON) is None
    assert decide(rows, D, "4", "4", ON) is None


def test_floor_off_leaves_only_the_comparison():
    rows = [row(d, "4", 0.5) for d in (8, 9, 10)]
    floorless = RollbackPolicy(enabled=True, roc_auc_floor=None, days=3, below_previous=True)
    assert decide(rows, D, "4", "3", floorless) is None  # no shadow rows to compare with


def test_one_day_window():
    one = RollbackPolicy(enabled=True, roc_auc_floor=0.70, days=1, below_previous=False)
    got = decide([row(10, "4", 0.69)], D, "4", "3", one)
    assert got is not None and got.rule == "floor"


def test_the_monitor_failure_names_the_rollback_and_how_to_undo_it():
    from eventlake.jobs.monitor import failure_message

    rolled = {
        "from_version": "4",
        "to_version": "3",
        "reason": "auto-rollback 2026-03-10: realized ROC-AUC of version 4 below ...",
        "table": "file:///lake/model_aliases",
    }
    assert failure_message(D, [], rolled, "file:///lake/model_monitoring") == (
        "model monitoring of 2026-03-10: auto-rollback 2026-03-10: realized ROC-AUC of "
        "version 4 below ... (alias history file:///lake/model_aliases; undo with `eventlake "
        "promote --version 4 --reason ...`). The rows are in file:///lake/model_monitoring"
    )
    breach = {"metric": "psi.n_events", "model_version": "3", "value": 0.31, "threshold": 0.25}
    assert failure_message(D, [breach], None, "T") == (
        "model monitoring of 2026-03-10: crossed fail thresholds: psi.n_events of version 3 = "
        "0.3100 (threshold 0.25); thresholds in contracts/monitoring.py. The rows are in T"
    )
