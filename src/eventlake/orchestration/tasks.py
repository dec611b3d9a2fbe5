"""The DAG's work for one date: the steps, and the bodies of the DAG's Python tasks.

The steps are plain functions of the Settings their caller resolved. The `eventlake_daily`
tasks call them (inside the task, never at parse time), and so does `eventlake backfill`, so
both do exactly the same thing for a date:

    raw data present -> ETL -> quality gate -> train and register -> promotion outcome
    -> score the date with the champion -> monitor the champion

A task body (`*_task`, and the `pre_execute` / `post_execute` hooks) resolves the task's
settings, calls a step with them and maps errors to Airflow. A failed gate or a missing
`etl_runs` row fails the task without retries (AirflowFailException): running the same check
again cannot change the answer.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from eventlake.dates import parse_date, validate_date
from eventlake.errors import GateFailed, InputError
from eventlake.io.bucket import join, list_objects
from eventlake.io.names import MARKER_FREE, ReadyRule, day_folder, is_data, object_name
from eventlake.orchestration.config import task_settings
from eventlake.settings import Settings

log = logging.getLogger(__name__)

ETL = "etl"
TRAIN = "train"
SCORE = "predict"  # with the champion (`eventlake predict`'s default model)
MONITOR = "monitor"  # realized performance of D - 1, drift of D (jobs/monitor.py)


def raw_day_uri(raw_uri: str, day: str) -> str:
    """`<raw-uri>/dt=YYYY-MM-DD/`: the folder the sensor waits for."""
    return join(raw_uri, day_folder(parse_date(day, "run date"))) + "/"


def raw_data_present(raw_uri: str, day: str, ready: ReadyRule = MARKER_FREE) -> bool:
    """True when the day's drop is there: marker-free, at least one raw log (io/names.py:
    no partial upload, hidden or marker object); with `raw.ready_marker` / `raw.manifest`,
    each of those objects."""
    objects = list_objects(raw_day_uri(raw_uri, day))
    if ready.objects:
        names = {object_name(o.uri) for o in objects}
        return all(name in names for name in ready.objects)
    return any(is_data(o.uri) for o in objects)


def require_raw_data(settings: Settings, day: str) -> str:
    """The day's raw URI; InputError naming it when nothing is there (backfill does not wait)."""
    uri = raw_day_uri(settings.raw_uri, day)
    ready = settings.raw.rule()
    if not raw_data_present(settings.raw_uri, day, ready):
        if ready.objects:
            raise InputError(
                f"no complete drop for {day}: {uri} lacks {' or '.join(ready.objects)} "
                "(raw.ready_marker / raw.manifest); rerun once the producer has written it"
            )
        raise InputError(f"no raw data for {day}: nothing under {uri}")
    return uri


SUMMARY_FIELDS = (
    "run_id",
    "status",
    "gate_passed",
    "message",
    "rows_read",
    "rows_clean",
    "rows_quarantined",
    "duplicates_removed",
    "quarantine_ratio",
)


def check_quality_gate(settings: Settings, day: str) -> dict[str, Any]:
    """The latest run's summary when its gate passed; GateFailed with its message otherwise."""
    from eventlake.io.lake_reader import latest_run

    row = latest_run(settings, day)
    summary = {k: row.get(k) for k in SUMMARY_FIELDS}
    summary["processing_date"] = day
    if not row["gate_passed"]:
        raise GateFailed(
            f"quality gate failed for {day} (etl run {row['run_id']}, status {row['status']}): "
            f"{row.get('message') or 'no reason recorded'}"
        )
    return summary


def quality_gate(settings: Settings, day: str, *, report: bool = True) -> dict[str, Any]:
    """The ETL run's summary for the day; GateFailed with the recorded reason otherwise.

    Passed or not, with `report` the page of the run in charge is written first (again, where
    the ETL wrote it): on EMR the job's archive has no deltalake, so the DAG's task is the one
    that gives a day, a gate-stopped one above all, its report. `eventlake backfill`, whose
    ETL wrote the page in this process, passes False."""
    day = validate_date(day)
    if report:
        write_report(settings, day, with_training=False)
    summary = check_quality_gate(settings, day)
    log.info(
        "quality gate passed for %s: %s clean, %s quarantined, %s duplicates removed",
        day,
        summary["rows_clean"],
        summary["rows_quarantined"],
        summary["duplicates_removed"],
    )
    return summary


def promotion(settings: Settings, day: str) -> dict[str, Any]:
    """Log and return which model versions are champion and challenger after training, and
    write the day's run report again with its training section. A report that cannot be
    written is logged (`eventlake report --date D` makes it again), as in the ETL."""
    from eventlake.io.registry import describe_outcome, promotion_outcome

    outcome = promotion_outcome(settings.tracking_uri, settings.ml.model_name)
    log.info("promotion outcome:\n%s", describe_outcome(outcome))
    outcome["report_uri"] = write_report(settings, day, with_training=True)
    return outcome


