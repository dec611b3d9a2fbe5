"""User-day features and labels, as pure DataFrame -> DataFrame transforms over `events`.

One row per (user_id, as_of_date D). The features of a row use only the user's events in the
window (D - N + 1 .. D], N = window_days; the label says whether the user has an
`is_high_value` event on D + 1.

Users with no event in the window get no row: there is nothing to base a prediction on, and
such users are not scored either (predict uses the same transform). A user who comes back with
a high-value purchase after N silent days is therefore outside the model's population.

The build is one pass: every event is exploded to the as-of days it contributes to (its own
day and the N - 1 days after it, plus the day before it when labels are wanted), then one
groupBy computes every feature and the label. Each feature aggregate only looks at rows with
`is_in_window` (event_date <= as_of_date), which is what the leakage test pins down.

Some features are undefined for some rows and stay null on purpose (a ratio without a
denominator, an average without purchases, the largest amount when no event carried one).
The model pipeline fills them (see ml.pipeline); no preparation happens outside it.
"""

from __future__ import annotations

from datetime import date

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.schemas import EVENT_CATEGORY, EVENT_TYPES, PURCHASE

ID_COLUMNS: tuple[str, ...] = ("user_id", "as_of_date")
LABEL_COLUMN = "label"

CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(EVENT_CATEGORY.values()))
LAST_DAY_TYPES: tuple[str, ...] = ("search", "add_to_cart", "checkout", PURCHASE)

