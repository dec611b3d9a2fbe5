"""A run date that is not a calendar date is refused before any job starts."""

from __future__ import annotations

import pytest

from eventlake.dates import date_range, resolve_run_date, validate_date
from eventlake.errors import InvalidDate


@pytest.mark.parametrize(
    "bad", ["../../x", "2026-1-1", "2026-02-30", "2026-01-01/../..", "", None, 20260101]
)
def test_validate_date_refuses_non_dates(bad):
    with pytest.raises(InvalidDate):
        validate_date(bad)


def test_validate_date_accepts_a_calendar_date():
    assert validate_date("2026-01-03") == "2026-01-03"


def test_resolve_run_date_param_wins_over_ds():
    assert resolve_run_date({"date": "2026-01-05"}, "2026-01-09") == "2026-01-05"


def test_resolve_run_date_falls_back_to_ds():
    assert resolve_run_date({"date": None}, "2026-01-09") == "2026-01-09"


def test_resolve_run_date_refuses_a_bad_param_even_with_ds():
    with pytest.raises(InvalidDate, match=r"\.\./\.\./x"):
        resolve_run_date({"date": "../../x"}, "2026-01-09")


def test_resolve_run_date_without_logical_date_or_param():
    with pytest.raises(InvalidDate, match="neither a logical date nor"):
        resolve_run_date({}, None)


def test_date_range_is_inclusive_and_ordered():
    assert date_range("2025-12-30", "2026-01-02") == [
        "2025-12-30",
        "2025-12-31",
        "2026-01-01",
        "2026-01-02",
    ]


def test_date_range_refuses_reversed_range():
    with pytest.raises(InvalidDate, match="before"):
        date_range("2026-01-02", "2026-01-01")


def test_dag_param_schema_refuses_a_path(load_dag):
    """Triggering with conf {"date": "../../x"} is refused when the run is created."""
    from airflow.sdk.exceptions import ParamValidationError

    dag, _ = load_dag("local")
    param = dag.params.get_param("date")
    with pytest.raises(ParamValidationError):
        param.resolve(value="../../x")
    assert param.resolve(value="2026-01-03") == "2026-01-03"
    assert param.resolve(value=None) is None


@pytest.mark.parametrize("target", ["local", "aws"])
def test_rendering_a_bad_date_fails_the_task_without_retry(load_dag, target):
    """Every task's templates go through eventlake_run_date(): a bad value stops it there."""
    from airflow.sdk.exceptions import AirflowFailException

    dag, _ = load_dag(target)
    env = dag.get_template_env()
    template = env.from_string("{{ eventlake_run_date() }}")
    assert template.render(params={"date": None}, ds="2026-01-03") == "2026-01-03"
    with pytest.raises(AirflowFailException, match=r"\.\./\.\./x"):
        template.render(params={"date": "../../x"}, ds="2026-01-03")
    for task in dag.tasks:
        fields = {name: getattr(task, name) for name in task.template_fields}
        assert "eventlake_run_date()" in repr(fields), task.task_id
