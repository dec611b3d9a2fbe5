"""The run date: one validated `YYYY-MM-DD` string, from the data interval or a run param.

A date reaches job arguments, S3 keys and file paths, so anything that is not a real calendar
date (``../../x``, ``2026-1-1``, ``2026-02-30``) is refused before any job starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

_DATE_RE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


class InvalidRunDate(ValueError):
    """A run date that is not a calendar date in the form YYYY-MM-DD."""


def validate_date(value: object) -> str:
    """The value itself if it is a `YYYY-MM-DD` calendar date, else InvalidRunDate."""
    text = value.isoformat() if isinstance(value, date) else value
    if not isinstance(text, str) or not _DATE_RE.match(text):
        raise InvalidRunDate(f"run date {value!r} is not a date in the form YYYY-MM-DD")
    try:
        date.fromisoformat(text)
    except ValueError:
        raise InvalidRunDate(f"run date {value!r} is not a calendar date") from None
    return text


def resolve_run_date(params: Mapping[str, Any] | None, ds: str | None) -> str:
    """The date a DAG run works on: the `date` param when given, else the logical date `ds`.

    Runs triggered without a logical date (allowed in Airflow 3) must pass the param.
    """
    param = (params or {}).get("date")
    if param not in (None, ""):
        return validate_date(param)
    if ds:
        return validate_date(ds)
    raise InvalidRunDate(
        "this run has neither a logical date nor a `date` param; trigger it with a logical "
        'date or with conf {"date": "YYYY-MM-DD"}'
    )


def date_range(start: str, end: str) -> list[str]:
    """Every date from start to end inclusive, in order."""
    first, last = date.fromisoformat(validate_date(start)), date.fromisoformat(validate_date(end))
    if last < first:
        raise InvalidRunDate(f"end date {end} is before start date {start}")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
