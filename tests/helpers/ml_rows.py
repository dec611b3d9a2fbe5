"""Hand-built events rows with the EVENTS_SCHEMA contract, for the ML feature tests.

(A plain module, not conftest: `import conftest` is ambiguous across test directories.)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

D = date(2026, 1, 10)  # the as-of day most tests look at


def ev(
    user: str,
    day: date,
    event_type: str = "page_view",
    *,
    hour: int = 12,
    amount: float | None = None,
    session: str | None = "s1",
    product: str | None = None,
    device: str = "mobile",
    country: str = "US",
    high_value: bool | None = None,
) -> tuple:
    """One events row; is_high_value defaults to the ETL rule (purchase >= 100)."""
    from eventlake.contracts.schemas import EVENT_CATEGORY

    if high_value is None:
        high_value = event_type == "purchase" and amount is not None and amount >= 100
    return (
        f"{user}-{day}-{event_type}-{hour}-{amount}-{session}-{product}",
        user,
        session,
        datetime(day.year, day.month, day.day, hour, 0),
        day,
        hour,
        event_type,
        EVENT_CATEGORY[event_type],
        None if amount is None else Decimal(f"{amount:.2f}"),
        None if amount is None else "USD",
        device,
        "ios",
        country,
        "/",
        product,
        None if product is None else "home",
        None,
        None,
        None,
        high_value,
        day,
        "raw/part-0.json.gz",
        "etl-1",
        datetime(2026, 2, 1),
        None,  # _rescued
    )
