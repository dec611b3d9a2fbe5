"""Promotion outcome: which versions of the model hold the `champion` and `challenger` aliases."""

from __future__ import annotations

from typing import Any

ALIASES = ("champion", "challenger")
# Metrics shown in one-line summaries (all of them are in MLflow).
HEADLINE_METRICS = ("holdout_roc_auc", "holdout_pr_auc", "holdout_f1", "baseline_pr_auc")


def promotion_outcome(tracking_uri: str, model_name: str) -> dict[str, Any]:
    """Per alias: version, run id and the run's metrics (None when the alias is unset)."""
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    client = MlflowClient(tracking_uri=tracking_uri or None)
    outcome: dict[str, Any] = {"model_name": model_name, "tracking_uri": tracking_uri}
    latest: str | None = None
    try:
        versions = client.search_model_versions(f"name='{model_name}'")
        if versions:
            latest = str(max(int(v.version) for v in versions))
    except MlflowException:
        versions = []
    outcome["latest_version"] = latest
    for alias in ALIASES:
        try:
            mv = client.get_model_version_by_alias(model_name, alias)
        except MlflowException:
            outcome[alias] = None
            continue
        metrics: dict[str, float] = {}
        if mv.run_id:
            try:
                metrics = dict(client.get_run(mv.run_id).data.metrics)
            except MlflowException:
                metrics = {}
        outcome[alias] = {"version": str(mv.version), "run_id": mv.run_id, "metrics": metrics}
    champion = outcome["champion"]
    outcome["latest_is_champion"] = bool(
        champion and latest is not None and champion["version"] == latest
    )
    return outcome


def describe(outcome: dict[str, Any]) -> str:
    """One line per alias, for the task log and `eventlake run`'s summary."""
    lines = [f"model {outcome['model_name']}: latest version {outcome['latest_version']}"]
    for alias in ALIASES:
        info = outcome.get(alias)
        if not info:
            lines.append(f"  {alias}: none")
            continue
        metrics = ", ".join(
            f"{k}={info['metrics'][k]:.4f}" for k in HEADLINE_METRICS if k in info["metrics"]
        )
        lines.append(f"  {alias}: version {info['version']} ({metrics or 'no metrics'})")
    lines.append(
        "  the latest version is the champion"
        if outcome["latest_is_champion"]
        else "  the latest version is not the champion"
    )
    return "\n".join(lines)
