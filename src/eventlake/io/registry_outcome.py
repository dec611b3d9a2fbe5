"""The promotion outcome and a date's training, read from MLflow for the DAG's thin tasks,
`eventlake run`'s summary and the run report (re-exported by io/registry.py, the only module
that imports mlflow)."""

from __future__ import annotations

from typing import Any

# Metrics shown in one-line summaries (all of them are in MLflow).
HEADLINE_METRICS = ("holdout_roc_auc", "holdout_pr_auc", "holdout_f1", "baseline_pr_auc")


def promotion_outcome(tracking_uri: str, model_name: str) -> dict[str, Any]:
    """Per alias: version, run id and the run's metrics (None when the alias is unset)."""
    from eventlake.io import registry

    MlflowException = registry.mlflow_exception()
    client = registry.client_for(tracking_uri)
    outcome: dict[str, Any] = {"model_name": model_name, "tracking_uri": tracking_uri}
    latest: str | None = None
    versions: Any
    try:
        versions = client.search_model_versions(f"name='{model_name}'")
        if versions:
            latest = str(max(int(v.version) for v in versions))
    except MlflowException:
        versions = []
    outcome["latest_version"] = latest
    for alias in registry.ALIASES:
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


def describe_outcome(outcome: dict[str, Any]) -> str:
    """One line per alias, for the task log and `eventlake run`'s summary."""
    from eventlake.io import registry

    lines = [f"model {outcome['model_name']}: latest version {outcome['latest_version']}"]
    for alias in registry.ALIASES:
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


# A trained model's figures on the holdout, and the baseline's (MLflow run metrics; the
# training's summary line shows them too).
MODEL_METRICS = (
    "holdout_roc_auc",
    "holdout_pr_auc",
    "holdout_log_loss",
    "holdout_f1",
    "baseline_roc_auc",
    "baseline_pr_auc",
)
# Per-run figures of a training, shown on the day's run report.
TRAINING_METRICS = (*MODEL_METRICS, "champion_holdout_roc_auc")


def trained_for(tracking_uri: str, model_name: str, day: str) -> dict[str, Any] | None:
    """The latest version of `model_name` trained for `day` (its `run_date` tag), with its
    holdout metrics, the champion it was judged against and the gate's decision; None when no
    version was trained for that date. MLflow errors propagate to the caller."""
    from eventlake.io import registry

    MlflowException = registry.mlflow_exception()
    client = registry.client_for(tracking_uri)
    try:
        versions = client.search_model_versions(f"name='{model_name}'")
    except MlflowException as exc:
        if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
            return None
        raise
    mine = [v for v in versions if (v.tags or {}).get("run_date") == day]
    if not mine:
        return None
    mv = max(mine, key=lambda v: int(v.version))
    run = client.get_run(mv.run_id) if mv.run_id else None
    metrics = dict(run.data.metrics) if run else {}
    run_tags = dict(run.data.tags) if run else {}
    aliases: dict[str, str | None] = {}
    for alias in registry.ALIASES:
        try:
            aliases[alias] = str(client.get_model_version_by_alias(model_name, alias).version)
        except MlflowException:
            aliases[alias] = None
    tags = mv.tags or {}
    return {
        "model_name": model_name,
        "version": str(mv.version),
        "run_id": mv.run_id,
        "classifier": tags.get("classifier"),
        "threshold": tags.get("threshold"),
        "holdout": tags.get("holdout"),
        # no gate tag: the gate of this version never finished (a retry of train finishes it)
        "decision": tags.get("gate_decision"),
        "reason": tags.get("gate_reason"),
        "champion_before": run_tags.get("champion_version_before"),
        "metrics": {k: metrics[k] for k in TRAINING_METRICS if k in metrics},
        "aliases": aliases,
    }
