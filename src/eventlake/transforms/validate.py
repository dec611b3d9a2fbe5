"""Apply the contract's rules: a `reasons` array (quarantine/fail codes), `warnings`, flags."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.rules import Rule, RuleContext, rule_column


def _codes(rules: Sequence[Rule], ctx: RuleContext):
    return F.array_compact(F.array(*[F.when(rule_column(r, ctx), F.lit(r.code)) for r in rules]))


def with_reasons(df: DataFrame, rules: Sequence[Rule], ctx: RuleContext) -> DataFrame:
    """Adds `reasons` (array, never null), `warnings` and `is_quarantined` (never null)."""
    blocking = [r for r in rules if r.severity in ("quarantine", "fail")]
    warns = [r for r in rules if r.severity == "warn"]
    empty = F.array().cast("array<string>")
    return (
        df.withColumn("reasons", _codes(blocking, ctx) if blocking else empty)
        .withColumn("warnings", _codes(warns, ctx) if warns else empty)
        .withColumn("is_quarantined", F.size("reasons") > 0)
    )
