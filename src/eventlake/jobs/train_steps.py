"""The steps of `eventlake train` (jobs/train.py) up to a gated version: read and check the
input, fingerprint it, then the new version's MLflow run (tags, candidates fit and chosen, the
model saved, logged with its profile, registered) and its gate (jobs/train_gate.py)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from eventlake.errors import InputError
from eventlake.jobs.train_gate import MAX_TAG_CHARS, gate_and_tag
from eventlake.settings import Settings
from eventlake.timing import Phases

# The stage's log: its lines read `eventlake.jobs.train`, whichever of its modules writes them.
log = logging.getLogger("eventlake.jobs.train")


@dataclass(frozen=True)
class TrainRequest:
    """What was asked: the date, this attempt's lineage run and the training's options."""

    day: date
    lineage_run_id: str
    max_label_days: int
    validation_days: int
    min_train_rows: int
    params: Any  # ml.pipeline.ModelParams
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class TrainInput:
    """What the training reads, planned and checked before any MLflow run exists."""

    spark: Any
    events_uri: str
    events_version: int
    events_df: Any
    plan: Any  # ml.training.SplitPlan
    etl_ids: list[str]
    etl_gate: Any  # ml.data.EtlGate
    fingerprint: str


@dataclass(frozen=True)
class NewVersion:
    """A new version: fit, saved, registered and through its gate."""

    run_id: str
    outcome: Any  # ml.training.TrainOutcome
    pipeline_uri: str
    version: Any  # the registered model version
    decision: Any  # ml.promotion.GateDecision


def read_input(settings: Settings, req: TrainRequest) -> TrainInput:
    """The events at the table's current version, the split plan (no day of it missing), the
    ETL runs of the days read and the date's ETL gate, and the fingerprint of all that."""
    from eventlake.io.lake import Lake
    from eventlake.ml import data, training
    from eventlake.spark import get_spark

    ml, day = settings.ml, req.day
    spark = get_spark(settings, app_name="eventlake-train")
    lake = Lake(spark, settings.lake_uri)
    events_uri = lake.uri("events")
    events_version = lake.version("events")
    if events_version is None:
        raise InputError(f"no events table at {events_uri}: run `eventlake etl --date D` first")
    events_df = data.read_events(lake, events_version)
    days = data.inventory(events_df, day)
    first_day = min(days, default=None)
    if first_day is None:
        raise InputError(f"the events table at {events_uri} has no events on or before {day}")
    plan = training.plan_split(
        day, first_day, ml.window_days, ml.holdout_days, req.validation_days, req.max_label_days
    )
    training.require_days(set(days), plan.events, f"train for {day}")
    etl_ids = data.run_ids_between(days, plan.events.start, plan.events.end)
    etl_gate = data.etl_gate(lake, day)
    fp = data_fingerprint(settings, req, events_uri, plan, etl_ids, etl_gate)
    return TrainInput(spark, events_uri, events_version, events_df, plan, etl_ids, etl_gate, fp)


def data_fingerprint(
    settings: Settings,
    req: TrainRequest,
    events_uri: str,
    plan: Any,
    etl_ids: list[str],
    etl_gate: Any,
) -> str:
    """The version's data fingerprint (ml/promotion.fingerprint). What the training read, not
    the table's latest version: an ETL commit for a date outside the window between two
    attempts leaves the fingerprint alone, so a retry finds its version."""
    from eventlake.ml.promotion import fingerprint

    ml = settings.ml
    return fingerprint(
        date=req.day.isoformat(),
        events_uri=events_uri,
        event_days=str(plan.events),
        etl_run_ids=",".join(etl_ids),
        etl_gate_run_id=etl_gate.run_id,
        window_days=ml.window_days,
        holdout_days=ml.holdout_days,
        validation_days=req.validation_days,
        max_label_days=req.max_label_days,
        candidates=",".join(req.kinds),
        **req.params.as_params(),
    )


def fit_register_gate(
    client: Any,
    settings: Settings,
    req: TrainRequest,
    inp: TrainInput,
    labelled_df: Any,
    counts: dict[str, Any],
    phases: Phases,
    git_sha: str,
) -> NewVersion:
    """One new MLflow run: its tags and inputs, the candidates fit and the best one chosen,
    the model saved and logged with its profile, registered, then through the gate. `git_sha`
    is the commit of the code that trains (jobs/train.git_sha)."""
    from eventlake.io import registry
    from eventlake.io.paths import mlflow_artifacts_uri

    ml = settings.ml
    # Local stores keep artifacts in the bucket; a server decides its own artifact store.
    artifact_location = (
        None if registry.is_remote(settings.tracking_uri) else mlflow_artifacts_uri(settings)
    )
    experiment_id = registry.ensure_experiment(client, ml.model_name, artifact_location)

    with registry.start_run(experiment_id, f"train-{req.day.isoformat()}") as run:
        log_run_setup(run, client, settings, req, inp, counts, git_sha)
        phases.lap("mlflow_run_setup")
        outcome = fit_candidates(run, labelled_df, inp.plan, counts, req, phases)
        pipeline_uri = save_model(run, settings, outcome, labelled_df, inp.plan, phases)
        version = register_version(client, settings, req, inp, run.run_id, outcome, pipeline_uri)
        phases.lap("register")
        decision = gate_and_tag(
            inp.spark,
            client,
            settings,
            version.version,
            labelled_df,
            inp.plan,
            outcome.holdout["roc_auc"],
            inp.etl_gate,
            run,
            git_sha,
        )
        run.tags({"registered_version": version.version})
        phases.lap("gate")
        run.metrics({**phases.metrics(), "train_seconds": phases.elapsed()})
    return NewVersion(run.run_id, outcome, pipeline_uri, version, decision)


