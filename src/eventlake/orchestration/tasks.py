"""Bodies of the DAG's Python tasks: resolve the settings, call a step with them, map errors
to Airflow.

A failed gate or a missing `etl_runs` row fails the task without retries
(AirflowFailException): running the same check again cannot change the answer.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from eventlake.errors import GateFailed, InputError
from eventlake.orchestration import steps
from eventlake.orchestration.config import task_settings
from eventlake.settings import Settings


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


def promotion_task(run_date: str) -> dict[str, Any]:
    return steps.promotion(task_settings(), run_date)


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


def report_after_monitor(context: Any, result: Any = None) -> None:
    """`post_execute` of the monitor task: the day's run report once more, now that its lineage
    reaches the scoring and monitoring runs. A page that cannot be written is logged."""
    from eventlake.dates import resolve_run_date

    day = resolve_run_date(context.get("params"), context.get("ds"))
    steps.write_report(task_settings(), day, with_training=True)
