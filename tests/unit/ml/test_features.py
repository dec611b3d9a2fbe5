"""Feature and label transforms: hand-built events in, hand-written expected rows out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers.ml_rows import D, ev
from pyspark.sql import types as T
from pyspark.testing import assertDataFrameEqual

from eventlake.ml.features import (
    FEATURE_COLUMNS,
    LABEL_COLUMN,
    NUMERIC_FEATURES,
    build_user_day_features,
    with_as_of_dates,
)

pytestmark = pytest.mark.spark


def days(n: int) -> date:
    """D + n days."""
    return D + timedelta(days=n)


def pick(df, *cols):
    return df.select("user_id", "as_of_date", *cols)


def schema(*fields: tuple[str, T.DataType]) -> T.StructType:
    base = [T.StructField("user_id", T.StringType()), T.StructField("as_of_date", T.DateType())]
    return T.StructType(base + [T.StructField(n, t) for n, t in fields])


DOUBLE = T.DoubleType()


def test_build_user_day_features_counts_only_the_window(events):
    rows = [
        ev("a", days(-7), "purchase", amount=500.0),  # outside the 7-day window of D
        ev("a", days(-6), "add_to_cart", amount=80.0, product="p1"),  # first day of the window
        ev("a", days(-3), "search", session="s2"),
        ev("a", D, "purchase", amount=120.0, product="p1", session="s3"),
        ev("a", days(1), "purchase", amount=999.0, product="p9", session="s9"),  # label day
        ev("a", days(2), "add_to_cart", product="p8"),  # later still
    ]
    out = build_user_day_features(events(rows), D, D, 7)
    expected = {
        "n_events": 3.0,  # D-6, D-3, D
        "n_active_days": 3.0,
        "n_purchase": 1.0,
        "n_add_to_cart": 1.0,
        "n_search": 1.0,
        "n_commerce": 2.0,
        "n_engagement": 1.0,
        "n_sessions": 3.0,
        "n_products": 1.0,
        "n_high_value": 1.0,
        "spend": 120.0,
        "max_amount": 120.0,
        "cart_to_purchase_ratio": 1.0,
        "days_since_last_event": 0.0,
        "days_since_last_high_value": 0.0,
        "n_events_last_day": 1.0,
        "n_purchase_last_day": 1.0,
        "label": 1.0,  # the 999 purchase on D+1
    }
    assertDataFrameEqual(
        pick(out, *expected),
        expected=out.sparkSession.createDataFrame(
            [("a", D, *expected.values())], schema(*((c, DOUBLE) for c in expected))
        ),
    )


def test_build_user_day_features_has_no_leakage_from_later_days(events):
    """Every feature of row D is the same whether or not events after D exist."""
    until_d = [
        ev("a", days(-2), "add_to_cart", amount=150.0, product="p1", hour=22),
        ev("a", D, "search", hour=3, device="desktop"),
        ev("b", days(-1), "purchase", amount=30.0, product="p2", country="DE"),
    ]
    later = [
        ev("a", days(1), "purchase", amount=150.0, product="p1", hour=4, device="tablet"),
        ev("a", days(2), "purchase", amount=900.0, product="p7", hour=5),
        ev("b", days(1), "checkout", amount=10.0, country="FR"),
        ev("b", days(3), "add_to_cart", product="p3", country="FR"),
        ev("c", days(1), "page_view"),  # a user seen only after D
    ]
    with_future = build_user_day_features(events(until_d + later), D, D, 7)
    # Labels need D + 1; the features must not.
    only_past = build_user_day_features(events(until_d), D, D, 7, with_label=False)
    assertDataFrameEqual(with_future.drop(LABEL_COLUMN), only_past, checkRowOrder=False)
    # And the hand-checked values of a few features of user a on D:
    got = (
        pick(
            with_future,
            "n_events",
            "n_add_to_cart",
            "n_purchase",
            "mean_event_hour",
            "dominant_device",
            "label",
        )
        .orderBy("user_id")
        .first()
    )
    assert (got["user_id"], got["n_events"], got["n_add_to_cart"], got["n_purchase"]) == (
        "a",
        2.0,
        1.0,
        0.0,
    )
    assert got["mean_event_hour"] == 12.5
    assert got["dominant_device"] == "desktop"  # tie mobile/desktop: the smallest value
    assert got["label"] == 1.0


def test_build_user_day_features_user_without_events_in_window_gets_no_row(events):
    rows = [
        ev("a", D, "page_view"),
        ev("quiet", days(-7), "page_view"),  # just outside the window
        ev("quiet", days(1), "purchase", amount=300.0),  # buys tomorrow, but no history
    ]
    out = build_user_day_features(events(rows), D, D, 7)
    assertDataFrameEqual(
        out.select("user_id", "as_of_date", "label"),
        expected=out.sparkSession.createDataFrame([("a", D, 0.0)], schema(("label", DOUBLE))),
    )


def test_build_user_day_features_label_is_high_value_on_next_day_only(events):
    rows = [
        ev("hv_tomorrow", D, "page_view"),
        ev("hv_tomorrow", days(1), "purchase", amount=100.0),
        ev("small_tomorrow", D, "page_view"),
        ev("small_tomorrow", days(1), "purchase", amount=99.99),
        ev("hv_in_two_days", D, "page_view"),
        ev("hv_in_two_days", days(2), "purchase", amount=500.0),
        ev("hv_today", D, "purchase", amount=500.0),
    ]
    out = build_user_day_features(events(rows), D, D, 7)
    assertDataFrameEqual(
        out.select("user_id", "as_of_date", "label"),
        expected=out.sparkSession.createDataFrame(
            [
                ("hv_tomorrow", D, 1.0),
                ("small_tomorrow", D, 0.0),
                ("hv_in_two_days", D, 0.0),
                ("hv_today", D, 0.0),
            ],
            schema(("label", DOUBLE)),
        ),
        checkRowOrder=False,
    )


def test_build_user_day_features_nulls_are_not_counted_and_undefined_ratios_stay_null(events):
    rows = [
        ev("a", D, "page_view", session=None, product=None),
        ev("a", D, "click", session="s1", product=None),
        ev("a", D, "page_view", session="s1", product="p1"),
    ]
    out = build_user_day_features(events(rows), D, D, 7)
    cols = (
        "n_sessions",
        "n_products",
        "spend",
        "avg_purchase_amount",
        "max_amount",
        "cart_to_purchase_ratio",
        "checkout_to_purchase_ratio",
        "days_since_last_high_value",
    )
    expected = [("a", D, 1.0, 1.0, 0.0, None, None, None, None, 7.0)]
    assertDataFrameEqual(
        pick(out, *cols),
        expected=out.sparkSession.createDataFrame(expected, schema(*((c, DOUBLE) for c in cols))),
    )


def test_build_user_day_features_ratios_and_hour_habits(events):
    rows = [
        ev("a", days(-1), "add_to_cart", hour=1, product="p1"),
        ev("a", days(-1), "add_to_cart", hour=2, product="p2"),
        ev("a", D, "checkout", hour=19, amount=40.0, product="p1"),
        ev("a", D, "purchase", hour=20, amount=40.0, product="p1"),
    ]
    out = build_user_day_features(events(rows), D, D, 7)
    cols = (
        "cart_to_purchase_ratio",
        "checkout_to_purchase_ratio",
        "avg_purchase_amount",
        "mean_event_hour",
        "share_night_events",
        "share_evening_events",
        "n_active_days",
        "days_since_last_high_value",
    )
    expected = [("a", D, 0.5, 1.0, 40.0, 10.5, 0.5, 0.5, 2.0, 7.0)]
    assertDataFrameEqual(
        pick(out, *cols),
        expected=out.sparkSession.createDataFrame(expected, schema(*((c, DOUBLE) for c in cols))),
    )


def test_build_user_day_features_several_as_of_days_slide_the_window(events):
    rows = [
        ev("a", date(2026, 1, 1), "page_view", device="tablet"),
        ev("a", date(2026, 1, 3), "purchase", amount=200.0, device="tablet"),
        ev("a", date(2026, 1, 4), "page_view", device="mobile", country="FR"),
    ]
    out = build_user_day_features(events(rows), date(2026, 1, 1), date(2026, 1, 9), 3)
    expected = [
        ("a", date(2026, 1, 1), 1.0, 0.0, 0.0, 3.0, "tablet", "US", 0.0),
        ("a", date(2026, 1, 2), 1.0, 1.0, 0.0, 3.0, "tablet", "US", 1.0),
        ("a", date(2026, 1, 3), 2.0, 0.0, 1.0, 0.0, "tablet", "US", 0.0),
        ("a", date(2026, 1, 4), 2.0, 0.0, 1.0, 1.0, "mobile", "FR", 0.0),
        ("a", date(2026, 1, 5), 2.0, 1.0, 1.0, 2.0, "mobile", "FR", 0.0),
        ("a", date(2026, 1, 6), 1.0, 2.0, 0.0, 3.0, "mobile", "FR", 0.0),
    ]
    cols = ("n_events", "days_since_last_event", "n_high_value", "days_since_last_high_value")
    assertDataFrameEqual(
        pick(out, *cols, "dominant_device", "dominant_country", "label"),
        expected=out.sparkSession.createDataFrame(
            expected,
            schema(
                *((c, DOUBLE) for c in cols),
                ("dominant_device", T.StringType()),
                ("dominant_country", T.StringType()),
                ("label", DOUBLE),
            ),
        ),
        checkRowOrder=False,
    )


def test_build_user_day_features_columns_and_types(events):
    out = build_user_day_features(events([ev("a", D)]), D, D, 7)
    assert out.columns == ["user_id", "as_of_date", *FEATURE_COLUMNS, LABEL_COLUMN]
    types = dict(out.dtypes)
    assert {types[c] for c in NUMERIC_FEATURES} == {"double"}
    scoring = build_user_day_features(events([ev("a", D)]), D, D, 7, with_label=False)
    assert scoring.columns == ["user_id", "as_of_date", *FEATURE_COLUMNS]


def test_with_as_of_dates_spreads_an_event_over_its_window_and_the_day_before(events):
    out = with_as_of_dates(events([ev("a", D)]), days(-5), days(5), 3)
    got = sorted((r["as_of_date"], r["is_in_window"], r["is_label_event"]) for r in out.collect())
    assert got == [
        (days(-1), False, True),
        (D, True, False),
        (days(1), True, False),
        (days(2), True, False),
    ]


def test_build_user_day_features_rejects_bad_ranges(events):
    with pytest.raises(ValueError, match="window_days"):
        build_user_day_features(events([ev("a", D)]), D, D, 0)
    with pytest.raises(ValueError, match="empty"):
        build_user_day_features(events([ev("a", D)]), D, days(-1), 7)
