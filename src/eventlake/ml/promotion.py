"""The promotion rule and the training fingerprint: pure, no MLflow call (io/registry.py
makes those).

`champion` moves only through `decide_promotion`. A version carries a `data_fingerprint` tag
(training date, events Delta version, window and split settings) so that a retry of the same
training finds its version instead of registering a second one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass


def fingerprint(**parts: object) -> str:
    """A short stable digest of the training inputs, e.g. date and events Delta version."""
    text = ";".join(f"{k}={parts[k]}" for k in sorted(parts))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class GateDecision:
    promote: bool
    reason: str


def decide_promotion(
    new_score: float,
    champion_score: float | None,
    min_uplift: float,
    etl_gate_passed: bool | None,
    etl_gate_detail: str,
    gate_enabled: bool = True,
) -> GateDecision:
    """Whether `champion` moves to the new version, and why (pure: the rule in one place).

    Both conditions must hold: the latest ETL run for the training date passed its quality
    gate, and the new version beats the champion's score on the same holdout by at least
    `min_uplift`. Without a champion the first condition alone decides.
    """
    if not gate_enabled:
        return GateDecision(True, "promotion gate disabled (ml.promotion_gate: false)")
    if not etl_gate_passed:
        return GateDecision(False, f"ETL gate not passed: {etl_gate_detail}")
    if champion_score is None:
        return GateDecision(True, f"first version: no champion yet; {etl_gate_detail}")
    uplift = new_score - champion_score
    if uplift >= min_uplift:
        return GateDecision(
            True,
            f"holdout ROC-AUC {new_score:.4f} beats champion {champion_score:.4f} by "
            f"{uplift:+.4f} >= {min_uplift}; {etl_gate_detail}",
        )
    return GateDecision(
        False,
        f"holdout ROC-AUC {new_score:.4f} vs champion {champion_score:.4f}: uplift "
        f"{uplift:+.4f} < {min_uplift}",
    )
