"""Strict parsing of the dates that come from the command line, Airflow and config."""

from __future__ import annotations

import re
from datetime import date

from eventlake.errors import InputError

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: str, what: str = "date") -> date:
    """YYYY-MM-DD only; anything else (e.g. '../../x') is refused with a clear message."""
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise InputError(f"{what} must be a date like 2026-01-31, got {value!r}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{what} {value!r} is not a valid calendar date") from None
