"""The model-monitoring thresholds (contracts/monitoring.py): judging and severity overrides."""

from __future__ import annotations

import pytest

from eventlake.contracts.monitoring import THRESHOLDS, effective_thresholds, judge
from eventlake.errors import ConfigurationError


def test_judge_roc_auc_below_floor_is_a_warn_breach():
    v = judge("roc_auc", 0.69, THRESHOLDS)
    assert (v.status, v.threshold, v.severity) == ("breach", 0.70, "warn")


def test_judge_at_the_limit_is_ok():
    assert judge("roc_auc", 0.70, THRESHOLDS).status == "ok"
    assert judge("psi.n_events", 0.25, THRESHOLDS).status == "ok"


def test_judge_feature_psi_glob_and_prediction_psi():
    assert judge("psi.n_search_last_day", 0.26, THRESHOLDS).status == "breach"
    assert judge("prediction_psi", 0.3, THRESHOLDS).status == "breach"
    assert judge("positive_rate_gap", 0.11, THRESHOLDS).status == "breach"
    assert judge("positive_rate_gap", 0.09, THRESHOLDS).status == "ok"


def test_judge_metric_without_threshold_is_ok_and_unjudged():
    v = judge("log_loss", 9.0, THRESHOLDS)
    assert (v.status, v.threshold, v.severity) == ("ok", None, None)


def test_override_makes_a_threshold_fail():
    t = effective_thresholds({"realized_roc_auc": "fail"})
    assert judge("roc_auc", 0.5, t).severity == "fail"
    assert judge("prediction_psi", 0.5, t).severity == "warn"


def test_override_with_unknown_name_or_severity_is_refused():
    with pytest.raises(ConfigurationError, match="unknown thresholds \\['auc'\\]"):
        effective_thresholds({"auc": "fail"})
    with pytest.raises(ConfigurationError, match="invalid severities for \\['feature_psi'\\]"):
        effective_thresholds({"feature_psi": "quarantine"})
