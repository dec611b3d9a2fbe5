"""Users, product catalogue, buying missions and the daily session plans.

The planted signal (issue 3): every user has a latent propensity to buy, fixed for the whole
run. Propensity raises how often the user browses, fills carts and makes small purchases, and
how often a *buying mission* starts: one or two research days (searches, expensive items put in
the cart and abandoned) followed by a purchase of at least 100 on the mission's last day. So
a user's last seven days (carts without purchases, past spend, activity) predict a high-value
purchase the next day, and a model has something real to learn.

Randomness only comes from ``random.Random`` instances seeded by :func:`derive_seed`, never
from the clock or ``hash()``, so the same arguments always give the same world.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from random import Random

from eventlake.settings import base_default

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
EPOCH_ORDINAL = date(1970, 1, 1).toordinal()

# Session outcomes; the plan fixes each session's outcome and length, the renderer fills it in.
BROWSE, CART, CHECKOUT, PURCHASE, HV_PURCHASE, RESEARCH = range(6)
MIN_LENGTH = (1, 2, 3, 4, 4, 4)

# Per-user buying state for one day.
IDLE, RESEARCHING, MISSION_BUY, IMPULSE_BUY = range(4)

# (country, currency, weight, UTC offsets in minutes, first IPv4 octets)
COUNTRIES: tuple[tuple[str, str, float, tuple[int, ...], tuple[int, ...]], ...] = (
    ("US", "USD", 30, (-300, -360, -480), (23, 34, 52, 67, 98)),
    ("GB", "GBP", 10, (0,), (81, 86, 90)),
    ("DE", "EUR", 9, (60,), (78, 84, 91)),
    ("FR", "EUR", 7, (60,), (82, 90, 92)),
    ("IN", "INR", 11, (330,), (49, 103, 117)),
    ("BR", "BRL", 7, (-180,), (177, 179, 189)),
    ("CA", "CAD", 5, (-300, -480), (24, 99, 142)),
    ("ES", "EUR", 4, (60,), (83, 88)),
    ("IT", "EUR", 4, (60,), (79, 93)),
    ("NL", "EUR", 3, (60,), (77, 145)),
    ("AU", "AUD", 5, (660, 480), (1, 101, 110)),
    ("MX", "MXN", 5, (-360,), (187, 189, 201)),
)

# (device, weight, ((os, weight), ...))
DEVICES: tuple[tuple[str, float, tuple[tuple[str, float], ...]], ...] = (
    ("mobile", 0.55, (("ios", 0.45), ("android", 0.55))),
    ("desktop", 0.35, (("windows", 0.68), ("macos", 0.26), ("linux", 0.06))),
    ("tablet", 0.10, (("ios", 0.6), ("android", 0.4))),
)

APP_VERSIONS: tuple[tuple[str, float], ...] = (
    ("4.2.1", 0.35),
    ("4.2.0", 0.2),
    ("4.1.3", 0.18),
    ("4.0.7", 0.12),
    ("3.9.12", 0.1),
    ("3.8.4", 0.05),
)

# (name, median price, price spread, weight as a mission category, search terms)
CATEGORIES: tuple[tuple[str, float, float, float, tuple[str, ...]], ...] = (
    ("electronics", 140, 0.9, 3.0, ("headphones", "4k+tv", "laptop", "smartwatch", "speaker")),
    ("home", 45, 0.8, 1.5, ("sofa", "desk+lamp", "coffee+maker", "bed+sheets", "vacuum")),
    ("fashion", 40, 0.7, 1.0, ("winter+coat", "sneakers", "jeans", "dress", "handbag")),
    ("sports", 50, 0.9, 1.2, ("running+shoes", "yoga+mat", "bike+helmet", "dumbbells", "tent")),
    ("beauty", 22, 0.5, 0.0, ("lipstick", "sunscreen", "perfume", "shampoo")),
    ("books", 16, 0.4, 0.0, ("thriller", "cookbook", "kids+books", "biography")),
    ("toys", 28, 0.6, 0.0, ("lego", "puzzle", "board+game", "doll")),
    ("grocery", 12, 0.5, 0.0, ("coffee+beans", "olive+oil", "tea", "snacks")),
    ("garden", 38, 0.8, 0.8, ("lawn+mower", "grill", "planter", "hose")),
)
PRODUCTS_PER_CATEGORY = 60
# The contract's default high-value threshold (etl.high_value_threshold): the world prices
# its expensive products at or above it, so the label has buyers.
HIGH_VALUE = float(base_default("etl", "high_value_threshold"))

# Local-time activity by hour (0..23): quiet nights, a lunch bump, an evening peak.
DIURNAL = (
    0.6, 0.35, 0.2, 0.15, 0.15, 0.25, 0.5, 0.9, 1.2, 1.3, 1.35, 1.45,
    1.6, 1.5, 1.4, 1.4, 1.5, 1.7, 2.0, 2.3, 2.4, 2.1, 1.6, 1.0,
)  # fmt: skip

# Time formats, see render.format_time. Clients stick to a profile, with some variety.
ISO_Z_MS, ISO_Z, ISO_SPACE_OFFSET, ISO_T_OFFSET_MS, NAIVE_SPACE, EPOCH_S, EPOCH_MS, NAIVE_T_MS = (
    range(8)
)
TIME_PROFILES: dict[str, tuple[tuple[int, float], ...]] = {
    "web": ((ISO_Z_MS, 0.55), (ISO_Z, 0.2), (ISO_SPACE_OFFSET, 0.1), (ISO_T_OFFSET_MS, 0.05),
            (NAIVE_SPACE, 0.05), (NAIVE_T_MS, 0.05)),
    "app": ((EPOCH_MS, 0.6), (ISO_Z_MS, 0.2), (EPOCH_S, 0.1), (ISO_T_OFFSET_MS, 0.1)),
    "legacy": ((EPOCH_S, 0.4), (ISO_SPACE_OFFSET, 0.3), (NAIVE_SPACE, 0.2), (ISO_Z, 0.1)),
}  # fmt: skip

LATE_SHARE = 0.015  # share of app sessions that reach the bucket one or two days late
NEW_USER_SHARE = 0.12  # users who sign up during the generated period


def derive_seed(*parts: object) -> int:
    """A 64-bit seed from the run seed and a path of labels, the same in every process."""
    text = ":".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big")


def cumulative(weights: Sequence[float]) -> tuple[float, ...]:
    """Normalised running sums, for :func:`pick`."""
    total = float(sum(weights))
    acc = 0.0
    out = []
    for w in weights:
        acc += w
        out.append(acc / total)
    out[-1] = 1.0
    return tuple(out)


def pick(cum: Sequence[float], u: float) -> int:
    """The index that a uniform draw ``u`` in [0, 1) selects from cumulative weights."""
    return bisect_right(cum, u)


def normal(rng: Random) -> float:
    """A standard normal draw built on ``random()`` alone (its sequence is the stable one)."""
    return math.sqrt(-2.0 * math.log(1.0 - rng.random())) * math.cos(2.0 * math.pi * rng.random())


def geometric(rng: Random, mean: float) -> int:
    """A non-negative integer with roughly the given mean."""
    return int(-mean * math.log(1.0 - rng.random()))


def _user_agent(rng: Random, device: str, os_name: str, app_version: str) -> str:
    """A realistic user agent string: browsers and the shop's own app (commas and ';' inside)."""
    app = rng.random() < (0.6 if device != "desktop" else 0.0)
    major = rng.choice((122, 123, 124, 125))
    chrome = f"{major}.0.{6200 + int(rng.random() * 300)}.{int(rng.random() * 200)}"
    if os_name == "ios":
        major, minor = rng.choice((16, 17, 17, 18)), int(rng.random() * 6)
        hw = "iPad" if device == "tablet" else "iPhone"
        if app:
            model = f"{hw}{rng.choice((13, 14, 15, 16))},{1 + int(rng.random() * 4)}"
            return f"ShopApp/{app_version} ({model}; iOS {major}.{minor}.1; Scale/3.00)"
        cpu = "CPU OS" if device == "tablet" else "CPU iPhone OS"
        return (
            f"Mozilla/5.0 ({hw}; {cpu} {major}_{minor} like Mac OS X) AppleWebKit/605.1.15 "
            f"(KHTML, like Gecko) Version/{major}.{minor} Mobile/15E148 Safari/604.1"
        )
    if os_name == "android":
        version = rng.choice((12, 13, 14, 14, 15))
        phones = ("Pixel 8", "SM-S918B", "SM-A546B", "moto g84 5G", "2201116SG", "CPH2581")
        tablets = ("SM-X710", "SM-X200", "Lenovo TB-X606F")
        model = rng.choice(tablets if device == "tablet" else phones)
        if app:
            return f"ShopApp/{app_version} (Linux; U; Android {version}; {model} Build/UP1A.231005)"
        mobile = "" if device == "tablet" else "Mobile "
        return (
            f"Mozilla/5.0 (Linux; Android {version}; {model}) AppleWebKit/537.36 "
            f"(KHTML, like Gecko) Chrome/{chrome} {mobile}Safari/537.36"
        )
    if os_name == "windows":
        if rng.random() < 0.2:
            return (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"
            )
        edge = f" Edg/{chrome}" if rng.random() < 0.3 else ""
        return (
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
            f"(KHTML, like Gecko) Chrome/{chrome} Safari/537.36{edge}"
        )
    if os_name == "macos":
        if rng.random() < 0.5:
            return (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 "
                "(KHTML, like Gecko) Version/17.4.1 Safari/605.1.15"
            )
        return (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
            f"(KHTML, like Gecko) Chrome/{chrome} Safari/537.36"
        )
    if rng.random() < 0.5:
        return "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
    return (
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
        f"(KHTML, like Gecko) Chrome/{chrome} Safari/537.36"
    )


