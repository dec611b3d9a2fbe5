"""Derived columns: typed time, dates, category, high-value flag, keyed IP hash, provenance."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.pii import DROPPED, HASHED
from eventlake.contracts.schemas import EVENT_CATEGORY, PURCHASE
from eventlake.transforms.cleanse import _map_literal
from eventlake.transforms.keyed_hash import HmacKey
from eventlake.transforms.parse import parse_amount, parse_event_time


def with_event_time(df: DataFrame) -> DataFrame:
    """event_ts (UTC timestamp), event_date, event_hour from the raw event_time text."""
    return (
        df.withColumn("event_ts", parse_event_time(F.col("event_time")))
        .withColumn("event_date", F.to_date("event_ts"))
        .withColumn("event_hour", F.hour("event_ts"))
    )


def with_amount(df: DataFrame) -> DataFrame:
    """amount typed as decimal(18,2) under the name `amount`; the text stays in `amount_raw`."""
    return df.withColumnRenamed("amount", "amount_raw").withColumn(
        "amount", parse_amount(F.col("amount_raw"))
    )


def event_category(event_type: Column) -> Column:
    return _map_literal(EVENT_CATEGORY)[event_type]


def with_event_category(df: DataFrame) -> DataFrame:
    return df.withColumn("event_category", event_category(F.col("event_type")))


def with_is_high_value(df: DataFrame, threshold: float) -> DataFrame:
    """A purchase whose amount is at least `threshold` (never null)."""
    return df.withColumn(
        "is_high_value",
        F.coalesce(
            (F.col("event_type") == PURCHASE) & (F.col("amount") >= F.lit(threshold)),
            F.lit(False),
        ),
    )


def ip_hash(ip: Column, key: HmacKey) -> Column:
    """HMAC-SHA256 of the IP with the deployment's secret key (null stays null): joinable
    within a deployment, not reversible without the key."""
    return F.when(ip.isNotNull(), key.hex_digest(ip))


def with_personal_fields_protected(
    df: DataFrame,
    key: HmacKey,
    hashed: dict[str, str] = HASHED,
    dropped: tuple[str, ...] = DROPPED,
) -> DataFrame:
    """contracts/pii.py applied: each hashed field replaced by its keyed-hash column (`ip` by
    `ip_hash`), each dropped field removed. No raw value of either kind is left."""
    for field, column in hashed.items():
        df = df.withColumn(column, ip_hash(F.col(field), key)).drop(field)
    return df.drop(*dropped)


def with_provenance(
    df: DataFrame, processing_date: str, run_id: str, ingested_at: str
) -> DataFrame:
    """processing_date, _run_id and _ingested_at (the run's start, one value for every row)."""
    return (
        df.withColumn("processing_date", F.to_date(F.lit(processing_date)))
        .withColumn("_run_id", F.lit(run_id))
        .withColumn("_ingested_at", F.to_timestamp(F.lit(ingested_at)))
    )
