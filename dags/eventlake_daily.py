"""eventlake_daily: one data interval of eventlake, end to end.

    wait_for_raw_data -> etl -> quality_gate -> train -> promotion_outcome -> score -> monitor

Every task works on the run date: the `date` param when given, else the run's logical date
`{{ ds }}` (the start of its daily data interval), never on now(). The file is declared from
a DagSpec (`eventlake.orchestration.dag_spec`): EVENTLAKE_DAG_SPEC, else the `dag_spec` that
`eventlake deploy` writes into `eventlake_release.json` beside this file. Parsing reads no
conf file and no Airflow Variable. The target (`local`: spark-submit with local Spark; `aws`:
EMR Serverless) is the spec's. The graph is the same for every target: the job tasks come
from one factory (`eventlake.orchestration.graph.job_task`), which gives a local spark-submit
task or an EMR Serverless job run. This file only declares tasks: all work happens in
`eventlake.orchestration`, imported inside the tasks.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from airflow.sdk import DAG, CronDataIntervalTimetable, Param, chain, task

from eventlake.orchestration.alerts import on_task_failure
from eventlake.orchestration.dag_spec import dag_spec
from eventlake.orchestration.graph import (
    job_task,
    raw_data_sensor,
    report_after_monitor,
    skip_train_without_history,
)
from eventlake.orchestration.operators import run_date_macro

DAG_ID = "eventlake_daily"
SPEC = dag_spec(Path(__file__).parent)
TARGET = SPEC.target
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


with DAG(
    dag_id=DAG_ID,
    description="raw logs -> Delta lake -> quality gate -> Spark ML model in MLflow",
    doc_md=__doc__,
    # Data-interval semantics: the run for [D 03:00, D+1 03:00) starts after D+1 03:00 and
    # works on ds = D, a complete day of raw data. (A plain cron string would give Airflow 3's
    # CronTriggerTimetable, whose ds is the trigger day itself.)
    schedule=CronDataIntervalTimetable(SPEC.schedule, timezone="UTC"),
    start_date=datetime(2026, 1, 1, tzinfo=UTC),
    catchup=SPEC.catchup,
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
    chain(
        raw_data_sensor(SPEC, RUN_DATE),
        job_task(
            SPEC,
            "etl",
            "etl",
            RUN_DATE,
            timeout=timedelta(hours=3),
            doc="Run the ETL job for the date (a failed gate is recorded, not raised: "
            "quality_gate fails the run).",
        ),
        quality_gate(RUN_DATE),
        job_task(
            SPEC,
            "train",
            "train",
            RUN_DATE,
            timeout=timedelta(hours=3),
            pre_execute=skip_train_without_history,
            doc="Train on the lake and register the model in MLflow behind the promotion "
            "gate; skipped while the lake holds too few days.",
        ),
        promotion_outcome(RUN_DATE),
        job_task(
            SPEC,
            "score",
            "predict",
            RUN_DATE,
            timeout=timedelta(hours=1),
            doc="`eventlake predict` for the date with the champion: `<lake>/predictions`.",
        ),
        job_task(
            SPEC,
            "monitor",
            "monitor",
            RUN_DATE,
            timeout=timedelta(hours=1),
            post_execute=report_after_monitor,
            doc="`eventlake monitor` for the date: `<lake>/model_monitoring`; then the day's "
            "run report again.",
        ),
    )
