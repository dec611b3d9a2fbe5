"""`eventlake train --date D`: features from the lake -> one Pipeline -> bucket + MLflow registry.

Order matters: the tracking store is checked first (fail fast), then the input is planned and
checked (missing days, too few rows, one class) before any MLflow run exists, so bad input
registers nothing. A retry is detected by the version's data fingerprint (date, the ETL run
ids of the days read, the latest ETL run of the date, parameters): a version whose gate decided
is returned as is; one registered by an attempt that stopped before its gate is finished.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eventlake.dates import parse_date
from eventlake.errors import InputError
from eventlake.settings import Settings
from eventlake.timing import Phases

log = logging.getLogger(__name__)

MAX_TAG_CHARS = 5000
# Set last on a version: a version without it stopped before its promotion gate finished.
GATE_TAG = "gate_decision"


@dataclass
class TrainResult:
    run_id: str | None
    model_name: str
    version: str
    promoted: bool
    reason: str
    retried: bool = False
    model_uri: str | None = None
    classifier: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    events_version: int | None = None  # the events Delta version the training read

    def summary(self) -> dict[str, Any]:
        keys = (
            "holdout_roc_auc",
            "holdout_pr_auc",
            "holdout_log_loss",
            "holdout_f1",
            "baseline_roc_auc",
            "baseline_pr_auc",
            "baseline_log_loss",
            "threshold",
            "train_seconds",
        )
        return {
            "model": self.model_name,
            "version": self.version,
            "run_id": self.run_id,
            "champion": self.promoted,
            "classifier": self.classifier,
            "retry": self.retried,
            "reason": self.reason,
            "pipeline_model_uri": self.model_uri,
            **{k: round(self.metrics[k], 4) for k in keys if k in self.metrics},
        }


def git_sha(settings: Settings) -> str:
    """The commit of the code that trains: `git_sha` in the settings ($EVENTLAKE_GIT_SHA, for
    builds without .git), else the checkout this package is imported from, else unknown."""
    if settings.git_sha:
        return settings.git_sha
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=Path(__file__).resolve().parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def run_train(settings: Settings, day: date, **options: Any) -> TrainResult:
    """Train for `day`, save, log, register as challenger and apply the promotion gate, as
    one OpenLineage run `eventlake.train`: input the events table at the Delta version read,
    output the model version (its URI as the name, version and aliases as a facet).

    The training holds the lake's lease (io/lease.py), as an ETL run does: two trainings at
    once cannot both move the aliases (the last writer silently winning), and none moves them
    while an ETL changes the data. A second one waits up to etl.lease_wait_seconds, then
    refuses with LakeBusy naming the holder."""
    from eventlake.io import lease

    owner = lease.default_owner(f"eventlake train --date {day.isoformat()}")
    ttl, wait = settings.etl.lease_ttl_seconds, settings.etl.lease_wait_seconds
    with lease.hold(settings.lake_uri, owner, ttl, wait):
        return _run_train(settings, day, **options)


def _run_train(settings: Settings, day: date, **options: Any) -> TrainResult:
    import uuid

    from eventlake.io import registry
    from eventlake.io.lineage import (
        DatasetRef,
        LineageRun,
        mlflow_run_facet,
        model_version_facet,
        version_facet,
    )
    from eventlake.io.paths import table_uri

    lineage = LineageRun(settings, "eventlake.train", str(uuid.uuid4()), day)
    events_uri = table_uri(settings, "events")
    lineage.start([DatasetRef(events_uri)], [])
    try:
        result = _train(settings, day, lineage_run_id=lineage.run_id, **options)
    except Exception as exc:
        lineage.fail([DatasetRef(events_uri)], [], f"{type(exc).__name__}: {exc}")
        raise
    client = registry.connect(settings.tracking_uri)
    held, experiment = registry.version_lineage(
        client, result.model_name, result.version, result.run_id
    )
    events = DatasetRef(events_uri, facets={"version": version_facet(result.events_version)})
    model = DatasetRef(
        f"models:/{result.model_name}/{result.version}",
        namespace_name=("mlflow", f"models:/{result.model_name}/{result.version}"),
        facets={"modelVersion": model_version_facet(str(result.version), held, result.model_uri)},
    )
    lineage.complete([events], [model], {"mlflowRun": mlflow_run_facet(result.run_id, experiment)})
    return result


def _train(
    settings: Settings,
    day: date,
    *,
    lineage_run_id: str,
    max_label_days: int = 30,
    validation_days: int = 1,
    min_train_rows: int | None = None,
    params: Any = None,
    kinds: tuple[str, ...] | None = None,
) -> TrainResult:
    from eventlake.spark import drop_jar_paths, get_spark

    drop_jar_paths()  # before MLflow's package lookups, if a session already runs
    from eventlake.io import lake, registry
    from eventlake.io.bucket import to_spark_path
    from eventlake.io.paths import mlflow_artifacts_uri, model_uri, table_uri
    from eventlake.ml import data, drift, training
    from eventlake.ml.features import FEATURE_COLUMNS, build_user_day_features
    from eventlake.ml.pipeline import CLASSIFIERS, ModelParams
    from eventlake.ml.promotion import fingerprint

    started = time.monotonic()
    phases = Phases()
    ml = settings.ml
    params = params or ModelParams()
    kinds = kinds or CLASSIFIERS
    min_train_rows = training.MIN_TRAIN_ROWS if min_train_rows is None else min_train_rows

    tracking_uri = settings.tracking_uri
    client = registry.connect(tracking_uri)
    phases.lap("connect")

    spark = get_spark(settings, app_name="eventlake-train")
    events_uri = table_uri(settings, "events")
    events_version = lake.version(spark, events_uri)
    if events_version is None:
        raise InputError(f"no events table at {events_uri}: run `eventlake etl --date D` first")
    events_df = data.read_events(spark, events_uri, events_version)
    days = data.inventory(events_df, day)
    first_day = min(days, default=None)
    if first_day is None:
        raise InputError(f"the events table at {events_uri} has no events on or before {day}")
    plan = training.plan_split(
        day, first_day, ml.window_days, ml.holdout_days, validation_days, max_label_days
    )
    missing = training.missing_days(set(days), plan.events)
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:10])
        raise InputError(
            f"cannot train for {day}: the events table has no events for {len(missing)} day(s) "
            f"in {plan.events}: {shown}. Run `eventlake etl` for them (or backfill) first."
        )
    etl_ids = data.run_ids_between(days, plan.events.start, plan.events.end)
    etl_gate = data.etl_gate(spark, table_uri(settings, "etl_runs"), day)
    # What the training read, not the table's latest version: an ETL commit for a date outside
    # the window between two attempts leaves the fingerprint alone, so a retry finds its version.
    fp = fingerprint(
        date=day.isoformat(),
        events_uri=events_uri,
        event_days=str(plan.events),
        etl_run_ids=",".join(etl_ids),
        etl_gate_run_id=etl_gate.run_id,
        window_days=ml.window_days,
        holdout_days=ml.holdout_days,
        validation_days=validation_days,
        max_label_days=max_label_days,
        candidates=",".join(kinds),
        **params.as_params(),
    )
    existing = registry.find_version_by_fingerprint(client, ml.model_name, fp)
    if existing is not None and GATE_TAG in existing.tags:
        reason = (
            f"retry: version {existing.version} of {ml.model_name} was already trained for {day} "
            f"on the same ETL runs (fingerprint {fp}) and its gate decided "
            f"{existing.tags[GATE_TAG]}; nothing registered"
        )
        log.info(reason)
        return TrainResult(
            existing.run_id,
            ml.model_name,
            str(existing.version),
            _is_champion(client, ml.model_name, existing.version),
            reason,
            retried=True,
            model_uri=existing.tags.get("pipeline_model_uri"),
            classifier=existing.tags.get("classifier"),
            events_version=events_version,
        )
    phases.lap("spark_and_retry_check")

    labelled_df = build_user_day_features(
        events_df, plan.labels.start, plan.labels.end, ml.window_days, with_label=True
    ).cache()
    try:
        phases.lap("input_checks")
        counts = training.split_counts(labelled_df, plan)
        phases.lap("features")
        training.check_splits(counts, plan, min_train_rows)
        if existing is not None:  # registered, then stopped before its gate: finish the job
            resumed = _finish_stopped_version(
                spark,
                client,
                settings,
                existing,
                labelled_df,
                plan,
                etl_gate,
                started,
                lineage_run_id,
            )
            resumed.events_version = events_version
            return resumed

        # Local stores keep artifacts in the bucket; a server decides its own artifact store.
        artifact_location = (
            None if registry.is_remote(tracking_uri) else mlflow_artifacts_uri(settings)
        )
        experiment_id = registry.ensure_experiment(client, ml.model_name, artifact_location)

        with registry.start_run(experiment_id, f"train-{day.isoformat()}") as run:
            run_id = run.run_id
            tags = {
                "git_sha": git_sha(settings),
                "mlflow.source.git.commit": git_sha(settings),
                "run_date": day.isoformat(),
                "etl_run_ids": ",".join(etl_ids)[:MAX_TAG_CHARS],
                "events_table": events_uri,
                "events_version": str(events_version),
                registry.FINGERPRINT_TAG: fp,
                "openlineage_run_id": lineage_run_id,
            }
            run.tags(tags)
            run.params(
                {
                    "window_days": ml.window_days,
                    "holdout_days": ml.holdout_days,
                    "validation_days": validation_days,
                    "max_label_days": max_label_days,
                    "min_uplift": ml.min_uplift,
                    "promotion_gate": ml.promotion_gate,
                    "candidates": ",".join(kinds),
                    "imbalance": "threshold: max F1 on validation; no class weights",
                    "null_handling": "Imputer(median) numeric; StringIndexer keep categorical",
                    **plan.as_params(),
                    **params.as_params(),
                }
            )
            registry.log_delta_input(
                client,
                run_id,
                to_spark_path(events_uri),
                events_version,
                events_df.schema,
                {
                    "event_days": str(plan.events),
                    "label_days": str(plan.labels),
                    "user_day_rows": sum(c.rows for c in counts.values()),
                },
            )
            for split, c in counts.items():
                run.metrics({f"{split}_rows": c.rows, f"{split}_positive_rate": c.positive_rate})

            phases.lap("mlflow_run_setup")
            outcome = training.fit_and_select(
                labelled_df, plan, counts["train"].positive_rate, params, kinds
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

            # The PipelineModel in the bucket, next to MLflow's own copy of the artifact.
            pipeline_uri = model_uri(settings, ml.model_name, run_id)
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
                _training_profile(outcome.model, labelled_df, plan, ml.window_days),
                drift.PROFILE_ARTIFACT,
            )
            phases.lap("profile")
            version = registry.register(
                client,
                ml.model_name,
                run_id,
                tags={
                    registry.FINGERPRINT_TAG: fp,
                    "run_date": day.isoformat(),
                    "events_version": str(events_version),
                    "holdout": str(plan.holdout),
                    "holdout_roc_auc": f"{outcome.holdout['roc_auc']:.6f}",
                    "classifier": outcome.kind,
                    "threshold": f"{outcome.threshold:.6f}",
                    "pipeline_model_uri": pipeline_uri,
                },
            )
            phases.lap("register")
            decision = _gate_and_tag(
                spark,
                client,
                settings,
                version.version,
                labelled_df,
                plan,
                outcome.holdout["roc_auc"],
                etl_gate,
                run,
            )
            run.tags({"registered_version": version.version})
            phases.lap("gate")
            run.metrics({**phases.metrics(), "train_seconds": time.monotonic() - started})
    finally:
        labelled_df.unpersist()

    log.info("version %s: %s", version.version, decision.reason)
    return TrainResult(
        run_id,
        ml.model_name,
        str(version.version),
        decision.promote,
        decision.reason,
        model_uri=pipeline_uri,
        classifier=outcome.kind,
        events_version=events_version,
        metrics={
            **outcome.metrics,
            **phases.metrics(),
            "train_seconds": time.monotonic() - started,
        },
    )


def _training_profile(model: Any, labelled_df: Any, plan: Any, window_days: int) -> dict[str, Any]:
    """The distributions the version learnt from, binned (ml/drift.py): the features of the
    training split's rows with a full feature window, and the holdout's scores.

    The early label days of a young lake see a truncated window (fewer active days, fewer
    events); a scoring day always has a full one, so they would read as drift on every day.
    Without any full-window training row, the whole training split is the reference."""
    from datetime import timedelta

    from pyspark.sql import functions as F

    from eventlake.ml import drift, training
    from eventlake.ml.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

    train_df = training.filter_label_days(labelled_df, plan.train)
    first_full = plan.events.start + timedelta(days=window_days - 1)
    full_df = train_df.filter(F.col("as_of_date") >= F.lit(first_full))
    reference_df = (
        full_df
        if full_df.limit(training.MIN_EVAL_ROWS).count() >= (training.MIN_EVAL_ROWS)
        else train_df
    )
    profile = drift.build_profile(
        reference_df,
        NUMERIC_FEATURES,
        CATEGORICAL_FEATURES,
        training.scored(model, training.filter_label_days(labelled_df, plan.holdout)),
    )
    profile.update(
        train_days=str(plan.train),
        holdout_days=str(plan.holdout),
        full_window_from=first_full.isoformat(),
        full_window_only=reference_df is full_df,
    )
    return profile


def _is_champion(client: Any, model_name: str, version: str) -> bool:
    from eventlake.io import registry

    champion = registry.version_by_alias(client, model_name, registry.CHAMPION)
    return champion is not None and str(champion.version) == str(version)


def _gate_and_tag(
    spark: Any,
    client: Any,
    settings: Settings,
    version: str,
    labelled_df: Any,
    plan: Any,
    new_auc: float,
    etl_gate: Any,
    run: Any,
) -> Any:
    """Make `version` the challenger, run the promotion gate, move champion if it says so
    (each move a row of `model_aliases`), and tag the decision on the version and on `run`,
    the training's MLflow run. The tag comes last: a version without it is one whose gate
    never finished, and a retry finishes it."""
    from eventlake.io import registry
    from eventlake.io.paths import table_uri
    from eventlake.ml import aliases
    from eventlake.ml.promotion import GateDecision

    ml = settings.ml
    run_id = run.run_id

    def move(alias: str, reason: str) -> None:
        aliases.move_alias(
            spark,
            client,
            table_uri(settings, "model_aliases"),
            ml.model_name,
            alias,
            version,
            reason,
            "train",
            git_sha(settings),
            run_id,
        )

    champion_before = _is_champion(client, ml.model_name, version)
    move(registry.CHALLENGER, f"new version trained for {plan.events.end}")
    if champion_before:
        # The first attempt moved champion and stopped before its tag: the gate had said promote.
        decision = GateDecision(
            True, f"version {version} was made champion by an attempt that stopped before its tag"
        )
    else:
        decision = _gate(client, settings, labelled_df, plan, new_auc, etl_gate, run)
    if decision.promote:
        move(registry.CHAMPION, decision.reason)
    outcome_tag = "promoted" if decision.promote else "kept_champion"
    gate_tags = {"gate_reason": decision.reason, GATE_TAG: outcome_tag}
    run.tags(gate_tags)
    registry.tag_version(client, ml.model_name, version, gate_tags)
    return decision


def _finish_stopped_version(
    spark: Any,
    client: Any,
    settings: Settings,
    existing: Any,
    labelled_df: Any,
    plan: Any,
    etl_gate: Any,
    started: float,
    lineage_run_id: str,
) -> TrainResult:
    """A retry of a training that registered `existing` and stopped before its gate decision
    (killed, timed out): run the gate on the same holdout, in the same MLflow run.

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
        decision = _gate_and_tag(
            spark,
            client,
            settings,
            str(existing.version),
            labelled_df,
            plan,
            float(auc_tag),
            etl_gate,
            run,
        )
        run.metrics({"train_seconds_resumed": time.monotonic() - started})
    reason = f"retry finished the gate of version {existing.version}: {decision.reason}"
    log.info(reason)
    return TrainResult(
        existing.run_id,
        ml.model_name,
        str(existing.version),
        decision.promote,
        reason,
        retried=True,
        model_uri=existing.tags.get("pipeline_model_uri"),
        classifier=existing.tags.get("classifier"),
        metrics={"holdout_roc_auc": float(auc_tag)},
    )


def _gate(
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="train on the data available up to D")
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")
    parser.add_argument("--artifacts-uri", help="override the artifacts bucket location")
    parser.add_argument(
        "--max-label-days", type=int, default=30, help="label days used at most (default 30)"
    )
    parser.add_argument(
        "--validation-days", type=int, default=1, help="label days for model choice (default 1)"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.replace(lake_uri=args.lake_uri, artifacts_uri=args.artifacts_uri)
    result = run_train(
        settings,
        parse_date(args.date, "--date"),
        max_label_days=args.max_label_days,
        validation_days=args.validation_days,
    )
    print(result.reason)
    print(json.dumps(result.summary(), sort_keys=True))
    return 0
