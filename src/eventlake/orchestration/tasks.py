"""Bodies of the DAG's Python tasks: resolve the config, call a step, map errors to Airflow.

A failed gate or a missing `etl_runs` row fails the task without retries
(AirflowFailException): running the same check again cannot change the answer.
"""

from __future__ import annotations

from typing import Any

from eventlake.errors import GateFailed, InputError
from eventlake.orchestration import steps
from eventlake.orchestration.config import runtime_config


def local_job_task(command: str, run_date: str) -> None:
    """spark-submit one job for the date with the task's resolved locations."""
    steps.run_local_job(runtime_config(), command, run_date)


def quality_gate_task(run_date: str) -> dict[str, Any]:
    from airflow.sdk.exceptions import AirflowFailException

    try:
        return steps.quality_gate(runtime_config(), run_date)
    except (GateFailed, InputError) as exc:
        raise AirflowFailException(str(exc)) from exc


def promotion_task() -> dict[str, Any]:
    return steps.promotion(runtime_config())
