"""The one date parser: strict `YYYY-MM-DD` for dates from the command line, Airflow and config.

A date reaches job arguments, S3 keys and file paths, so anything that is not a real calendar
date (``../../x``, ``2026-1-1``, ``2026-02-30``) is refused before any job starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from eventlake.errors import InvalidDate

_ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")


def parse_date(value: object, what: str = "date") -> date:
    """The calendar date written in `value` (YYYY-MM-DD, or a date); InvalidDate otherwise.

    `what` names the input in the message, e.g. ``--date`` or ``run date``.
    """
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else value
    if not isinstance(text, str) or not _ISO_DATE.match(text):
        raise InvalidDate(f"{what} must be a date like 2026-01-31, got {value!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(f"{what} {value!r} is not a valid calendar date") from None


def validate_date(value: object, what: str = "run date") -> str:
    """The date as `YYYY-MM-DD` text if `value` is a calendar date; InvalidDate otherwise."""
    return parse_date(value, what).isoformat()


def resolve_run_date(params: Mapping[str, Any] | None, ds: str | None) -> str:
    """The date a DAG run works on: the `date` param when given, else the logical date `ds`.

    Runs triggered without a logical date (allowed in Airflow 3) must pass the param.
    """
    param = (params or {}).get("date")
    if param not in (None, ""):
        return validate_date(param)
    if ds:
        return validate_date(ds)
    raise InvalidDate(
        "this run has neither a logical date nor a `date` param; trigger it with a logical "
        'date or with conf {"date": "YYYY-MM-DD"}'
    )


def date_range(start: object, end: object) -> list[str]:
    """Every date from start to end inclusive, in order."""
    first, last = parse_date(start, "start date"), parse_date(end, "end date")
    if last < first:
        raise InvalidDate(f"end date {last} is before start date {first}; swap them")
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
