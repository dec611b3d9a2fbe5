"""Where a DAG task's settings come from: environment variable, then Airflow Variable, then
conf (`eventlake.settings.load_task_settings`, with the Variables looked up here). The DAG's
own parse-time settings read no Variable (`dag_settings`).

The names of the Airflow Variables are fixed (Terraform writes them on MWAA; the table is
`eventlake.settings.ENV_OVERRIDES`). An environment variable of the same meaning wins, so a
laptop or a test can pick a target without touching the metadata DB.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from eventlake.errors import ConfigurationError
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


DEPLOYMENT_FILE = "eventlake_release.json"


def deployed_target(dags_dir: Path) -> str | None:
    """The target `eventlake deploy` wrote into the DAG bundle (`eventlake_release.json` beside
    the DAG file), or None where nothing was deployed (a laptop, the tests)."""
    path = dags_dir / DEPLOYMENT_FILE
    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{path} is not readable JSON ({exc}); redeploy the DAG") from None
    target = doc.get("target")
    return str(target) if target else None


def dag_settings(dags_dir: Path) -> Settings:
    """The settings the DAG is declared with (schedule, catchup, target, Spark sizes for EMR).

    Read at parse time, so no Airflow Variable is consulted (on MWAA each would be a Parameter
    Store call per parse): the target is EVENTLAKE_TARGET, else the one `eventlake deploy`
    wrote beside the DAG, else the conf's. The locations are read by the tasks when they run.
    """
    target = deployed_target(dags_dir)

    def deployed(name: str) -> str | None:
        return target if name == "eventlake_target" else None

    return load_task_settings(deployed)
