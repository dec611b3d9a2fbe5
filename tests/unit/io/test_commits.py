"""io/commits: which run is in charge of a date, and which etl_runs row is its verdict."""

from __future__ import annotations

from datetime import UTC, datetime

from eventlake.io.commits import Commit, row_in_charge, run_in_charge

DAY = "2026-01-05"


def _commit(table: str, version: int, ms: int, run_id: str, day: str = DAY) -> Commit:
    return Commit(table, version, ms, run_id, day, "write")


def _row(run_id: str, hour: int, passed: bool) -> dict:
    return {
        "run_id": run_id,
        "finished_at": datetime(2026, 1, 6, hour, tzinfo=UTC),
        "gate_passed": passed,
    }


def test_the_latest_commit_of_the_date_names_the_run_in_charge() -> None:
    commits = [
        _commit("events", 3, 1_000, "run-a"),
        _commit("quarantine", 7, 2_000, "run-b"),
        _commit("events", 9, 9_000, "run-c", day="2026-01-06"),  # another date
    ]
    assert run_in_charge(commits, DAY) == commits[1]
    assert run_in_charge(commits, "2026-01-07") is None


def test_the_verdict_is_the_row_of_the_run_in_charge_not_a_later_one() -> None:
    rows = [_row("run-b", 4, False), _row("run-a", 9, True)]
    assert row_in_charge(rows, _commit("quarantine", 7, 2_000, "run-b")) == rows[0]


def test_a_run_in_charge_without_a_row_has_no_verdict() -> None:
    assert row_in_charge([_row("run-a", 9, True)], _commit("events", 8, 5_000, "run-k")) is None


def test_without_tagged_commits_the_latest_row_wins_and_a_tie_goes_to_the_larger_run_id() -> None:
    rows = [_row("run-b", 5, True), _row("run-c", 5, False), _row("run-a", 3, True)]
    assert row_in_charge(rows, None) == rows[1]
    assert row_in_charge([], None) is None
