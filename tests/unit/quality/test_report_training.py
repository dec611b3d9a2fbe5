"""The run report's training section, rendered from hand-written registry figures."""

from __future__ import annotations

import html
import re

from eventlake.quality.report_sections import training as _training_section


def _text(page: str) -> str:
    """The visible text: inline tags dropped, block tags a space, entities decoded."""
    inline = re.sub(r"</?(b|code)>", "", page)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))).strip()


MODEL = {
    "model_name": "eventlake-high-value",
    "version": "3",
    "run_id": "abc123",
    "classifier": "gbt",
    "threshold": "0.412000",
    "holdout": "2026-01-12..2026-01-13",
    "decision": "kept_champion",
    "reason": "ROC-AUC 0.7010 does not beat the champion's 0.7200 by 0.005",
    "champion_before": "2",
    "metrics": {
        "holdout_roc_auc": 0.701,
        "holdout_pr_auc": 0.25,
        "holdout_log_loss": 0.5,
        "holdout_f1": 0.3,
        "baseline_pr_auc": 0.1,
        "champion_holdout_roc_auc": 0.72,
    },
    "aliases": {"champion": "2", "challenger": "3"},
}


def test_a_trained_version_shows_its_metrics_champion_and_decision():
    text = _text(_training_section({"model": MODEL}))
    assert (
        "Model eventlake-high-value version 3, holdout 2026-01-12..2026-01-13: champion kept."
        in text
    )
    assert "does not beat the champion's 0.7200" in text
    # version, classifier, ROC-AUC, PR-AUC, log loss, F1, baseline PR-AUC, champion, its AUC
    assert "3 gbt 0.701 0.25 0.5 0.3 0.1 2 0.72" in text
    assert "aliases now: champion = 2, challenger = 3 · MLflow run abc123" in text


def test_a_version_without_its_gate_tag_says_the_gate_did_not_finish():
    model = {**MODEL, "decision": None, "reason": None}
    assert "gate not finished (a retry of train finishes it)" in _text(
        _training_section({"model": model})
    )


def test_no_version_no_registry_and_the_etls_own_page():
    assert "No model version was trained for this date yet" in _training_section({"model": None})
    error = {"error": "the MLflow registry could not be read (ConnectionError)"}
    assert _text(_training_section(error)) == error["error"]
    assert "Training runs after the ETL" in _training_section(None)
