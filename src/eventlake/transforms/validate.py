"""Apply the contract's rules: a `reasons` array (quarantine/fail codes), `warnings`, flags."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.rules import Rule, RuleContext, rule_column
from eventlake.contracts.severity import Severity


def _codes(rules: Sequence[Rule], ctx: RuleContext):
    """The codes of the matching rules, in rule order. Built with `concat` of one- or
    zero-element arrays rather than `array_compact`: that one is a higher-order function
    without code generation, which made Spark interpret the whole projection around it."""
    empty = F.array().cast("array<string>")
    return F.concat(
        *[F.when(rule_column(r, ctx), F.array(F.lit(r.code))).otherwise(empty) for r in rules]
    )


def with_reasons(df: DataFrame, rules: Sequence[Rule], ctx: RuleContext) -> DataFrame:
    """Adds `reasons` (array, never null), `warnings` and `is_quarantined` (never null)."""
    blocking = [r for r in rules if r.severity in (Severity.QUARANTINE, Severity.FAIL)]
    warns = [r for r in rules if r.severity == Severity.WARN]
    empty = F.array().cast("array<string>")
    return (
        df.withColumn("reasons", _codes(blocking, ctx) if blocking else empty)
        .withColumn("warnings", _codes(warns, ctx) if warns else empty)
        .withColumn("is_quarantined", F.size("reasons") > 0)
    )
