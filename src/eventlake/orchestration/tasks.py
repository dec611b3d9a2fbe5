"""Bodies of the DAG's Python tasks: resolve the settings, call a step with them, map errors
to Airflow.

A failed gate or a missing `etl_runs` row fails the task without retries
(AirflowFailException): running the same check again cannot change the answer.
"""

from __future__ import annotations

from typing import Any

from eventlake.errors import GateFailed, InputError
from eventlake.orchestration import steps
from eventlake.orchestration.config import task_settings


def local_job_task(command: str, run_date: str) -> None:
    """Run one Spark job for the date with the task's resolved settings."""
    steps.run_local_job(task_settings(), command, run_date)


def quality_gate_task(run_date: str) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        return steps.quality_gate(task_settings(), run_date)
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


def promotion_task() -> dict[str, Any]:
    return steps.promotion(task_settings())


def skip_train_without_history(context: Any) -> None:
    """`pre_execute` of the train task: skip (not fail) while the lake is too short to train.

    The first days after go-live have too few label days; the ETL still runs, training and the
    promotion outcome are skipped with the reason in the log.
    """
    from airflow.sdk.exceptions import AirflowSkipException

    from eventlake.dates import resolve_run_date

    day = resolve_run_date(context.get("params"), context.get("ds"))
    gap = steps.training_history_gap(task_settings(), day)
    if gap:
        raise AirflowSkipException(f"training skipped for {day}: {gap}")
