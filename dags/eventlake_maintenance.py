"""eventlake_maintenance: once a day, `eventlake maintain` for the run date.

    maintain        reconcile_check

OPTIMIZE the partitions the last few runs wrote, then VACUUM files that nothing references
any more, keeping every events version a registered model was trained on (README, "Table
maintenance"). A separate DAG from eventlake_daily: it runs at its own hour (conf
`maintenance.schedule`, default 12:00 UTC, away from the 03:00 ETL), and a failed
maintenance never blocks a day's data. Same targets as eventlake_daily: spark-submit locally,
EMR Serverless on aws. Beside it, `reconcile_check` (in the worker, no Spark) fails, and
so alerts, when a processed date's raw folder changed after its last successful ETL run
(late files: README, "Loading semantics"). This file only declares the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, task

from eventlake.orchestration.alerts import on_task_failure
from eventlake.orchestration.dag_spec import dag_spec
from eventlake.orchestration.graph import job_task
from eventlake.orchestration.operators import run_date_macro

DAG_ID = "eventlake_maintenance"
SPEC = dag_spec(Path(__file__).parent)
TARGET = SPEC.target
RUN_DATE = "{{ eventlake_run_date() }}"

default_args: dict[str, Any] = {
    "owner": "eventlake",
    "retries": 2,
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(minutes=30),
    "execution_timeout": timedelta(hours=2),
    "on_failure_callback": on_task_failure,
}


@task(task_id="reconcile_check", execution_timeout=timedelta(minutes=30))
def reconcile_check(run_date: str) -> dict[str, Any]:
    """Fail, naming the dates, when raw files changed after a date's last successful run."""
    from eventlake.orchestration.tasks import reconcile_check_task

    return reconcile_check_task(run_date)


with DAG(
    dag_id=DAG_ID,
    description="OPTIMIZE recent partitions and VACUUM the lake, keeping model-pinned versions",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable(SPEC.maintenance_schedule, timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=4),
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
    tags=["eventlake", "maintenance", f"target:{TARGET}"],
) as dag:
    job_task(
        SPEC,
        "maintain",
        "maintain",
        RUN_DATE,
        timeout=timedelta(hours=2),
        emr_timeout=timedelta(hours=3),
        emr_waiter_attempts=150,
        # One job per run, no sensor to fix the run's release in an XCom: the EMR job takes
        # the Variable eventlake_release_uri directly.
        release="variable",
        doc="`eventlake maintain --date D` with the task's resolved lake and registry.",
    )
    reconcile_check(RUN_DATE)
