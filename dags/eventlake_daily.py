"""eventlake_daily: one data interval of eventlake, end to end.

    wait_for_raw_data -> etl -> quality_gate -> train -> promotion_outcome -> score -> monitor

Every task works on the run date: the `date` param when given, else the run's logical date
`{{ ds }}` (the start of its daily data interval), never on now(). The target (`local`:
spark-submit with local Spark; `aws`: EMR Serverless) comes from EVENTLAKE_TARGET, else the
`target` that `eventlake deploy` writes into `eventlake_release.json` beside this file, else
the conf file: parsing reads no Airflow Variable. This file only declares tasks: all work
happens in `eventlake.orchestration`, imported inside the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, chain, task

from eventlake.orchestration.alerts import on_task_failure
from eventlake.orchestration.config import dag_settings
from eventlake.orchestration.operators import RawDataSensor, run_date_macro

DAG_ID = "eventlake_daily"
SETTINGS = dag_settings(Path(__file__).parent)
TARGET = SETTINGS.airflow.target
RUN_DATE = "{{ eventlake_run_date() }}"

default_args: dict[str, Any] = {
    "owner": "eventlake",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,  # 2 min, then 4 min
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": on_task_failure,
}


@task(task_id="quality_gate", execution_timeout=timedelta(minutes=10))
def quality_gate(run_date: str) -> dict[str, Any]:
    """Fail the run, without retries, if the ETL's gate failed for this date."""
    from eventlake.orchestration.tasks import quality_gate_task

    return quality_gate_task(run_date)


@task(task_id="promotion_outcome", execution_timeout=timedelta(minutes=10))
def promotion_outcome(run_date: str) -> dict[str, Any]:
    """Log the model versions holding the champion and challenger aliases, and write the
    day's run report again with its training section."""
    from eventlake.orchestration.tasks import promotion_task

    return promotion_task(run_date)


@task(task_id="etl", execution_timeout=timedelta(hours=3))
def etl_local(run_date: str) -> None:
    """Run the ETL job for the date (a failed gate is recorded, not raised: quality_gate fails
    the run)."""
    from eventlake.orchestration.tasks import local_job_task

    local_job_task("etl", run_date)


def skip_train_without_history(context: Any) -> None:
    """Skip training (not fail) while the lake holds too few days, e.g. after go-live."""
    from eventlake.orchestration.tasks import skip_train_without_history as check

    check(context)


@task(task_id="train", execution_timeout=timedelta(hours=3), pre_execute=skip_train_without_history)
def train_local(run_date: str) -> None:
    """spark-submit the training job for the date; it registers the model in MLflow."""
    from eventlake.orchestration.tasks import local_job_task

    local_job_task("train", run_date)


@task(task_id="score", execution_timeout=timedelta(hours=1))
def score_local(run_date: str) -> None:
    """spark-submit `eventlake predict` for the date with the champion: `<lake>/predictions`."""
    from eventlake.orchestration.tasks import local_job_task

    local_job_task("predict", run_date)


def report_after_monitor(context: Any, result: Any = None) -> None:
    """Write the day's run report once more: its lineage now reaches scoring and monitoring."""
    from eventlake.orchestration.tasks import report_after_monitor as write

    write(context, result)


@task(task_id="monitor", execution_timeout=timedelta(hours=1), post_execute=report_after_monitor)
def monitor_local(run_date: str) -> None:
    """spark-submit `eventlake monitor` for the date: `<lake>/model_monitoring`."""
    from eventlake.orchestration.tasks import local_job_task

    local_job_task("monitor", run_date)


with DAG(
    dag_id=DAG_ID,
    description="raw logs -> Delta lake -> quality gate -> Spark ML model in MLflow",
    doc_md=__doc__,
    # Data-interval semantics: the run for [D 03:00, D+1 03:00) starts after D+1 03:00 and
    # works on ds = D, a complete day of raw data. (A plain cron string would give Airflow 3's
    # CronTriggerTimetable, whose ds is the trigger day itself.)
    schedule=CronDataIntervalTimetable(SETTINGS.airflow.schedule, timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=SETTINGS.airflow.catchup,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    default_args=default_args,
    params={
        "date": Param(
            None,
            type=["null", "string"],
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="Run date YYYY-MM-DD; empty means the run's logical date (ds).",
        )
    },
    user_defined_macros={"eventlake_run_date": run_date_macro()},
    tags=["eventlake", "etl", "ml", f"target:{TARGET}"],
) as dag:
    if TARGET == "aws":
        from eventlake.orchestration import emr
        from eventlake.orchestration.aws_operators import (
            EventlakeEmrServerlessStartJobOperator,
            RawDataS3KeySensor,
        )

        # Marker-free: any object of dt=D/; with raw.ready_marker / raw.manifest: those.
        day_folder = f"{emr.VAR('eventlake_raw_uri')}/dt={RUN_DATE}/"
        ready = SETTINGS.raw.rule().objects
        wait = RawDataS3KeySensor(
            task_id="wait_for_raw_data",
            bucket_key=[day_folder + name for name in ready] if ready else day_folder + "*",
            wildcard_match=not ready,
            aws_conn_id="aws_default",
            mode="reschedule",
            poke_interval=300,
            timeout=timedelta(hours=12),
        )
        etl, train, score, monitor = (
            EventlakeEmrServerlessStartJobOperator(
                task_id=task_id,
                application_id=emr.VAR("eventlake_emr_application_id"),
                execution_role_arn=emr.VAR("eventlake_emr_job_role_arn"),
                job_driver=emr.job_driver(SETTINGS, command, RUN_DATE),
                configuration_overrides=emr.configuration_overrides(),
                name=f"eventlake-{command}-{RUN_DATE}",
                aws_conn_id="aws_default",
                wait_for_completion=True,
                deferrable=True,
                cancel_on_kill=True,
                waiter_delay=60,
                waiter_max_attempts=180,
                execution_timeout=timedelta(hours=3, minutes=30),
                pre_execute=skip_train_without_history if command == "train" else None,
                post_execute=report_after_monitor if command == "monitor" else None,
            )
            for task_id, command in (
                ("etl", "etl"),
                ("train", "train"),
                ("score", "predict"),
                ("monitor", "monitor"),
            )
        )
    else:
        wait = RawDataSensor(
            task_id="wait_for_raw_data",
            run_date=RUN_DATE,
            mode="reschedule",
            poke_interval=60,
            timeout=timedelta(hours=12),
        )
        etl = etl_local(RUN_DATE)
        train = train_local(RUN_DATE)
        score = score_local(RUN_DATE)
        monitor = monitor_local(RUN_DATE)

    chain(wait, etl, quality_gate(RUN_DATE), train, promotion_outcome(RUN_DATE), score, monitor)