@dataclass(slots=True)
class Product:
    product_id: str
    category: int
    price: float


@dataclass(slots=True)
class User:
    idx: int
    user_id: str
    propensity: float
    activity: float
    country: str
    currency: str
    tz_minutes: int
    device: str
    os: str
    user_agent: str
    app_version: str
    ip_prefix: str
    ip_last: int
    hour_cum: tuple[float, ...]
    time_formats: tuple[int, ...]
    time_format_cum: tuple[float, ...]
    category_cum: tuple[float, ...]
    mission_category: int
    signup_day: int  # day index of the signup, -1 for users who existed before the start


@dataclass(slots=True)
class Session:
    start_ms: int  # first event, epoch milliseconds
    day_start_ms: int  # the UTC day the session happened on (D, or D-1/D-2 when late)
    arrival_ms: int  # where the session's events sit in D's drop
    user: int
    length: int
    outcome: int
    seed: int
    signup: bool
    late: bool
    file: int = 0


@dataclass(slots=True)
class DayPlan:
    day: date
    day_start_ms: int
    sessions: list[Session]
    by_file: list[list[Session]] = field(default_factory=list)
    # Inserted defect records per file (kind names), drawn for the whole day then dealt out.
    inserts: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class World:
    seed: int
    start: date
    days: int
    users: list[User]
    products: list[Product]
    cheap: list[list[int]]  # per category: products under 60, for everyday purchases
    expensive: list[list[int]]  # per category: products of HIGH_VALUE or more
    states: list[bytearray]  # per day index: each user's buying state
    day_plans: list[DayPlan] = field(default_factory=list)
    # user index -> (first day index, propensity from then on): a planted propensity change
    shifted: dict[int, tuple[int, float]] = field(default_factory=dict)

    def propensity(self, u: int, d: int) -> float:
        """User ``u``'s propensity on day index ``d`` (its own unless a plant changed it)."""
        first, p = self.shifted.get(u, (self.days, 0.0))
        return p if d >= first else self.users[u].propensity


