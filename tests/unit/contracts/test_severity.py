"""contracts/severity: one Severity for rules, anomaly checks and monitoring thresholds."""

from __future__ import annotations

import json

import pytest

from eventlake.contracts.checks import CHECKS
from eventlake.contracts.monitoring import THRESHOLDS, effective_thresholds
from eventlake.contracts.rules import RULES, effective_rules
from eventlake.contracts.severity import (
    ROW_SEVERITIES,
    RUN_SEVERITIES,
    Severity,
    parse_overrides,
)
from eventlake.errors import ConfigurationError


def test_a_severity_is_its_word_in_confs_and_json() -> None:
    assert Severity.FAIL == "fail"
    assert Severity("quarantine") is Severity.QUARANTINE
    assert json.dumps({"s": Severity.WARN}) == '{"s": "warn"}'
    assert Severity.FAIL.value.__class__ is str  # what rows for Spark carry


def test_every_declaration_uses_the_enum() -> None:
    assert {type(r.severity) for r in RULES} == {Severity}
    assert {type(c.severity) for c in CHECKS} == {Severity}
    assert {type(t.severity) for t in THRESHOLDS} == {Severity}


def test_overrides_become_severities() -> None:
    got = parse_overrides({"a": "fail"}, ("a", "b"), RUN_SEVERITIES, "x.overrides", "names")
    assert got == {"a": Severity.FAIL}
    assert type(got["a"]) is Severity
    rules = {r.code: r.severity for r in effective_rules({"unknown_event_type": "fail"})}
    assert rules["unknown_event_type"] is Severity.FAIL
    assert rules["missing_event_id"] is Severity.QUARANTINE  # not overridden
    thresholds = {t.name: t.severity for t in effective_thresholds({"feature_psi": "fail"})}
    assert thresholds == {
        "realized_roc_auc": Severity.WARN,
        "realized_pr_auc": Severity.WARN,
        "positive_rate_gap": Severity.WARN,
        "feature_psi": Severity.FAIL,
        "prediction_psi": Severity.WARN,
    }


def test_a_run_check_cannot_quarantine_and_a_bad_word_names_what_to_use() -> None:
    assert Severity.QUARANTINE in ROW_SEVERITIES
    assert Severity.QUARANTINE not in RUN_SEVERITIES
    with pytest.raises(ConfigurationError) as bad:
        parse_overrides({"b": "quarantine"}, ("a", "b"), RUN_SEVERITIES, "x.overrides", "names")
    assert str(bad.value) == "x.overrides has invalid severities for ['b']: use one of warn, fail"
    with pytest.raises(ConfigurationError) as unknown:
        parse_overrides({"c": "warn"}, ("a", "b"), ROW_SEVERITIES, "x.overrides", "names")
    assert str(unknown.value) == "x.overrides names unknown names ['c']: use one of a, b"


def test_a_declaration_with_an_unknown_word_fails_at_once() -> None:
    from eventlake.contracts.checks import Check

    assert Check("c", "rows_read", "all", "drop", "warn", 4.0, 0.5).severity is Severity.WARN
    with pytest.raises(ValueError, match="'fatal' is not a valid Severity"):
        Check("c", "rows_read", "all", "drop", "fatal", 4.0, 0.5)  # type: ignore[arg-type]