def log_run_setup(
    run: Any,
    client: Any,
    settings: Settings,
    req: TrainRequest,
    inp: TrainInput,
    counts: dict[str, Any],
    git_sha: str,
) -> None:
    """The run's tags (code, data read, fingerprint, lineage run), parameters, Delta input
    and the rows of each split."""
    from eventlake.io import registry
    from eventlake.io.bucket import to_spark_path

    ml, plan = settings.ml, inp.plan
    tags = {
        "git_sha": git_sha,
        "mlflow.source.git.commit": git_sha,
        "run_date": req.day.isoformat(),
        "etl_run_ids": ",".join(inp.etl_ids)[:MAX_TAG_CHARS],
        "events_table": inp.events_uri,
        "events_version": str(inp.events_version),
        registry.FINGERPRINT_TAG: inp.fingerprint,
        "openlineage_run_id": req.lineage_run_id,
    }
    run.tags(tags)
    run.params(
        {
            "window_days": ml.window_days,
            "holdout_days": ml.holdout_days,
            "validation_days": req.validation_days,
            "max_label_days": req.max_label_days,
            "min_uplift": ml.min_uplift,
            "promotion_gate": ml.promotion_gate,
            "candidates": ",".join(req.kinds),
            "imbalance": "threshold: max F1 on validation; no class weights",
            "null_handling": "Imputer(median) numeric; StringIndexer keep categorical",
            **plan.as_params(),
            **req.params.as_params(),
        }
    )
    registry.log_delta_input(
        client,
        run.run_id,
        to_spark_path(inp.events_uri),
        inp.events_version,
        inp.events_df.schema,
        {
            "event_days": str(plan.events),
            "label_days": str(plan.labels),
            "user_day_rows": sum(c.rows for c in counts.values()),
        },
    )
    for split, c in counts.items():
        run.metrics({f"{split}_rows": c.rows, f"{split}_positive_rate": c.positive_rate})


def fit_candidates(
    run: Any, labelled_df: Any, plan: Any, counts: dict[str, Any], req: TrainRequest, phases: Phases
) -> Any:
    """Fit each candidate, choose one and its threshold on validation, score the holdout."""
    from eventlake.ml import training

    outcome = training.fit_and_select(
        labelled_df, plan, counts["train"].positive_rate, req.params, req.kinds
    )
    phases.lap("fit_select_evaluate")
    run.params({"classifier": outcome.kind})
    run.metrics(outcome.metrics)
    log.info(
        "chose %s (t=%.3f): holdout ROC-AUC %.4f, PR-AUC %.4f, baseline PR-AUC %.4f",
        outcome.kind,
        outcome.threshold,
        outcome.holdout["roc_auc"],
        outcome.holdout["pr_auc"],
        outcome.baseline["pr_auc"],
    )
    return outcome


def save_model(
    run: Any, settings: Settings, outcome: Any, labelled_df: Any, plan: Any, phases: Phases
) -> str:
    """The chosen PipelineModel saved to the bucket and logged to the run, with the training
    profile; returns the model's bucket URI."""
    from eventlake.io.bucket import to_spark_path
    from eventlake.io.paths import model_uri
    from eventlake.ml import drift, training
    from eventlake.ml.features import FEATURE_COLUMNS
    from eventlake.ml.training_profile import training_profile

    ml = settings.ml
    # The PipelineModel in the bucket, next to MLflow's own copy of the artifact.
    pipeline_uri = model_uri(settings, ml.model_name, run.run_id)
    outcome.model.write().overwrite().save(to_spark_path(pipeline_uri))
    run.tags({"pipeline_model_uri": pipeline_uri})
    phases.lap("save_to_bucket")

    example_df = training.filter_label_days(labelled_df, plan.train).limit(5)
    example_pdf = example_df.select(*FEATURE_COLUMNS).toPandas()
    output_pdf = outcome.model.transform(example_df).select("prediction").toPandas()
    run.log_spark_model(outcome.model, example_pdf, output_pdf)

    phases.lap("log_model")
    # What `eventlake monitor` compares the scoring days with (ml/drift.py).
    run.log_dict(
        training_profile(outcome.model, labelled_df, plan, ml.window_days),
        drift.PROFILE_ARTIFACT,
    )
    phases.lap("profile")
    return pipeline_uri


def register_version(
    client: Any,
    settings: Settings,
    req: TrainRequest,
    inp: TrainInput,
    run_id: str,
    outcome: Any,
    pipeline_uri: str,
) -> Any:
    """The run's model registered as a new version, tagged with what the gate and a retry read."""
    from eventlake.io import registry

    return registry.register(
        client,
        settings.ml.model_name,
        run_id,
        tags={
            registry.FINGERPRINT_TAG: inp.fingerprint,
            "run_date": req.day.isoformat(),
            "events_version": str(inp.events_version),
            "holdout": str(inp.plan.holdout),
            "holdout_roc_auc": f"{outcome.holdout['roc_auc']:.6f}",
            "classifier": outcome.kind,
            "threshold": f"{outcome.threshold:.6f}",
            "pipeline_model_uri": pipeline_uri,
        },
    )
