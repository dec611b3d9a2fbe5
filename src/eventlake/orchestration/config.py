"""Where a DAG task's settings come from: environment variable, then Airflow Variable, then
conf (`eventlake.settings.load_task_settings`, with the Variables looked up here), resolved
when the task runs. What the DAG files are declared with at parse time is not settings but
the `DagSpec` (`eventlake.orchestration.dag_spec`), which reads no conf and no Variable.

The names of the Airflow Variables are fixed (Terraform writes them on MWAA; the table is
`eventlake.settings.ENV_OVERRIDES`). An environment variable of the same meaning wins, so a
laptop or a test can pick a target without touching the metadata DB.
"""

from __future__ import annotations

import logging

from eventlake.settings import Settings, load_task_settings

log = logging.getLogger(__name__)


def airflow_variable(name: str) -> str | None:
    """An Airflow Variable, or None when it is unset or Airflow is not reachable from here."""
    try:
        from airflow.sdk import Variable

        value = Variable.get(name, default=None)
    except Exception as exc:  # no metadata DB / API in this process: fall back
        log.debug("Airflow Variable %s not available: %s", name, exc)
        return None
    return str(value) if value not in (None, "") else None


def task_settings(*, use_airflow: bool = True) -> Settings:
    """The settings of one DAG task, resolved inside the task (never at parse time) and
    passed down to the step it runs. `use_airflow=False`: environment and conf only."""
    return load_task_settings(airflow_variable if use_airflow else None)