def build_catalogue(seed: int) -> tuple[list[Product], list[list[int]], list[list[int]]]:
    rng = Random(derive_seed(seed, "catalogue"))
    products: list[Product] = []
    cheap: list[list[int]] = []
    expensive: list[list[int]] = []
    numbers = list(range(10_000, 100_000, 7))
    rng.shuffle(numbers)
    for c, (_, median, spread, _, _) in enumerate(CATEGORIES):
        prices = [median * math.exp(spread * normal(rng)) for _ in range(PRODUCTS_PER_CATEGORY)]
        # Every category has everyday items; mission categories also have big-ticket ones.
        prices[0] = min(prices[0], 19.0)
        prices[1] = min(prices[1], 35.0)
        if CATEGORIES[c][3] > 0:
            for k in range(2, 8):
                prices[k] = max(prices[k], HIGH_VALUE + 20 * k * (1 + rng.random()))
        cheap.append([])
        expensive.append([])
        for price in prices:
            idx = len(products)
            value = max(round(price) - 0.01, 0.99)
            products.append(Product(f"P{numbers[idx]:05d}", c, value))
            if value < 60:
                cheap[c].append(idx)
            if value >= HIGH_VALUE:
                expensive[c].append(idx)
    return products, cheap, expensive


_HOUR_TABLES: dict[int, tuple[float, ...]] = {}


