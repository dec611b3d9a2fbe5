"""The naive PySpark version: what a first attempt at the ETL often looks like.

- schema inference (`spark.read.json` / `inferSchema` scan the data once more before the
  real read);
- a Python UDF per column for cleansing and typing, and a Python UDF for the rules;
- one action per count (rows, quarantined, clean, distinct ids, reason codes) and one per
  write, each recomputing the whole plan from the gzip files: no caching.

It implements the same rules, in plain Python, and must reach the ETL's counts: the bench
compares them, so the speed-up is measured against a version that does the same work.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import time
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from eventlake.contracts.rules import RULE_CODES, effective_rules
from eventlake.contracts.schemas import EVENT_CATEGORY, EVENT_TYPES, RAW_FIELDS
from eventlake.settings import Settings
from eventlake.tools.bench.duck import EARLIEST, RefResult
from eventlake.transforms.cleanse import (
    AMOUNT_NULL_TOKENS,
    COUNTRY_CURRENCY,
    COUNTRY_NAMES,
    DEFAULT_CURRENCY,
    DEVICE_SPELLINGS,
    NULL_TOKENS,
    OS_SPELLINGS,
    UNKNOWN_COUNTRY,
)
from eventlake.transforms.parse import (
    AMOUNT_SHAPE,
    EPOCH_MILLIS_THRESHOLD,
    EPOCH_PATTERN,
    ISO_PATTERN,
)

CORRUPT = "_corrupt_record"
_WS = " \t\n\x0b\x0c\r"
_ISO = re.compile(ISO_PATTERN, re.ASCII)
_EPOCH = re.compile(EPOCH_PATTERN, re.ASCII)
_AMOUNT = re.compile(AMOUNT_SHAPE, re.ASCII)
_ISO2 = re.compile(r"^[A-Z]{2}$", re.ASCII)
_ISO3 = re.compile(r"^[A-Z]{3}$", re.ASCII)
_EPOCH0 = datetime(1970, 1, 1, tzinfo=UTC)
_LONG = 2**63
_CENT = Decimal("0.01")


# ---------------------------------------------------------------- the rules in plain Python


def py_clean(value: Any, tokens: tuple[str, ...] = NULL_TOKENS) -> str | None:
    if value is None:
        return None
    text = str(value).strip(_WS)
    return None if text.lower() in tokens else text


def py_clean_amount(value: Any) -> str | None:
    return py_clean(value, AMOUNT_NULL_TOKENS)


def py_enum(value: str | None) -> str | None:
    return None if value is None else re.sub(r"[\t\n\x0b\x0c\r _\-]+", " ", value).lower()


def py_event_type(value: str | None) -> str | None:
    return None if value is None else re.sub(r"[\t\n\x0b\x0c\r \-]+", "_", value).lower()


def py_country_clean(value: str | None) -> str | None:
    return None if value is None else re.sub(r"[\t\n\x0b\x0c\r ]+", " ", value).upper()


def py_device(value: str | None) -> str:
    norm = py_enum(value)
    return "unknown" if norm is None else DEVICE_SPELLINGS.get(norm, "other")


def py_os(value: str | None) -> str:
    norm = py_enum(value)
    return "unknown" if norm is None else OS_SPELLINGS.get(norm, "other")


def py_country(value: str | None) -> str:
    v = py_country_clean(value)
    if v is None:
        return UNKNOWN_COUNTRY
    if _ISO2.search(v):
        return v
    return COUNTRY_NAMES.get(v, UNKNOWN_COUNTRY)


def py_currency(value: str | None, country: str, amount_text: str | None) -> str | None:
    v = None if value is None else value.upper()
    if v is not None and _ISO3.search(v):
        return v
    return COUNTRY_CURRENCY.get(country, DEFAULT_CURRENCY) if amount_text is not None else None


def py_event_micros(text: str | None) -> int | None:
    """Microseconds since the epoch (UTC), or None: ISO forms, else epoch s/ms by magnitude."""
    if text is None:
        return None
    if _ISO.search(text):
        try:
            ts = datetime.fromisoformat(re.sub("z$", "Z", text))
        except ValueError:
            ts = None
        if ts is not None:
            if ts.tzinfo is None:
                ts = ts.replace(tzinfo=UTC)
            delta = ts - _EPOCH0
            return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    if _EPOCH.search(text):
        number = float(text)
        micros = number * 1000 if abs(number) >= EPOCH_MILLIS_THRESHOLD else number * 1_000_000
        if math.isnan(micros) or abs(micros) >= _LONG:  # out of bigint range
            return None
        return int(micros)
    return None


def py_amount(text: str | None) -> Decimal | None:
    """The exact decimal(18,2) value, or None: not a number, would be rounded, too large."""
    if text is None or not _AMOUNT.search(text):
        return None
    try:
        value = Decimal(text)
        cents = value.quantize(_CENT)
    except InvalidOperation:
        return None
    if cents != value:  # more decimals than the column keeps
        return None
    return cents if abs(cents) < Decimal(10) ** 16 else None  # decimal(18,2)


def _has_container(raw_record: str | None) -> bool:
    """A contract field of the record's JSON text is an object or array. (raw_record is
    to_json of the inferred row: a field inferred as a struct or array renders as one.)"""
    if raw_record is None or (raw_record.count("{") < 2 and "[" not in raw_record):
        return False
    try:
        parsed = json.loads(raw_record)
    except ValueError:
        return False
    return isinstance(parsed, dict) and any(
        isinstance(parsed.get(n), dict | list) for n in RAW_FIELDS
    )


def _micros(day_text: str) -> int:
    dt = datetime.fromisoformat(day_text).replace(tzinfo=UTC) - _EPOCH0
    return (dt.days * 86_400 + dt.seconds) * 1_000_000


def make_reasons(day: date, tolerance_days: int, overrides: dict[str, str]):
    """A function (row fields) -> (reasons, warnings), the rules of contracts.rules."""
    earliest = _micros(EARLIEST.replace(" ", "T"))
    future = _micros(day.isoformat()) + tolerance_days * 86_400_000_000
    severity = {r.code: r.severity.value for r in effective_rules(overrides)}
    known_devices = set(DEVICE_SPELLINGS)

    def reasons(
        is_malformed: bool,
        event_id: str | None,
        user_id: str | None,
        ts: int | None,
        event_type: str | None,
        amount: Decimal | None,
        device_raw: str | None,
        country_raw: str | None,
        raw_record: str | None = None,
        amount_raw: str | None = None,
    ) -> tuple[list[str], list[str]]:
        hits: list[str] = []
        if is_malformed:
            hits.append("malformed_record")
        # Spark's JSON and CSV readers have replaced invalid UTF-8 by U+FFFD here (a genuine
        # one in a JSON line is flagged too, unlike the ETL; the generator writes none).
        if raw_record is not None and "\ufffd" in raw_record:
            hits.append("invalid_encoding")
        if not is_malformed and _has_container(raw_record):
            hits.append("invalid_type")
        if not is_malformed:
            if event_id is None:
                hits.append("missing_event_id")
            if user_id is None:
                hits.append("missing_user_id")
            if ts is None or ts < earliest:
                hits.append("invalid_event_time")
            if ts is not None and ts > future:
                hits.append("event_time_in_future")
            if event_type is None or event_type not in EVENT_TYPES:
                hits.append("unknown_event_type")
            if event_type == "purchase" and amount_raw is None:
                hits.append("missing_amount")
            if amount_raw is not None and amount is None:
                hits.append("invalid_amount")
            if event_type == "purchase" and amount is not None and amount < 0:
                hits.append("negative_amount")
            norm = py_enum(device_raw)
            if norm is not None and norm not in known_devices:
                hits.append("unknown_device")
            country = py_country_clean(country_raw)
            if country is None or (not _ISO2.search(country) and country not in COUNTRY_NAMES):
                hits.append("unknown_country")
        missing = set(hits) - set(RULE_CODES)
        if missing:
            raise RuntimeError(f"naive rules produced unknown codes {missing}")
        blocking = [c for c in hits if severity[c] in ("quarantine", "fail")]
        return blocking, [c for c in hits if severity[c] == "warn"]

    return reasons


# ---------------------------------------------------------------- the naive job


def _read_inferred(spark: Any, paths: list[str], fmt: str) -> Any:
    """Let Spark infer the schema (an extra scan), keeping malformed rows in CORRUPT."""
    from pyspark.sql import types as T

    if fmt == "json":
        return spark.read.option("mode", "PERMISSIVE").json(paths)
    options = {"header": True, "multiLine": True, "escape": '"', "inferSchema": True}
    inferred = spark.read.options(**options).csv(paths).schema
    schema = T.StructType([*inferred.fields, T.StructField(CORRUPT, T.StringType())])
    return (
        spark.read.schema(schema)
        .options(header=True, multiLine=True, escape='"', mode="PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .csv(paths)
    )


def run_naive(
    spark: Any,
    files: list[tuple[str, str, tuple[str, ...]]],
    settings: Settings,
    day: date,
    out_dir: Path,
    salt: str,
    run_id: str = "bench-naive",
) -> RefResult:
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    t0 = time.perf_counter()
    mark = [t0]
    result = RefResult()

    def phase(name: str) -> None:
        now = time.perf_counter()
        result.phase_seconds[name] = round(now - mark[0], 3)
        mark[0] = now

    reasons_fn = make_reasons(
        day, settings.etl.future_tolerance_days, dict(settings.etl.severity_overrides)
    )
    threshold = Decimal(str(settings.etl.high_value_threshold))
    reasons_type = T.StructType(
        [
            T.StructField("reasons", T.ArrayType(T.StringType())),
            T.StructField("warnings", T.ArrayType(T.StringType())),
        ]
    )
    clean_udf = F.udf(py_clean, T.StringType())
    clean_amount_udf = F.udf(py_clean_amount, T.StringType())
    event_type_udf = F.udf(py_event_type, T.StringType())
    device_udf = F.udf(py_device, T.StringType())
    os_udf = F.udf(py_os, T.StringType())
    country_udf = F.udf(py_country, T.StringType())
    currency_udf = F.udf(py_currency, T.StringType())
    micros_udf = F.udf(py_event_micros, T.LongType())
    amount_udf = F.udf(py_amount, T.DecimalType(18, 2))
    category_udf = F.udf(lambda t: EVENT_CATEGORY.get(t) if t else None, T.StringType())
    high_value_udf = F.udf(
        lambda t, a: bool(t == "purchase" and a is not None and a >= threshold), T.BooleanType()
    )
    ip_udf = F.udf(
        lambda ip: hashlib.sha256((salt + ip).encode()).hexdigest() if ip else None,
        T.StringType(),
    )
    rules_udf = F.udf(reasons_fn, reasons_type)

    fmt = files[0][1] if files else "json"
    if any(f[1] != fmt for f in files):
        raise RuntimeError("the naive version reads one format per run")
    raw = _read_inferred(spark, [f"file://{p}" for p, _, _ in files], fmt)
    phase("infer_schema")
    for name in (*RAW_FIELDS, CORRUPT):
        if name not in raw.columns:
            raw = raw.withColumn(name, F.lit(None).cast("string"))
    is_malformed = F.col(CORRUPT).isNotNull()
    cleaned = raw.select(
        *[
            F.when(
                ~is_malformed, (clean_amount_udf if n == "amount" else clean_udf)(F.col(n))
            ).alias(n)
            for n in RAW_FIELDS
        ],
        F.coalesce(F.col(CORRUPT), F.to_json(F.struct(*RAW_FIELDS))).alias("raw_record"),
        is_malformed.alias("_is_malformed"),
        F.input_file_name().alias("_source_file"),
    )
    typed = (
        cleaned.withColumn("_device_raw", F.col("device"))
        .withColumn("_country_raw", F.col("country"))
        .withColumn("event_type", event_type_udf("event_type"))
        .withColumn("device", device_udf("device"))
        .withColumn("os", os_udf("os"))
        .withColumn("country", country_udf("country"))
        .withColumn("currency", currency_udf("currency", "country", "amount"))
        .withColumn("_micros", micros_udf("event_time"))
        .withColumn("_amount_raw", F.col("amount"))
        .withColumn("amount", amount_udf("amount"))
    )
    flagged = typed.withColumn(
        "_rules",
        rules_udf(
            "_is_malformed",
            "event_id",
            "user_id",
            "_micros",
            "event_type",
            "amount",
            "_device_raw",
            "_country_raw",
            "raw_record",
            "_amount_raw",
        ),
    ).select("*", "_rules.reasons", "_rules.warnings")

    result.rows_read = flagged.count()
    quarantined = flagged.where(F.size("reasons") > 0)
    result.rows_quarantined = quarantined.count()
    clean = flagged.where(F.size("reasons") == 0)
    clean_rows = clean.count()
    distinct_ids = clean.select("event_id").distinct().count()
    result.duplicates_removed = clean_rows - distinct_ids
    result.rows_clean = distinct_ids
    codes = (
        flagged.select(F.explode(F.concat("reasons", "warnings")).alias("code"))
        .groupBy("code")
        .count()
        .collect()
    )
    found = {r["code"]: int(r["count"]) for r in codes}
    result.reason_counts = {c: found.get(c, 0) for c in RULE_CODES}
    phase("counts")

    events = (
        clean.dropDuplicates(["event_id"])
        .withColumn("event_ts", F.timestamp_micros("_micros"))
        .withColumn("event_date", F.to_date("event_ts"))
        .withColumn("event_hour", F.hour("event_ts"))
        .withColumn("event_category", category_udf("event_type"))
        .withColumn("is_high_value", high_value_udf("event_type", "amount"))
        .withColumn("ip_hash", ip_udf("ip"))
        .withColumn("processing_date", F.lit(day))
        .withColumn("_run_id", F.lit(run_id))
        .withColumn("_ingested_at", F.current_timestamp())
        .drop("ip", "_micros", "_rules", "reasons", "warnings", "raw_record")
        .drop("_device_raw", "_country_raw", "_is_malformed", "_amount_raw")
    )
    (
        events.write.format("delta")
        .mode("overwrite")
        .partitionBy("event_date")
        .save(f"file://{out_dir / 'events'}")
    )
    phase("write_events")
    (
        quarantined.select(
            "raw_record",
            "reasons",
            "event_id",
            "user_id",
            "event_time",
            "event_type",
            F.lit(day).alias("processing_date"),
            "_source_file",
            F.lit(run_id).alias("_run_id"),
            F.current_timestamp().alias("_ingested_at"),
        )
        .write.format("delta")
        .mode("overwrite")
        .save(f"file://{out_dir / 'quarantine'}")
    )
    phase("write_quarantine")
    result.seconds = round(time.perf_counter() - t0, 3)
    return result
