"""A fault planted in one day's drop, to test the anomaly checks (contracts/checks.py).

Both kinds leave valid records, so the row rules and the quarantine ratio do not see them:
- `drop`: of the clean events of `event_type` (and `country`, when given), only the share
  `keep` is written; the others are left out, as a tracking break in one country would.
- `null`: from `from_hour` (UTC, event time) on, `field` is sent null in the clean events of
  `event_type`, as an app release that stops sending it would.
- `propensity`: from the day `from` on, every user of `country` buys with the flipped
  propensity min(1, factor * (1 - p)) (datagen/world.py, `plant_propensity`): the keen buyers
  stop, the idle ones start. Records stay valid; it is a drift of behaviour for the model
  monitoring (`eventlake monitor`), not a data fault. The days before `from` are unchanged.
- `impulse`: from the day `from` on, the users of `country` (`*`: of every country) stop
  running buying missions (datagen/world.py, `plant_impulse`): no more research days, and on
  each day a purchase >= 100 on impulse with probability `rate`, drawn independently of
  anything they did before; their everyday sessions are those of propensity 0. What a user
  did no longer says whether they will buy, so a model's ranking of them is chance. Also a
  drift of behaviour; the days before `from` are unchanged.
Which events are kept is a pure function of the event id: the same bytes on every run.

The spec string of `eventlake generate --plant` is `<kind>:<key>=<value>,...`, e.g.
`drop:day=2026-01-15,event_type=purchase,country=US,keep=0.3` or
`null:day=2026-01-15,event_type=click,field=product_id,from_hour=12` or
`propensity:from=2026-01-10,country=DE,factor=1.0` or
`impulse:from=2026-01-10,country=*,rate=0.2`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import date

from eventlake.contracts.schemas import EVENT_TYPES, RAW_FIELDS
from eventlake.errors import InputError

# Kinds that change the world's behaviour (datagen/world.py) rather than one day's records.
BEHAVIOUR_KINDS = ("propensity", "impulse")


@dataclass(frozen=True)
class Plant:
    kind: str  # drop | null | propensity | impulse
    day: date  # for propensity and impulse: the first day of the change
    event_type: str  # empty for propensity and impulse
    country: str | None = None  # None: every country (drop without country, impulse with *)
    keep: float = 0.3
    field: str | None = None
    from_hour: int = 0
    factor: float = 1.0
    rate: float = 0.0

    def keeps(self, event_id: str) -> bool:
        """The event is one of the share `keep` that a drop writes."""
        return zlib.crc32(event_id.encode()) / 2**32 < self.keep


def parse_plant(spec: str) -> Plant:
    """A Plant from its spec string (module docstring); InputError naming what is wrong."""
    kind, _, rest = spec.partition(":")
    if kind not in ("drop", "null", *BEHAVIOUR_KINDS):
        raise InputError(
            f"--plant {spec!r}: the kind must be drop, null, propensity or impulse, e.g. {_EXAMPLE}"
        )
    values: dict[str, str] = {}
    for part in filter(None, rest.split(",")):
        key, sep, value = part.partition("=")
        if not sep:
            raise InputError(f"--plant {spec!r}: {part!r} is not key=value, e.g. {_EXAMPLE}")
        values[key.strip()] = value.strip()
    if kind == "propensity":
        return _parse_propensity(spec, values)
    if kind == "impulse":
        return _parse_impulse(spec, values)
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


def _parse_propensity(spec: str, values: dict[str, str]) -> Plant:
    from eventlake.tools.datagen.world import COUNTRIES

    unknown = sorted(set(values) - {"from", "country", "factor"})
    if unknown or "from" not in values or "country" not in values:
        bad = f"; unknown: {unknown}" if unknown else ""
        raise InputError(
            f"--plant {spec!r}: propensity takes from, country and factor (default 1){bad}, "
            "e.g. propensity:from=2026-01-10,country=DE,factor=1.0"
        )
    countries = [c[0] for c in COUNTRIES]
    if values["country"] not in countries:
        raise InputError(f"--plant {spec!r}: country must be one of {countries}")
    try:
        plant = Plant(
            "propensity",
            date.fromisoformat(values["from"]),
            "",
            country=values["country"],
            factor=float(values.get("factor", 1.0)),
        )
    except ValueError as exc:
        raise InputError(f"--plant {spec!r}: {exc}") from None
    if not plant.factor >= 0.0:
        raise InputError(f"--plant {spec!r}: factor must be >= 0")
    return plant


def _parse_impulse(spec: str, values: dict[str, str]) -> Plant:
    from eventlake.tools.datagen.world import COUNTRIES

    example = "e.g. impulse:from=2026-01-10,country=*,rate=0.2"
    unknown = sorted(set(values) - {"from", "country", "rate"})
    if unknown or not {"from", "country", "rate"} <= set(values):
        bad = f"; unknown: {unknown}" if unknown else ""
        raise InputError(f"--plant {spec!r}: impulse takes from, country and rate{bad}, {example}")
    countries = [c[0] for c in COUNTRIES]
    if values["country"] not in ("*", *countries):
        raise InputError(
            f"--plant {spec!r}: country must be * (every country) or one of {countries}"
        )
    try:
        plant = Plant(
            "impulse",
            date.fromisoformat(values["from"]),
            "",
            country=None if values["country"] == "*" else values["country"],
            rate=float(values["rate"]),
        )
    except ValueError as exc:
        raise InputError(f"--plant {spec!r}: {exc}") from None
    if not 0.0 <= plant.rate <= 1.0:
        raise InputError(f"--plant {spec!r}: rate must be within [0, 1], {example}")
    return plant