def _hour_table(local_shift: int) -> tuple[float, ...]:
    """Cumulative weights over UTC hours for a user whose local hour is UTC + local_shift."""
    key = local_shift % 24
    if key not in _HOUR_TABLES:
        _HOUR_TABLES[key] = cumulative([DIURNAL[(h + key) % 24] for h in range(24)])
    return _HOUR_TABLES[key]


def build_users(seed: int, n_users: int, days: int) -> list[User]:
    rng = Random(derive_seed(seed, "users"))
    country_cum = cumulative([c[2] for c in COUNTRIES])
    app_cum = cumulative([a[1] for a in APP_VERSIONS])
    users: list[User] = []
    for idx in range(n_users):
        latent = normal(rng)
        propensity = 1.0 / (1.0 + math.exp(-(-1.5 + 1.8 * latent)))
        activity = math.exp(0.8 * normal(rng) + 0.35 * latent)
        country, currency, _, offsets, octets = COUNTRIES[pick(country_cum, rng.random())]
        tz = offsets[int(rng.random() * len(offsets))]
        # Keen buyers lean slightly to desktop and iOS: device is a weak but real feature.
        dev_weights = [0.55, 0.35 * (0.7 + propensity), 0.10]
        device, _, oses = DEVICES[pick(cumulative(dev_weights), rng.random())]
        os_weights = [w * (1.0 + propensity if name == "ios" else 1.0) for name, w in oses]
        os_name = oses[pick(cumulative(os_weights), rng.random())][0]
        app_version = APP_VERSIONS[pick(app_cum, rng.random())][0]
        agent = _user_agent(rng, device, os_name, app_version)
        ip_prefix = (
            f"{octets[int(rng.random() * len(octets))]}.{int(rng.random() * 256)}."
            f"{int(rng.random() * 256)}."
        )
        ip_last = 1 + int(rng.random() * 254)
        habit = (-2, -1, 0, 0, 0, 1, 2, 4)[int(rng.random() * 8)]
        hour_cum = _hour_table(round(tz / 60) + habit)
        if rng.random() < 0.1:
            profile = "legacy"
        else:
            profile = "web" if device == "desktop" or "Mozilla" in agent else "app"
        formats = TIME_PROFILES[profile]
        category_weights = [0.2 + rng.random() ** 2 * 3 for _ in CATEGORIES]
        mission_weights = [c[3] * (0.5 + rng.random()) for c in CATEGORIES]
        signup = int(rng.random() * days) if rng.random() < NEW_USER_SHARE else -1
        # A bijective scramble of the index: unique ids that do not look sequential.
        user_id = f"u_{(idx * 2_654_435_761 + 97) % 4_294_967_296:08x}"
        users.append(
            User(
                idx=idx,
                user_id=user_id,
                propensity=propensity,
                activity=activity,
                country=country,
                currency=currency,
                tz_minutes=tz,
                device=device,
                os=os_name,
                user_agent=agent,
                app_version=app_version,
                ip_prefix=ip_prefix,
                ip_last=ip_last,
                hour_cum=hour_cum,
                time_formats=tuple(f for f, _ in formats),
                time_format_cum=cumulative([w for _, w in formats]),
                category_cum=cumulative(category_weights),
                mission_category=pick(cumulative(mission_weights), rng.random()),
                signup_day=signup,
            )
        )
    return users


BURN_IN_DAYS = 7


