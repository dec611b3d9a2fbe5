"""A fault planted in one day's drop, to test the anomaly checks (contracts/checks.py).

Both kinds leave valid records, so the row rules and the quarantine ratio do not see them:
- `drop`: of the clean events of `event_type` (and `country`, when given), only the share
  `keep` is written; the others are left out, as a tracking break in one country would.
- `null`: from `from_hour` (UTC, event time) on, `field` is sent null in the clean events of
  `event_type`, as an app release that stops sending it would.
Which events are kept is a pure function of the event id: the same bytes on every run.

The spec string of `eventlake generate --plant` is `<kind>:<key>=<value>,...`, e.g.
`drop:day=2026-01-15,event_type=purchase,country=US,keep=0.3` or
`null:day=2026-01-15,event_type=click,field=product_id,from_hour=12`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

from eventlake.contracts.schemas import EVENT_TYPES, RAW_FIELDS
from eventlake.errors import InputError


@dataclass(frozen=True)
class Plant:
    kind: str  # drop | null
    day: date
    event_type: str
    country: str | None = None
    keep: float = 0.3
    field: str | None = None
    from_hour: int = 0

    def keeps(self, event_id: str) -> bool:
        """The event is one of the share `keep` that a drop writes."""
        return zlib.crc32(event_id.encode()) / 2**32 < self.keep


def parse_plant(spec: str) -> Plant:
    """A Plant from its spec string (module docstring); InputError naming what is wrong."""
    kind, _, rest = spec.partition(":")
    if kind not in ("drop", "null"):
        raise InputError(f"--plant {spec!r}: the kind must be drop or null, e.g. {_EXAMPLE}")
    values: dict[str, str] = {}
    for part in filter(None, rest.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise InputError(f"--plant {spec!r}: {part!r} is not key=value, e.g. {_EXAMPLE}")
        values[key.strip()] = value.strip()
    allowed = (
        {"day", "event_type", "country", "keep"}
        if kind == "drop"
        else {"day", "event_type", "field", "from_hour"}
    )
    unknown = set(values) - allowed
    if unknown or "day" not in values or "event_type" not in values:
        extra = sorted(allowed - {"day", "event_type"})
        bad = f"; unknown: {sorted(unknown)}" if unknown else ""
        raise InputError(f"--plant {spec!r}: {kind} takes day, event_type and {extra}{bad}")
    try:
        plant = Plant(
            kind,
            date.fromisoformat(values["day"]),
            values["event_type"],
            country=values.get("country"),
            keep=float(values.get("keep", 0.3)),
            field=values.get("field"),
            from_hour=int(values.get("from_hour", 0)),
        )
    except ValueError as exc:
        raise InputError(f"--plant {spec!r}: {exc}") from None
    if plant.event_type not in EVENT_TYPES:
        raise InputError(f"--plant {spec!r}: unknown event_type; one of {EVENT_TYPES}")
    if not 0.0 <= plant.keep <= 1.0 or not 0 <= plant.from_hour <= 23:
        raise InputError(f"--plant {spec!r}: keep must be within [0, 1], from_hour 0..23")
    if kind == "null" and plant.field not in RAW_FIELDS:
        raise InputError(f"--plant {spec!r}: field must be one of {RAW_FIELDS}")
    return plant


_EXAMPLE = "drop:day=2026-01-15,event_type=purchase,country=US,keep=0.3"
