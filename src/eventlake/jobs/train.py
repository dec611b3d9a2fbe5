"""`eventlake train --date D`: features from the lake -> one Pipeline -> bucket + MLflow registry.

Order matters: the tracking store is checked first (fail fast), then the input is planned and
checked (missing days, too few rows, one class) before any MLflow run exists, so bad input
registers nothing. A retry is detected by the version's data fingerprint (date, the ETL run
ids of the days read, the latest ETL run of the date, parameters): a version whose gate decided
is returned as is; one registered by an attempt that stopped before its gate is finished.

`_train` runs the steps in order; the input and the new version's steps are in
jobs/train_steps.py, the promotion gate and the finishing of a stopped one in jobs/train_gate.py.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from eventlake.dates import parse_date
from eventlake.io.registry_outcome import MODEL_METRICS
from eventlake.jobs.train_gate import GATE_TAG, finish_stopped_gate, is_champion
from eventlake.jobs.train_steps import TrainInput, TrainRequest, fit_register_gate, read_input
from eventlake.settings import Settings
from eventlake.timing import Phases

log = logging.getLogger(__name__)


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
        keys = (*MODEL_METRICS, "baseline_log_loss", "threshold", "train_seconds")
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
    """The steps, each a `seconds_<step>` lap: connect, read and check the input, answer a
    retry whose gate decided, build the features and check the splits, then finish a version
    that stopped before its gate, or fit, save, register and gate a new one."""
    from eventlake.io import registry
    from eventlake.ml import training
    from eventlake.ml.features import build_user_day_features
    from eventlake.ml.pipeline import CLASSIFIERS, ModelParams

    phases = Phases()  # the laps, and train_seconds: the seconds since it started
    ml = settings.ml
    req = TrainRequest(
        day,
        lineage_run_id,
        max_label_days,
        validation_days,
        training.MIN_TRAIN_ROWS if min_train_rows is None else min_train_rows,
        params or ModelParams(),
        kinds or CLASSIFIERS,
    )
    client = registry.connect(settings.tracking_uri)
    phases.lap("connect")

    inp = read_input(settings, req)
    existing = registry.find_version_by_fingerprint(client, ml.model_name, inp.fingerprint)
    if existing is not None and GATE_TAG in existing.tags:
        return _decided_retry(client, settings, req, inp, existing)
    phases.lap("spark_and_retry_check")

    labelled_df = build_user_day_features(
        inp.events_df, inp.plan.labels.start, inp.plan.labels.end, ml.window_days, with_label=True
    ).cache()
    try:
        phases.lap("input_checks")
        counts = training.split_counts(labelled_df, inp.plan)
        phases.lap("features")
        training.check_splits(counts, inp.plan, req.min_train_rows)
        if existing is not None:  # registered, then stopped before its gate: finish the job
            return _finish_stopped_version(
                client, settings, req, inp, existing, labelled_df, phases
            )
        trained = fit_register_gate(
            client, settings, req, inp, labelled_df, counts, phases, git_sha(settings)
        )
    finally:
        labelled_df.unpersist()

    log.info("version %s: %s", trained.version.version, trained.decision.reason)
    return TrainResult(
        trained.run_id,
        ml.model_name,
        str(trained.version.version),
        trained.decision.promote,
        trained.decision.reason,
        model_uri=trained.pipeline_uri,
        classifier=trained.outcome.kind,
        events_version=inp.events_version,
        metrics={
            **trained.outcome.metrics,
            **phases.metrics(),
            "train_seconds": phases.elapsed(),
        },
    )


def _decided_retry(
    client: Any, settings: Settings, req: TrainRequest, inp: TrainInput, existing: Any
) -> TrainResult:
    """A retry of a training whose version exists and whose gate decided: that version as is."""
    ml = settings.ml
    reason = (
        f"retry: version {existing.version} of {ml.model_name} was already trained for "
        f"{req.day} on the same ETL runs (fingerprint {inp.fingerprint}) and its gate decided "
        f"{existing.tags[GATE_TAG]}; nothing registered"
    )
    log.info(reason)
    return TrainResult(
        existing.run_id,
        ml.model_name,
        str(existing.version),
        is_champion(client, ml.model_name, existing.version),
        reason,
        retried=True,
        model_uri=existing.tags.get("pipeline_model_uri"),
        classifier=existing.tags.get("classifier"),
        events_version=inp.events_version,
    )


def _finish_stopped_version(
    client: Any,
    settings: Settings,
    req: TrainRequest,
    inp: TrainInput,
    existing: Any,
    labelled_df: Any,
    phases: Phases,
) -> TrainResult:
    """A retry of a training that registered `existing` and stopped before its gate decision:
    the gate finished in the version's MLflow run (jobs/train_gate.py)."""
    ml = settings.ml
    decision, holdout_auc = finish_stopped_gate(
        inp.spark,
        client,
        settings,
        existing,
        labelled_df,
        inp.plan,
        inp.etl_gate,
        phases,
        req.lineage_run_id,
        git_sha(settings),
    )
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
        metrics={"holdout_roc_auc": holdout_auc},
        events_version=inp.events_version,
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
