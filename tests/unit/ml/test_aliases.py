"""The alias history's answers, on rows written by hand (pure Python, no Spark)."""

from __future__ import annotations

from datetime import datetime

import pytest

from eventlake.errors import InputError
from eventlake.jobs.models import moment
from eventlake.ml.aliases import as_of, previous_version


def row(at: str, alias: str, from_version: str | None, to_version: str) -> dict:
    return {
        "changed_at": datetime.fromisoformat(at),
        "alias": alias,
        "from_version": from_version,
        "to_version": to_version,
    }


HISTORY = [
    row("2026-01-12T03:10:00", "challenger", None, "1"),
    row("2026-01-12T03:10:01", "champion", None, "1"),
    row("2026-01-13T03:10:00", "challenger", "1", "2"),  # kept champion 1
    row("2026-01-14T03:10:00", "challenger", "2", "3"),
    row("2026-01-14T03:10:01", "champion", "1", "3"),
    row("2026-01-14T09:00:00", "champion", "3", "1"),  # rolled back by hand
]


def test_as_of_answers_which_version_held_each_alias():
    assert as_of(HISTORY, datetime(2026, 1, 11, 23, 59)) == {}
    assert as_of(HISTORY, datetime(2026, 1, 12, 3, 10)) == {"challenger": "1"}
    assert as_of(HISTORY, datetime(2026, 1, 13, 12)) == {"challenger": "2", "champion": "1"}
    assert as_of(HISTORY, datetime(2026, 1, 14, 8)) == {"challenger": "3", "champion": "3"}
    assert as_of(HISTORY, datetime(2026, 1, 14, 9)) == {"challenger": "3", "champion": "1"}


def test_previous_version_is_where_the_last_move_came_from():
    assert previous_version(HISTORY, "champion", "1") == "3"  # undoes the rollback
    assert previous_version(HISTORY, "champion", "3") == "1"
    assert previous_version(HISTORY, "challenger", "3") == "2"
    assert previous_version(HISTORY[:2], "champion", "1") is None
    assert previous_version(HISTORY, "champion", "9") is None


def test_at_means_the_end_of_a_utc_day_or_an_instant():
    assert moment("2026-01-14") == datetime(2026, 1, 14, 23, 59, 59, 999999)
    assert moment("2026-01-14T09:30:00Z") == datetime(2026, 1, 14, 9, 30)
    assert moment("2026-01-14T11:00:00+02:00") == datetime(2026, 1, 14, 9, 0)
    with pytest.raises(InputError, match="2026-02-30"):
        moment("2026-02-30")
    with pytest.raises(InputError, match="neither YYYY-MM-DD nor an ISO timestamp"):
        moment("yesterday")
