"""The DAGs' task factories: one call per task, the same graph for every target.

`job_task` gives a Spark job's task: locally a Python task that runs the job with the task's
resolved settings (`tasks.local_job_task`: spark-submit or in process), on the aws target an
EMR Serverless job run started from the release. `raw_data_sensor` gives the task that waits
for the day's drop. The DAG files only chain what these return.

Imported by the DAG files at parse time: Airflow's SDK only at top level; the amazon provider
and everything eventlake runs are imported inside, when a task is built for aws or runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from airflow.sdk import BaseOperator, task

from eventlake.orchestration.dag_spec import DagSpec

Hook = Callable[..., None]

# An EMR job run waits in the queue and starts its workers before it runs: its task gets more
# time than the local job's.
EMR_TIMEOUT = timedelta(hours=3, minutes=30)


def skip_train_without_history(context: Any) -> None:
    """`pre_execute` of train: skip (not fail) while the lake holds too few days."""
    from eventlake.orchestration.tasks import skip_train_without_history as check

    check(context)


def report_after_monitor(context: Any, result: Any = None) -> None:
    """`post_execute` of monitor: the day's run report again, its lineage now complete."""
    from eventlake.orchestration.tasks import report_after_monitor as write

    write(context, result)


def _run_local_job(command: str, run_date: str) -> None:
    from eventlake.orchestration.tasks import local_job_task

    local_job_task(command, run_date)


def job_task(
    spec: DagSpec,
    task_id: str,
    command: str,
    run_date: str,
    *,
    timeout: timedelta,
    doc: str,
    emr_timeout: timedelta = EMR_TIMEOUT,
    emr_waiter_attempts: int = 180,
    release: str = "xcom",
    pre_execute: Hook | None = None,
    post_execute: Hook | None = None,
) -> Any:
    """The task that runs `eventlake <command> --date <run_date>` on the spec's target.

    `release`: where an EMR job takes its release from: `xcom`, the one the raw-data sensor
    fixed for the DAG run, or `variable`, the Variable eventlake_release_uri (a DAG without
    that sensor).
    """
    if spec.target == "aws":
        from eventlake.orchestration import emr
        from eventlake.orchestration.aws_operators import EventlakeEmrServerlessStartJobOperator

        return EventlakeEmrServerlessStartJobOperator(
            task_id=task_id,
            application_id=emr.VAR("eventlake_emr_application_id"),
            execution_role_arn=emr.VAR("eventlake_emr_job_role_arn"),
            job_driver=emr.job_driver(
                spec,
                command,
                run_date,
                release={"xcom": emr.RELEASE_FROM_XCOM, "variable": emr.RELEASE_FROM_VARIABLE}[
                    release
                ],
            ),
            configuration_overrides=emr.configuration_overrides(),
            name=f"eventlake-{command}-{run_date}",
            aws_conn_id="aws_default",
            wait_for_completion=True,
            deferrable=True,
            cancel_on_kill=True,
            waiter_delay=60,
            waiter_max_attempts=emr_waiter_attempts,
            execution_timeout=emr_timeout,
            pre_execute=pre_execute,
            post_execute=post_execute,
            doc_md=doc,
        )
    local = task(
        task_id=task_id,
        execution_timeout=timeout,
        pre_execute=pre_execute,
        post_execute=post_execute,
        doc_md=doc,
    )(_run_local_job)
    # Called inside the DAG: the task, as its XComArg (what chain() and >> take).
    return local(command, run_date)


def raw_data_sensor(spec: DagSpec, run_date: str) -> BaseOperator:
    """`wait_for_raw_data`: marker-free, any raw log of `dt=D/`; with `raw.ready_marker` /
    `raw.manifest`, those objects (the spec's `ready_objects`). Rescheduled (no worker slot
    held) for up to 12 hours."""
    waiting: dict[str, Any] = {
        "task_id": "wait_for_raw_data",
        "mode": "reschedule",
        "timeout": timedelta(hours=12),
    }
    if spec.target == "aws":
        from eventlake.orchestration import emr
        from eventlake.orchestration.aws_operators import RawDataS3KeySensor

        day_folder = f"{emr.VAR('eventlake_raw_uri')}/dt={run_date}/"
        ready = spec.ready_objects
        return RawDataS3KeySensor(
            bucket_key=[day_folder + name for name in ready] if ready else day_folder + "*",
            wildcard_match=not ready,
            aws_conn_id="aws_default",
            poke_interval=300,
            **waiting,
        )
    from eventlake.orchestration.operators import RawDataSensor

    return RawDataSensor(run_date=run_date, poke_interval=60, **waiting)
