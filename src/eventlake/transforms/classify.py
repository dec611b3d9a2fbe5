"""The ETL's classification of its raw rows: cleanse, type, derive and validate, in one chain
of the transforms beside this module."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame

from eventlake.contracts.drift import DriftPolicy
from eventlake.contracts.rules import Rule, RuleContext
from eventlake.transforms import derive
from eventlake.transforms.cleanse import enrich_cleansed
from eventlake.transforms.drift import with_drift_codes, with_type_drift
from eventlake.transforms.keyed_hash import HmacKey
from eventlake.transforms.validate import with_reasons


def classify(
    raw_df: DataFrame,
    rules: Sequence[Rule],
    drift: DriftPolicy,
    ctx: RuleContext,
    high_value_threshold: float,
    ip_key: HmacKey,
    run_id: str,
    ingested_at: str,
) -> DataFrame:
    """Every raw row (io/raw.py `read_raw`), with `reasons`, `warnings` and flags: `rules`
    and `drift` as configured, `ctx.processing_date` also the rows' processing_date."""
    return (
        raw_df.transform(with_type_drift, drift)
        .transform(enrich_cleansed)
        .transform(derive.with_event_time)
        .transform(derive.with_amount)
        .transform(derive.with_event_category)
        .transform(derive.with_is_high_value, high_value_threshold)
        .transform(derive.with_personal_fields_protected, ip_key)
        .transform(derive.with_provenance, ctx.processing_date, run_id, ingested_at)
        .transform(with_reasons, rules, ctx)
        .transform(with_drift_codes, drift)
    )