def build_states(seed: int, users: list[User], days: int) -> list[bytearray]:
    """Each user's buying state per day: a small Markov chain driven by propensity.

    Idle users start a mission with probability 0.5 * propensity; a mission is 1-3 research
    days and then a buying day (a purchase >= 100 with probability 0.85). Independently, an
    impulse purchase >= 100 happens now and then. Chains start a week early so that missions
    are already under way on the first generated day.
    """
    rng = Random(derive_seed(seed, "states"))
    states = [bytearray(len(users)) for _ in range(days)]
    for user in users:
        _run_chain(rng, user, user.propensity, 0, states)
    return states


def _run_chain(rng: Random, user: User, p: float, first: int, states: list[bytearray]) -> None:
    """Write ``user``'s states for the days ``first`` .. end, from a chain with propensity
    ``p`` started BURN_IN_DAYS before ``first``."""
    days = len(states)
    start_rate = 0.5 * p
    impulse_rate = 0.002 + 0.01 * p
    remaining = 0  # research days left before the buying day; -1 when idle
    in_mission = False
    for d in range(first - BURN_IN_DAYS, days):
        if not in_mission and rng.random() < start_rate:
            in_mission = True
            remaining = (1, 1, 2, 2, 3)[int(rng.random() * 5)]
        state = IDLE
        if in_mission:
            if remaining > 0:
                state = RESEARCHING
                remaining -= 1
            else:
                state = MISSION_BUY if rng.random() < 0.85 else RESEARCHING
                in_mission = False
        if state == IDLE and rng.random() < impulse_rate:
            state = IMPULSE_BUY
        if d >= first and (user.signup_day < 0 or d >= user.signup_day):
            states[d][user.idx] = state


def plant_propensity(world: World, country: str, first: int, factor: float) -> int:
    """From day index ``first`` on, every user of ``country`` has the flipped propensity
    min(1, factor * (1 - p)): keen buyers stop buying, idle users start. Their buying states
    from that day are drawn again from a chain of their own (seeded by the user), so the
    earlier days and the other users stay byte for byte the same. Returns the users changed."""
    changed = 0
    for user in world.users:
        if user.country != country:
            continue
        p = min(1.0, factor * (1.0 - user.propensity))
        world.shifted[user.idx] = (first, p)
        rng = Random(derive_seed(world.seed, "propensity", user.idx))
        _run_chain(rng, user, p, first, world.states)
        changed += 1
    return changed


def plant_impulse(world: World, country: str | None, first: int, rate: float) -> int:
    """From day index ``first`` on, the users of ``country`` (of every country when None) run
    no buying missions: each day is a buying day (IMPULSE_BUY, a purchase >= 100) with
    probability ``rate`` and IDLE otherwise, drawn independently of the user's past, and their
    everyday sessions are those of propensity 0. Nothing a user did before says whether they
    buy. Their states from that day are drawn from a chain of their own (seeded by the user),
    so the earlier days and the other users stay byte for byte the same. Returns the users
    changed."""
    changed = 0
    for user in world.users:
        if country is not None and user.country != country:
            continue
        world.shifted[user.idx] = (first, 0.0)
        rng = Random(derive_seed(world.seed, "impulse", user.idx))
        for d in range(first, world.days):
            state = IMPULSE_BUY if rng.random() < rate else IDLE
            if user.signup_day < 0 or d >= user.signup_day:
                world.states[d][user.idx] = state
        changed += 1
    return changed


def _session_outcome(rng: Random, propensity: float, researching: bool) -> int:
    u = rng.random()
    if researching:
        if u < 0.4:
            return RESEARCH
        u = (u - 0.4) / 0.6
    p = propensity
    for outcome, share in (
        (PURCHASE, 0.015 + 0.10 * p),
        (CHECKOUT, 0.01 + 0.04 * p),
        (CART, 0.05 + 0.20 * p),
    ):
        if u < share:
            return outcome
        u -= share
    return BROWSE


def _session_length(rng: Random, outcome: int, signup: bool) -> int:
    if outcome == BROWSE:
        return min(1 + geometric(rng, 4.0), 40)
    return min(MIN_LENGTH[outcome] + signup + geometric(rng, 3.0), 40)


