"""Raw input fields and the schemas of every table of the lake (their locations: io/paths.py).

The events schema is the output contract: `eventlake validate-output` compares the table
against it, and the OpenLineage column-lineage facet is built from COLUMN_SOURCES.
"""

from __future__ import annotations

from pyspark.sql import types as T

# Raw fields, in the order the generator writes them (CSV header order may differ).
RAW_FIELDS: tuple[str, ...] = (
    "event_id",
    "user_id",
    "session_id",
    "event_time",
    "event_type",
    "amount",
    "currency",
    "device",
    "os",
    "country",
    "page",
    "product_id",
    "product_category",
    "ip",
    "user_agent",
    "app_version",
)

EVENT_TYPES: tuple[str, ...] = (
    "page_view",
    "search",
    "click",
    "add_to_cart",
    "remove_from_cart",
    "checkout",
    "purchase",
    "login",
    "logout",
    "signup",
)
# The event type that carries money: its amount is required, it makes a row high-value, and
# the features and the dq metrics count it.
PURCHASE = "purchase"

EVENT_CATEGORY: dict[str, str] = {
    "page_view": "engagement",
    "search": "engagement",
    "click": "engagement",
    "add_to_cart": "commerce",
    "remove_from_cart": "commerce",
    "checkout": "commerce",
    "purchase": "commerce",
    "login": "account",
    "logout": "account",
    "signup": "account",
}

AMOUNT_TYPE = T.DecimalType(18, 2)

EVENTS_SCHEMA = T.StructType(
    [
        T.StructField("event_id", T.StringType(), False),
        T.StructField("user_id", T.StringType(), False),
        T.StructField("session_id", T.StringType(), True),
        T.StructField("event_ts", T.TimestampType(), False),
        T.StructField("event_date", T.DateType(), False),
        T.StructField("event_hour", T.IntegerType(), False),
        T.StructField("event_type", T.StringType(), False),
        T.StructField("event_category", T.StringType(), False),
        T.StructField("amount", AMOUNT_TYPE, True),
        T.StructField("currency", T.StringType(), True),
        T.StructField("device", T.StringType(), False),
        T.StructField("os", T.StringType(), False),
        T.StructField("country", T.StringType(), False),
        T.StructField("page", T.StringType(), True),
        T.StructField("product_id", T.StringType(), True),
        T.StructField("product_category", T.StringType(), True),
        T.StructField("ip_hash", T.StringType(), True),
        T.StructField("user_agent", T.StringType(), True),
        T.StructField("app_version", T.StringType(), True),
        T.StructField("is_high_value", T.BooleanType(), False),
        T.StructField("processing_date", T.DateType(), False),
        T.StructField("_source_file", T.StringType(), False),
        T.StructField("_run_id", T.StringType(), False),
        T.StructField("_ingested_at", T.TimestampType(), False),
        # The record's fields the contract does not name (and, by the drift policy, rescued
        # type changes): field name -> its JSON text; null when there are none
        # (contracts/drift.py). Last, so that a table made before it gains it in place.
        T.StructField("_rescued", T.MapType(T.StringType(), T.StringType(), True), True),
    ]
)
EVENTS_PARTITION_COLUMNS: tuple[str, ...] = ("event_date",)
# Delta keeps min/max/null-count statistics for these columns only (its default is the first
# 32 columns, mostly ids and free text that no query filters on). processing_date is what
# each run's replaceWhere and duplicate check select on; the rest are what analysts and the
# feature job filter on. Collecting all 24 cost ~2.5 s of a 1M-event write.
EVENTS_STATS_COLUMNS: tuple[str, ...] = (
    "processing_date",
    "event_ts",
    "event_type",
    "user_id",
    "amount",
)
EVENTS_TABLE_PROPERTIES: dict[str, str] = {
    "delta.dataSkippingStatsColumns": ",".join(EVENTS_STATS_COLUMNS)
}

# Delta enforces NOT NULL on top-level columns only, so nested element types stay nullable.

# Output column -> the raw fields it is derived from (column-level lineage).
COLUMN_SOURCES: dict[str, tuple[str, ...]] = {
    "event_id": ("event_id",),
    "user_id": ("user_id",),
    "session_id": ("session_id",),
    "event_ts": ("event_time",),
    "event_date": ("event_time",),
    "event_hour": ("event_time",),
    "event_type": ("event_type",),
    "event_category": ("event_type",),
    "amount": ("amount",),
    "currency": ("currency", "country"),
    "device": ("device",),
    "os": ("os",),
    "country": ("country",),
    "page": ("page",),
    "product_id": ("product_id",),
    "product_category": ("product_category",),
    "ip_hash": ("ip",),
    "user_agent": ("user_agent",),
    "app_version": ("app_version",),
    "is_high_value": ("event_type", "amount"),
}

