"""`metric_rows` on hand-written groups, as `grouped` collects them from Spark."""

from __future__ import annotations

from datetime import date, timedelta

from eventlake.contracts.checks import CHECKS
from eventlake.quality import metrics
from eventlake.quality.anomaly import evaluate

GID = "_dq_gid"


def _group(dims: tuple[str, ...], read: int, purchases: int, **values) -> dict:
    g = {
        GID: metrics._gid(dims),
        **{d: None for d in metrics.DIMENSIONS},
        "rows_read": read,
        "rows_clean": read,
        "rows_quarantined": 0,
        "duplicates_removed": 0,
        "m__purchases": purchases,
        "m__late": 0,
        "m__users": 10,
        "m__sessions": 20,
        "m__amount_sum": None,
        "m__amount_min": None,
        "m__amount_max": None,
        "m__amount_q": None,
        "m__lag_q": None,
        "m__lag_max": None,
        **{f"m__null__{c}": 0 for c in metrics.NULLABLE_COLUMNS},
    }
    g.update(values)
    return g


def test_every_country_has_its_segment_so_a_smaller_one_is_never_judged_as_zero():
    # Twelve countries; NL the smallest by rows read, but with 45 purchases.
    sizes = {f"C{chr(65 + k)}": 1000 - 10 * k for k in range(11)} | {"NL": 300}
    groups = [_group((), sum(sizes.values()), 500)]
    groups += [_group(("country",), n, 45, country=c) for c, n in sizes.items()]
    rows = metrics.metric_rows(groups)
    segments = {s for _, s, _ in rows if s.startswith("country=")}
    assert segments == {f"country={c}" for c in sizes}
    assert ("purchases", "country=NL", 45.0) in rows

    # Judged against 14 days of 47 purchases a day: NL's 45 is no alarm (folded into an
    # `other` bucket it would read as 0 and fail purchases_country).
    day = date(2026, 1, 19)
    history = {
        ("purchases", "country=NL"): {day - timedelta(days=k): 47.0 for k in range(1, 15)},
    }
    current = {(m, s): v for m, s, v in rows}
    results = [r for r in evaluate(day, current, history, CHECKS) if r.segment == "country=NL"]
    purchases = next(r for r in results if r.check == "purchases_country")
    assert (purchases.value, purchases.baseline, purchases.outcome) == (45.0, 47.0, "ok")