def plan_day(world: World, d: int, budget: int, files: int, inserts: list[str]) -> DayPlan:
    """The sessions of day ``d`` with exactly ``budget`` events, dealt out to ``files`` files.

    Sessions the buying state demands (research, high-value purchases, signups) come first;
    the rest of the budget is filled with sessions of users drawn by activity. The last
    session is cut to fit. ``inserts`` (defect records added on top) are dealt out too.
    """
    day = date.fromordinal(world.start.toordinal() + d)
    day_start = (day.toordinal() - EPOCH_ORDINAL) * DAY_MS
    rng = Random(derive_seed(world.seed, "plan", day.isoformat()))
    states = world.states[d]
    todo: list[tuple[int, int, bool]] = []  # (user, outcome, signup)
    weights = [0.0] * len(world.users)
    for user in world.users:
        state = states[user.idx]
        if user.signup_day == d:
            todo.append((user.idx, BROWSE if rng.random() < 0.6 else CART, True))
        if state == RESEARCHING:
            todo.append((user.idx, RESEARCH, False))
        elif state in (MISSION_BUY, IMPULSE_BUY):
            todo.append((user.idx, HV_PURCHASE, False))
        if user.signup_day <= d:
            weights[user.idx] = user.activity * (3.0 if state != IDLE else 1.0)
    lengths = [_session_length(rng, outcome, signup) for _, outcome, signup in todo]
    total_weight = sum(weights)
    cum: list[float] = []
    acc = 0.0
    for w in weights:
        acc += w
        cum.append(acc)
    used = sum(lengths)
    while used < budget and total_weight > 0:
        u = min(bisect_right(cum, rng.random() * total_weight), len(cum) - 1)
        outcome = _session_outcome(rng, world.propensity(u, d), states[u] == RESEARCHING)
        todo.append((u, outcome, False))
        lengths.append(_session_length(rng, outcome, False))
        used += lengths[-1]
    sessions: list[Session] = []
    used = 0
    for (u, wanted, signup), drawn in zip(todo, lengths, strict=True):
        if used >= budget:
            break
        length = min(drawn, budget - used)
        outcome = wanted if length >= MIN_LENGTH[wanted] + signup else BROWSE
        used += length
        user = world.users[u]
        late = (
            outcome != HV_PURCHASE
            and not signup
            and user.device != "desktop"
            and rng.random() < LATE_SHARE
        )
        session_day = day_start - (1 + int(rng.random() * 2)) * DAY_MS if late else day_start
        hour = pick(user.hour_cum, rng.random())
        start = session_day + hour * HOUR_MS + int(rng.random() * HOUR_MS)
        arrival = day_start + int(rng.random() * DAY_MS) if late else start
        seed = rng.getrandbits(64)
        sessions.append(
            Session(start, session_day, arrival, u, length, outcome, seed, signup, late)
        )
    # Collectors take sessions round-robin in arrival order: files get similar sizes.
    sessions.sort(key=lambda s: (s.arrival_ms, s.seed))
    per_file = [0] * files
    by_file: list[list[Session]] = [[] for _ in range(files)]
    for i, session in enumerate(sessions):
        session.file = i % files
        per_file[session.file] += session.length
        by_file[session.file].append(session)
    kinds = list(inserts)
    rng.shuffle(kinds)
    plan = DayPlan(day, day_start, sessions, by_file, [[] for _ in range(files)])
    for i, share in enumerate(_largest_remainder(len(kinds), per_file)):
        taken = sum(len(x) for x in plan.inserts[:i])
        plan.inserts[i] = kinds[taken : taken + share]
    return plan


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` (exact sum, deterministic)."""
    wsum = float(sum(weights))
    if wsum <= 0:
        shares = [0] * len(weights)
        if shares:
            shares[0] = total
        return shares
    raw = [total * w / wsum for w in weights]
    shares = [int(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - shares[i]), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def allocate(total: int, weights: dict[str, float]) -> list[str]:
    """``total`` kind labels, split by ``weights`` with the largest-remainder method."""
    names = list(weights)
    shares = _largest_remainder(total, [weights[n] for n in names])
    return [name for name, share in zip(names, shares, strict=True) for _ in range(share)]


def build_world(seed: int, start: date, days: int, n_users: int) -> World:
    products, cheap, expensive = build_catalogue(seed)
    users = build_users(seed, n_users, days)
    states = build_states(seed, users, days)
    return World(seed, start, days, users, products, cheap, expensive, states)