QUARANTINE_SCHEMA = T.StructType(
    [
        T.StructField("raw_record", T.StringType(), True),
        T.StructField("reasons", T.ArrayType(T.StringType(), True), False),
        T.StructField("event_id", T.StringType(), True),
        T.StructField("user_id", T.StringType(), True),
        T.StructField("event_time", T.StringType(), True),
        T.StructField("event_type", T.StringType(), True),
        T.StructField("processing_date", T.DateType(), False),
        T.StructField("_source_file", T.StringType(), False),
        T.StructField("_run_id", T.StringType(), False),
        T.StructField("_ingested_at", T.TimestampType(), False),
    ]
)

# The anomaly checks one run evaluated (contracts/checks.py), in its etl_runs row.
DQ_CHECK_TYPE = T.StructType(
    [
        T.StructField("check", T.StringType(), True),
        T.StructField("metric", T.StringType(), True),
        T.StructField("segment", T.StringType(), True),
        T.StructField("severity", T.StringType(), True),
        # ok | warn | fail | no_history
        T.StructField("outcome", T.StringType(), True),
        T.StructField("value", T.DoubleType(), True),
        T.StructField("baseline", T.DoubleType(), True),
        # e.g. "median of 4 same-weekday runs" or "median of the last 14 days (9 runs)"
        T.StructField("baseline_kind", T.StringType(), True),
        T.StructField("history", T.IntegerType(), True),
        T.StructField("score", T.DoubleType(), True),
        T.StructField("change", T.DoubleType(), True),
    ]
)

ETL_RUNS_SCHEMA = T.StructType(
    [
        T.StructField("run_id", T.StringType(), False),
        T.StructField("processing_date", T.DateType(), False),
        # succeeded | gate_failed | failed
        T.StructField("status", T.StringType(), False),
        T.StructField("gate_passed", T.BooleanType(), False),
        T.StructField("message", T.StringType(), True),
        T.StructField("started_at", T.TimestampType(), False),
        T.StructField("finished_at", T.TimestampType(), False),
        T.StructField("rows_read", T.LongType(), False),
        T.StructField("rows_clean", T.LongType(), False),
        T.StructField("rows_quarantined", T.LongType(), False),
        T.StructField("duplicates_removed", T.LongType(), False),
        # other dates' copies moved from duplicates back to events by this run (their winner
        # was removed or quarantined); null in rows written before the column existed
        T.StructField("rows_restored", T.LongType(), True),
        T.StructField("quarantine_ratio", T.DoubleType(), False),
        T.StructField("max_reject_ratio", T.DoubleType(), False),
        T.StructField("reason_counts", T.MapType(T.StringType(), T.LongType(), True), False),
        # rescued field name -> the rows of the run that carried it (contracts/drift.py);
        # null in rows written before the column existed
        T.StructField("rescued_fields", T.MapType(T.StringType(), T.LongType(), True), True),
        T.StructField(
            "files",
            T.ArrayType(
                T.StructType(
                    [
                        T.StructField("path", T.StringType(), True),
                        T.StructField("size", T.LongType(), True),
                        T.StructField("checksum", T.StringType(), True),
                        T.StructField("format", T.StringType(), True),
                        # counted from the bytes apart from Spark (io.recordcount), and
                        # checked against what Spark parsed
                        T.StructField("records", T.LongType(), True),
                    ]
                ),
                True,
            ),
            False,
        ),
        # objects of the day's folder not read: partial_upload | hidden_or_marker |
        # unknown_suffix (io.names.skip_reason)
        T.StructField(
            "skipped_files",
            T.ArrayType(
                T.StructType(
                    [
                        T.StructField("path", T.StringType(), True),
                        T.StructField("reason", T.StringType(), True),
                    ]
                ),
                True,
            ),
            True,
        ),
        T.StructField("events_version", T.LongType(), True),
        T.StructField("quarantine_version", T.LongType(), True),
        # numOutputRows - numCopiedRows of the events and quarantine Delta commits
        # (operationMetrics), reconciled with rows_clean + rows_restored and rows_quarantined;
        # null when not written
        T.StructField("events_rows_written", T.LongType(), True),
        T.StructField("quarantine_rows_written", T.LongType(), True),
        # the duplicates commits' version (the last) and rows written (numOutputRows less
        # numCopiedRows, summed), reconciled with duplicates_removed plus the other dates'
        # copies the contest moves; null in rows written before the columns existed
        T.StructField("duplicates_version", T.LongType(), True),
        T.StructField("duplicates_rows_written", T.LongType(), True),
        T.StructField("openlineage_run_id", T.StringType(), False),
        T.StructField("raw_uri", T.StringType(), False),
        T.StructField("lake_uri", T.StringType(), False),
        # every anomaly check the run evaluated (DQ_CHECK_TYPE), and the dq_metrics version
        # it wrote; null in older rows and with etl.dq_metrics off
        T.StructField("dq_checks", T.ArrayType(DQ_CHECK_TYPE, True), True),
        T.StructField("dq_metrics_version", T.LongType(), True),
    ]
)