# Numeric features, all double. The nullable ones are listed in NULLABLE_FEATURES.
NUMERIC_FEATURES: tuple[str, ...] = (
    "n_events",
    "n_active_days",
    "n_events_last_day",
    *(f"n_{t}" for t in EVENT_TYPES),
    *(f"n_{t}_last_day" for t in LAST_DAY_TYPES),
    *(f"n_{c}" for c in CATEGORIES),
    "n_sessions",
    "n_products",
    "n_high_value",
    "spend",
    "avg_purchase_amount",
    "max_amount",
    "cart_to_purchase_ratio",
    "checkout_to_purchase_ratio",
    "days_since_last_event",
    "days_since_last_high_value",
    "mean_event_hour",
    "share_night_events",
    "share_evening_events",
)
NULLABLE_FEATURES: tuple[str, ...] = (
    "avg_purchase_amount",
    "max_amount",
    "cart_to_purchase_ratio",
    "checkout_to_purchase_ratio",
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("dominant_device", "dominant_country")
FEATURE_COLUMNS: tuple[str, ...] = NUMERIC_FEATURES + CATEGORICAL_FEATURES


# ---------------------------------------------------------------- Column -> Column helpers


def ratio(numerator: Column, denominator: Column) -> Column:
    """numerator / denominator, null when the denominator is 0 (undefined, not zero)."""
    return F.when(denominator > 0, numerator / denominator)


def count_if(condition: Column) -> Column:
    """How many rows satisfy `condition` (0, never null)."""
    return F.count(F.when(condition, F.lit(1)))


# ---------------------------------------------------------------- DataFrame transforms


def filter_event_days(
    events_df: DataFrame, start: date, end: date, window_days: int, with_label: bool = True
) -> DataFrame:
    """Only the events that can feed rows with as-of days in [start, end] (partition pruning)."""
    first = F.date_sub(F.lit(start), window_days - 1)
    last = F.date_add(F.lit(end), 1) if with_label else F.lit(end)
    return events_df.filter(F.col("event_date").between(first, last))


def with_as_of_dates(
    events_df: DataFrame, start: date, end: date, window_days: int, with_label: bool = True
) -> DataFrame:
    """One row per (event, as-of day D it contributes to), D within [start, end].

    An event on day E is in the window of D for E <= D <= E + N - 1 (`is_in_window`); with
    labels it is also the label event of D = E - 1 (`is_label_event`).
    """
    first_offset = 1 if with_label else 0
    as_of = F.explode(
        F.sequence(
            F.date_sub("event_date", first_offset), F.date_add("event_date", window_days - 1)
        )
    )
    return (
        events_df.withColumn("as_of_date", as_of)
        .filter(F.col("as_of_date").between(F.lit(start), F.lit(end)))
        .withColumn("is_in_window", F.col("event_date") <= F.col("as_of_date"))
        .withColumn("is_label_event", F.col("event_date") == F.date_add("as_of_date", 1))
    )


def aggregate_user_days(
    exploded_df: DataFrame, window_days: int, with_label: bool = True
) -> DataFrame:
    """Feature columns (and the label) per (user_id, as_of_date), from `with_as_of_dates`.

    Drops the rows whose user had no event in the window.
    """
    win = F.col("is_in_window")
    last_day = win & (F.col("event_date") == F.col("as_of_date"))
    etype = F.col("event_type")
    hour = F.col("event_hour")
    amount = F.col("amount").cast("double")

    def in_window(col: Column) -> Column:
        return F.when(win, col)

    aggs: list[Column] = [
        count_if(win).alias("n_events"),
        F.size(F.collect_set(in_window(F.col("event_date")))).alias("n_active_days"),
        count_if(last_day).alias("n_events_last_day"),
        *(count_if(win & (etype == t)).alias(f"n_{t}") for t in EVENT_TYPES),
        *(count_if(last_day & (etype == t)).alias(f"n_{t}_last_day") for t in LAST_DAY_TYPES),
        *(count_if(win & (F.col("event_category") == c)).alias(f"n_{c}") for c in CATEGORIES),
        F.size(F.collect_set(in_window(F.col("session_id")))).alias("n_sessions"),
        F.size(F.collect_set(in_window(F.col("product_id")))).alias("n_products"),
        count_if(win & F.col("is_high_value")).alias("n_high_value"),
        F.coalesce(F.sum(F.when(win & (etype == PURCHASE), amount)), F.lit(0.0)).alias("spend"),
        F.max(in_window(amount)).alias("max_amount"),
        F.max(in_window(F.col("event_date"))).alias("last_event_date"),
        F.max(F.when(win & F.col("is_high_value"), F.col("event_date"))).alias("last_hv_date"),
        F.avg(in_window(hour)).alias("mean_event_hour"),
        count_if(win & (hour < 6)).alias("n_night"),
        count_if(win & (hour >= 18)).alias("n_evening"),
        F.mode(in_window(F.col("device")), deterministic=True).alias("dominant_device"),
        F.mode(in_window(F.col("country")), deterministic=True).alias("dominant_country"),
    ]
    if with_label:
        label = F.max(F.when(F.col("is_label_event") & F.col("is_high_value"), 1.0))
        aggs.append(F.coalesce(label, F.lit(0.0)).alias(LABEL_COLUMN))

    as_of = F.col("as_of_date")
    out_df = (
        exploded_df.groupBy("user_id", "as_of_date")
        .agg(*aggs)
        .filter(F.col("n_events") > 0)
        .withColumn("avg_purchase_amount", ratio(F.col("spend"), F.col("n_purchase")))
        .withColumn("cart_to_purchase_ratio", ratio(F.col("n_purchase"), F.col("n_add_to_cart")))
        .withColumn("checkout_to_purchase_ratio", ratio(F.col("n_purchase"), F.col("n_checkout")))
        .withColumn("days_since_last_event", F.datediff(as_of, F.col("last_event_date")))
        # No high-value event in the window: "at least N days", not unknown.
        .withColumn(
            "days_since_last_high_value",
            F.coalesce(F.datediff(as_of, F.col("last_hv_date")), F.lit(window_days)),
        )
        .withColumn("share_night_events", F.col("n_night") / F.col("n_events"))
        .withColumn("share_evening_events", F.col("n_evening") / F.col("n_events"))
    )
    columns = [
        F.col("user_id"),
        as_of,
        *(F.col(c).cast("double").alias(c) for c in NUMERIC_FEATURES),
        *(F.col(c) for c in CATEGORICAL_FEATURES),
    ]
    if with_label:
        columns.append(F.col(LABEL_COLUMN))
    return out_df.select(*columns)


def build_user_day_features(
    events_df: DataFrame, start: date, end: date, window_days: int, with_label: bool = True
) -> DataFrame:
    """Features (and with_label, the label) for every user active in the window of each as-of
    day in [start, end]. With labels, events of end + 1 must be in `events_df`."""
    if window_days < 1:
        raise ValueError(f"window_days must be >= 1, got {window_days}")
    if end < start:
        raise ValueError(f"empty as-of range {start}..{end}")
    return (
        events_df.transform(filter_event_days, start, end, window_days, with_label)
        .transform(with_as_of_dates, start, end, window_days, with_label)
        .transform(aggregate_user_days, window_days, with_label)
    )