def write_report(settings: Settings, day: str, *, with_training: bool) -> str | None:
    """The page of the run in charge of `day`; a page that cannot be written is logged
    (`eventlake report --date D` makes it again), as in the ETL. None: no page."""
    if not settings.etl.dq_metrics:
        return None
    try:
        from eventlake.quality.report import write_day_report

        return write_day_report(settings, day, with_training=with_training)
    except Exception:
        log.exception(
            "could not write the run report of %s; run `eventlake report --date %s`", day, day
        )
        return None


# `eventlake train --date D` labels the days up to D - 1 (a label needs the next day's
# events) and needs holdout + validation + 1 training label days, and enough rows in each
# split (see eventlake.ml.training). The DAG asks for one full feature window of loaded days
# before D as well: with the defaults (window 7) the first date is the lake's 8th day.
VALIDATION_DAYS = 1


def first_trainable_date(first_day: str, holdout_days: int, window_days: int) -> str:
    """The first date the DAG trains for when the lake starts at `first_day`."""
    from datetime import date, timedelta

    needed = max(holdout_days + VALIDATION_DAYS + 1, window_days)
    return (date.fromisoformat(first_day) + timedelta(days=needed)).isoformat()


def training_history_gap(settings: Settings, day: str) -> str | None:
    """Why the lake is too short to train for `day` (a new deployment), or None if it is not."""
    from eventlake.io.lake_reader import read_all_etl_dates

    loaded = read_all_etl_dates(settings)
    if not loaded:
        return f"the lake at {settings.lake_uri} has no loaded day yet"
    ml = settings.ml
    first = first_trainable_date(min(loaded), ml.holdout_days, ml.window_days)
    if day < first:
        return (
            f"the lake starts at {min(loaded)}, so the first date with a full feature window "
            f"and enough label days to train is {first}"
        )
    return None


# --- the task bodies ------------------------------------------------------------------


def local_job_task(command: str, run_date: str) -> None:
    """Run one Spark job for the date with the task's resolved settings, the task's run as
    its OpenLineage parent."""
    from eventlake.orchestration import runners

    runners.run(with_lineage_parent(task_settings()), command, run_date)


def with_lineage_parent(settings: Settings) -> Settings:
    """The settings with `lineage.parent_run` / `root_run` naming this Airflow task run and
    its DAG run, as Airflow's OpenLineage provider names them in its own events (its macros
    `lineage_parent_id` / `lineage_root_parent_id`). Unchanged without the provider."""
    try:
        from airflow.providers.openlineage.plugins.macros import (
            lineage_parent_id,
            lineage_root_parent_id,
        )
        from airflow.sdk import get_current_context
    except ImportError:
        return settings
    ti = get_current_context()["ti"]
    lineage = dataclasses.replace(
        settings.lineage,
        parent_run=lineage_parent_id(ti),
        root_run=lineage_root_parent_id(ti),
    )
    return settings.replace(lineage=lineage)


def quality_gate_task(run_date: str) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        return quality_gate(task_settings(), run_date)
    except (GateFailed, InputError) as exc:
        raise AirflowFailException(str(exc)) from exc


def reconcile_check_task(run_date: str) -> dict[str, Any]:
    """Fail, without retries, when a processed date's raw folder changed after its last
    successful run (jobs/reconcile.py); the failure callback sends the alert."""
    from datetime import date

    from airflow.sdk.exceptions import AirflowFailException

    from eventlake.jobs.reconcile import RawChanged, check

    try:
        return check(task_settings(), date.fromisoformat(run_date))
    except RawChanged as exc:
        raise AirflowFailException(str(exc)) from exc


def promotion_task(run_date: str) -> dict[str, Any]:
    return promotion(task_settings(), run_date)


def skip_train_without_history(context: Any) -> None:
    """`pre_execute` of the train task: skip (not fail) while the lake is too short to train.

    The first days after go-live have too few label days; the ETL still runs, training and the
    promotion outcome are skipped with the reason in the log.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from eventlake.dates import resolve_run_date

    day = resolve_run_date(context.get("params"), context.get("ds"))
    gap = training_history_gap(task_settings(), day)
    if gap:
        raise AirflowSkipException(f"training skipped for {day}: {gap}")


def report_after_monitor(context: Any, result: Any = None) -> None:
    """`post_execute` of the monitor task: the day's run report once more, now that its lineage
    reaches the scoring and monitoring runs. A page that cannot be written is logged."""
    from eventlake.dates import resolve_run_date

    day = resolve_run_date(context.get("params"), context.get("ds"))
    write_report(task_settings(), day, with_training=True)