# One row per (processing_date, run_id, metric, segment): the data-quality metrics of each run
# (eventlake.quality.metrics), computed in the same aggregation as the run's counts. A rerun
# of D replaces D's rows. `segment` is `all`, or `<dimension>=<value>` (event_type, country,
# device, file). `value` is null when the metric is undefined (a mean over no purchases).
DQ_METRICS_SCHEMA = T.StructType(
    [
        T.StructField("processing_date", T.DateType(), False),
        T.StructField("run_id", T.StringType(), False),
        T.StructField("metric", T.StringType(), False),
        T.StructField("segment", T.StringType(), False),
        T.StructField("value", T.DoubleType(), True),
        # the run passed its quality gate: only such rows are history for the anomaly checks
        T.StructField("gate_passed", T.BooleanType(), False),
    ]
)

# One row per move of a registered model alias (eventlake.ml.aliases).
MODEL_ALIASES_SCHEMA = T.StructType(
    [
        T.StructField("changed_at", T.TimestampType(), False),
        T.StructField("model", T.StringType(), False),
        T.StructField("alias", T.StringType(), False),
        T.StructField("from_version", T.StringType(), True),  # null: the alias was new
        T.StructField("to_version", T.StringType(), False),
        T.StructField("reason", T.StringType(), False),
        # train | promote | rollback
        T.StructField("actor", T.StringType(), False),
        T.StructField("mlflow_run_id", T.StringType(), True),
        T.StructField("git_sha", T.StringType(), False),
    ]
)

# Provenance columns and ip_hash (a keyed hash whose key may rotate) are not the payload: two
# copies of an event_id conflict when anything else differs.
DUPLICATE_PAYLOAD_EXCLUDED: frozenset[str] = frozenset(
    {"processing_date", "_source_file", "_run_id", "_ingested_at", "ip_hash"}
)

# Every clean copy of an event_id that did not win (see transforms/dedupe.py): the copy itself,
# with the events columns, so that it can be restored to `events` when its winner goes away.
DUPLICATES_SCHEMA = T.StructType(
    [
        *EVENTS_SCHEMA.fields,
        # xxhash64 of the raw text; null for a copy that had been loaded as a winner (events
        # does not store the hash) and was later displaced by an earlier date's copy.
        T.StructField("_record_hash", T.LongType(), True),
        T.StructField("_payload_hash", T.LongType(), False),
        T.StructField("winner_processing_date", T.DateType(), False),
        T.StructField("is_conflicting", T.BooleanType(), False),
    ]
)
DUPLICATES_PARTITION_COLUMNS: tuple[str, ...] = ("processing_date",)

# The scores of `eventlake predict` (ml/data.write_predictions): one row per user and as-of date.
PREDICTIONS_SCHEMA = T.StructType(
    [
        T.StructField("user_id", T.StringType(), False),
        # Features use the events of (as_of_date - N, as_of_date]; the score is about the next day.
        T.StructField("as_of_date", T.DateType(), False),
        T.StructField("target_date", T.DateType(), False),
        T.StructField("probability", T.DoubleType(), False),
        T.StructField("prediction", T.IntegerType(), False),
        T.StructField("model_uri", T.StringType(), False),
        T.StructField("model_version", T.StringType(), True),
        T.StructField("scored_at", T.TimestampType(), False),
    ]
)

# The daily watch over the champion (and shadow challengers): jobs/monitor.py, io/monitoring.py.
MONITORING_SCHEMA = T.StructType(
    [
        T.StructField("date", T.DateType(), False),  # the monitoring date D
        T.StructField("model_name", T.StringType(), False),
        T.StructField("model_version", T.StringType(), True),
        T.StructField("role", T.StringType(), False),  # champion | challenger | previous_champion
        T.StructField("kind", T.StringType(), False),  # realized | feature_drift | prediction_drift
        T.StructField("metric", T.StringType(), False),
        T.StructField("segment", T.StringType(), False),
        T.StructField("value", T.DoubleType(), True),
        T.StructField("threshold", T.DoubleType(), True),
        T.StructField("severity", T.StringType(), True),  # warn | fail, null without threshold
        T.StructField("status", T.StringType(), False),  # ok | breach | no_labels | insufficient
        T.StructField("detail", T.StringType(), True),
        T.StructField("rows", T.LongType(), False),
        T.StructField("run_id", T.StringType(), False),
        T.StructField("computed_at", T.TimestampType(), False),
    ]
)
