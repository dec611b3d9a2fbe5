"""The drift policy (contracts/drift.py) applied: type changes before cleansing, and the
drift codes after the rules."""

from __future__ import annotations

from functools import reduce

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.drift import RESCUED_TYPE_CHANGE, UNKNOWN_FIELD, DriftPolicy
from eventlake.contracts.severity import Severity
from eventlake.transforms.parse import has_json_container, json_container_flags

RESCUED_TYPE = "map<string,string>"


def with_type_drift(df: DataFrame, policy: DriftPolicy) -> DataFrame:
    """`_has_invalid_type` over the fields whose type change is quarantined; a field whose
    type change is rescued and that holds an object or array is read as null, its JSON text
    added to `_rescued` under its name, and `_has_rescued_type` set. Runs on the raw text,
    before cleansing."""
    quarantined = policy.quarantined_type_fields
    invalid = has_json_container(F.col("_raw_record"), quarantined) if quarantined else F.lit(False)
    df = df.withColumn("_has_invalid_type", invalid)
    rescued = policy.rescued_type_fields
    if not rescued:
        return df.withColumn("_has_rescued_type", F.lit(False))
    flags = json_container_flags(F.col("_raw_record"), rescued)
    moved = F.map_concat(
        *[
            F.when(flags[n], F.create_map(F.lit(n), F.col(n))).otherwise(
                F.create_map().cast(RESCUED_TYPE)
            )
            for n in rescued
        ]
    )
    any_moved = reduce(lambda a, b: a | b, flags.values())
    merged = F.map_concat(F.coalesce(F.col("_rescued"), F.create_map().cast(RESCUED_TYPE)), moved)
    return df.select(
        *[c for c in df.columns if c not in (*rescued, "_rescued")],
        *[F.when(~flags[n], F.col(n)).alias(n) for n in rescued],
        F.when(any_moved, merged).otherwise(F.col("_rescued")).alias("_rescued"),
        any_moved.alias("_has_rescued_type"),
    )


def drift_codes(policy: DriftPolicy) -> dict[str, Severity]:
    """Drift code -> severity (warn | quarantine | fail), for the codes the policy counts."""
    out = {RESCUED_TYPE_CHANGE: Severity.WARN}
    if policy.unknown_field_severity is not None:
        out[UNKNOWN_FIELD] = policy.unknown_field_severity
    return out


def with_drift_codes(df: DataFrame, policy: DriftPolicy) -> DataFrame:
    """Adds the drift codes to `reasons` or `warnings` (after validate.with_reasons) and
    recomputes `is_quarantined`."""
    empty = F.array().cast("array<string>")
    flag = {
        UNKNOWN_FIELD: F.col("_has_unknown_field"),
        RESCUED_TYPE_CHANGE: F.col("_has_rescued_type"),
    }
    reasons, warnings = F.col("reasons"), F.col("warnings")
    for code, severity in drift_codes(policy).items():
        hit = F.when(F.coalesce(flag[code], F.lit(False)), F.array(F.lit(code))).otherwise(empty)
        if severity == Severity.WARN:
            warnings = F.concat(warnings, hit)
        else:
            reasons = F.concat(reasons, hit)
    return (
        df.withColumn("reasons", reasons)
        .withColumn("warnings", warnings)
        .withColumn("is_quarantined", F.size("reasons") > 0)
    )
