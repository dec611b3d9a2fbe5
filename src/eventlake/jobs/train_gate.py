"""The promotion gate of `eventlake train` (jobs/train.py): make a version the challenger, score
the champion on the same holdout, move champion if ml/promotion.py says so, and tag the
decision last, so a version without the tag is one whose gate never finished. A retry of a
training that registered its version and stopped before that tag finishes the gate here."""

from __future__ import annotations

import logging
from typing import Any

from eventlake.errors import InputError
from eventlake.settings import Settings
from eventlake.timing import Phases

# The stage's log: its lines read `eventlake.jobs.train`, whichever of its modules writes them.
log = logging.getLogger("eventlake.jobs.train")

MAX_TAG_CHARS = 5000
# Set last on a version: a version without it stopped before its promotion gate finished.
GATE_TAG = "gate_decision"


def is_champion(client: Any, model_name: str, version: str) -> bool:
    from eventlake.io import registry

    champion = registry.version_by_alias(client, model_name, registry.CHAMPION)
    return champion is not None and str(champion.version) == str(version)


def gate_and_tag(
    spark: Any,
    client: Any,
    settings: Settings,
    version: str,
    labelled_df: Any,
    plan: Any,
    new_auc: float,
    etl_gate: Any,
    run: Any,
    git_sha: str,
) -> Any:
    """Make `version` the challenger, run the promotion gate, move champion if it says so
    (each move a row of `model_aliases`, by the code at `git_sha`), and tag the decision on
    the version and on `run`, the training's MLflow run. The tag comes last: a version without
    it is one whose gate never finished, and a retry finishes it."""
    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.ml import aliases
    from eventlake.ml.promotion import GateDecision

    ml = settings.ml
    run_id = run.run_id
    lake = Lake(spark, settings.lake_uri)

    def move(alias: str, reason: str) -> None:
        aliases.move_alias(
            lake,
            client,
            ml.model_name,
            alias,
            version,
            reason,
            "train",
            git_sha,
            run_id,
        )

    champion_before = is_champion(client, ml.model_name, version)
    move(registry.CHALLENGER, f"new version trained for {plan.events.end}")
    if champion_before:
        # The first attempt moved champion and stopped before its tag: the gate had said promote.
        decision = GateDecision(
            True, f"version {version} was made champion by an attempt that stopped before its tag"
        )
    else:
        decision = gate(client, settings, labelled_df, plan, new_auc, etl_gate, run)
    if decision.promote:
        move(registry.CHAMPION, decision.reason)
    outcome_tag = "promoted" if decision.promote else "kept_champion"
    gate_tags = {"gate_reason": decision.reason, GATE_TAG: outcome_tag}
    run.tags(gate_tags)
    registry.tag_version(client, ml.model_name, version, gate_tags)
    return decision


def finish_stopped_gate(
    spark: Any,
    client: Any,
    settings: Settings,
    existing: Any,
    labelled_df: Any,
    plan: Any,
    etl_gate: Any,
    phases: Phases,
    lineage_run_id: str,
    git_sha: str,
) -> tuple[Any, float]:
    """A retry of a training that registered `existing` and stopped before its gate decision
    (killed, timed out): run the gate on the same holdout, in the same MLflow run. Returns the
    decision and the version's holdout ROC-AUC (its tag).

    The MLflow run's `openlineage_run_id` then names this attempt's lineage run, the one whose
    COMPLETE event carries the model version; the stopped attempts' lineage runs (a START and no
    terminal event) are kept in `openlineage_stopped_run_ids`."""
    from eventlake.io import registry

    ml = settings.ml
    auc_tag = existing.tags.get("holdout_roc_auc")
    if auc_tag is None:
        raise InputError(
            f"version {existing.version} of {ml.model_name} has no holdout_roc_auc tag, so its "
            f"gate cannot be finished; delete the version and rerun `eventlake train`"
        )
    log.info("version %s was registered but its gate never ran: finishing it", existing.version)
    with registry.start_run(run_id=existing.run_id) as run:
        earlier = registry.run_tags(client, existing.run_id)
        stopped = [
            r
            for r in (
                *earlier.get("openlineage_stopped_run_ids", "").split(","),
                earlier.get("openlineage_run_id", ""),
            )
            if r and r != lineage_run_id
        ]
        run.tags(
            {
                "openlineage_run_id": lineage_run_id,
                "openlineage_stopped_run_ids": ",".join(stopped)[:MAX_TAG_CHARS],
            }
        )
        decision = gate_and_tag(
            spark,
            client,
            settings,
            str(existing.version),
            labelled_df,
            plan,
            float(auc_tag),
            etl_gate,
            run,
            git_sha,
        )
        run.metrics({"train_seconds_resumed": phases.elapsed()})
    return decision, float(auc_tag)


def gate(
    client: Any,
    settings: Settings,
    labelled_df: Any,
    plan: Any,
    new_auc: float,
    etl_gate: Any,
    run: Any,
) -> Any:
    """Score the current champion on the same holdout, then apply decide_promotion."""
    from eventlake.io import registry
    from eventlake.ml import metrics, training
    from eventlake.ml.promotion import GateDecision, decide_promotion

    ml = settings.ml
    champion = registry.version_by_alias(client, ml.model_name, registry.CHAMPION)
    champion_auc = None
    if champion is not None and ml.promotion_gate and etl_gate.passed:
        uri = f"models:/{ml.model_name}@{registry.CHAMPION}"
        try:
            model = registry.load_model(uri)
            holdout_df = training.filter_label_days(labelled_df, plan.holdout)
            champion_auc = metrics.frame_metrics(training.scored(model, holdout_df))["roc_auc"]
        except Exception as exc:  # the champion must not be replaced on a scoring accident
            log.exception("champion %s failed to score the holdout", uri)
            return GateDecision(
                False,
                f"champion version {champion.version} could not be scored on the holdout "
                f"({type(exc).__name__}); champion kept, promote by hand if intended",
            )
        run.metrics({"champion_holdout_roc_auc": champion_auc})
        run.tags({"champion_version_before": str(champion.version)})
    return decide_promotion(
        new_auc, champion_auc, ml.min_uplift, etl_gate.passed, etl_gate.detail, ml.promotion_gate
    )
