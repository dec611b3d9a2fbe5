"""Severity: what a rule, an anomaly check or a monitoring threshold does when it fires.

- ``warn``: recorded and reported; the run goes on (a row stays clean).
- ``quarantine``: row rules only: the row goes to the quarantine table with its reason code.
- ``fail``: the run stops at its gate (row rules also quarantine the row).

A ``StrEnum``: a member equals its string (``Severity.FAIL == "fail"``), so confs, JSON and
the tables keep the plain words. Rows for Spark take ``.value``: an enum member would be
pickled to the JVM as a Python class it cannot build.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from eventlake.errors import ConfigurationError


class Severity(StrEnum):
    WARN = "warn"
    QUARANTINE = "quarantine"
    FAIL = "fail"


# A row rule can quarantine its row; a check or threshold judges a whole run, with no row.
ROW_SEVERITIES: tuple[Severity, ...] = (Severity.WARN, Severity.QUARANTINE, Severity.FAIL)
RUN_SEVERITIES: tuple[Severity, ...] = (Severity.WARN, Severity.FAIL)


def parse_overrides(
    overrides: Mapping[str, str] | None,
    known: tuple[str, ...],
    allowed: tuple[Severity, ...],
    setting: str,
    kind: str,
) -> dict[str, Severity]:
    """`setting`'s overrides (a `kind` name -> a severity word) as Severities, or a
    ConfigurationError naming the unknown names or the invalid words and what to use."""
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ConfigurationError(
            f"{setting} names unknown {kind} {unknown}: use one of {', '.join(known)}"
        )
    words = [s.value for s in allowed]
    bad = sorted(k for k, v in overrides.items() if v not in words)
    if bad:
        raise ConfigurationError(
            f"{setting} has invalid severities for {bad}: use one of {', '.join(words)}"
        )
    return {k: Severity(v) for k, v in overrides.items()}
