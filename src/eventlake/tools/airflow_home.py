"""A local Airflow under the project's state dir: `<home>/airflow`, SQLite metadata DB.

Used by `eventlake run` (`airflow dags test`) and `eventlake ui` (`airflow api-server`).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from eventlake.errors import ConfigurationError, EventlakeError
from eventlake.orchestration.dag_spec import ENV_VAR, DagSpec
from eventlake.settings import Settings

DAG_ID = "eventlake_daily"


def executable(name: str) -> str:
    """A console script of this venv (airflow, mlflow), else from PATH."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        raise ConfigurationError(f"{name} not found next to {sys.executable}; run `make setup`")
    return found


def airflow_env(settings: Settings) -> dict[str, str]:
    """Environment for Airflow commands: AIRFLOW_HOME and its SQLite DB under the state dir."""
    home = settings.home / "airflow"
    home.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__DAGS_FOLDER": str(settings.dags_dir),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            # A local UI on 127.0.0.1 for one developer: no login screen.
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            # Airflow's OpenLineage provider: events for the DAG run and each task, into the
            # same transport as the jobs' own when it is the file (the jobs name these task
            # runs as their parents); the provider is off for the other transports here.
            **openlineage_env(settings),
            "EVENTLAKE_HOME": str(settings.home),
            "EVENTLAKE_TARGET": "local",
            # What the DAG files are declared with (schedule, catchup, ready objects): parsing
            # reads no conf file (eventlake.orchestration.dag_spec).
            ENV_VAR: local_dag_spec(settings).to_json(),
            "MLFLOW_TRACKING_URI": settings.tracking_uri,
            "PYSPARK_PYTHON": os.environ.get("PYSPARK_PYTHON", sys.executable),
            "PYSPARK_DRIVER_PYTHON": os.environ.get("PYSPARK_DRIVER_PYTHON", sys.executable),
        }
    )
    return env


def local_dag_spec(settings: Settings) -> DagSpec:
    """The DagSpec of a local Airflow: these settings', on the local target."""
    local = settings.replace(airflow=dataclasses.replace(settings.airflow, target="local"))
    return DagSpec.from_settings(local)


def openlineage_env(settings: Settings) -> dict[str, str]:
    """Airflow's [openlineage] config for a local Airflow: the jobs' namespace, and the file
    transport when the jobs use it (http: the same URL); the provider is disabled otherwise."""
    lineage = settings.lineage
    if lineage.transport == "file":
        transport = {"type": "file", "log_file_path": lineage.file_path, "append": True}
        Path(lineage.file_path).parent.mkdir(parents=True, exist_ok=True)
    elif lineage.transport == "http" and lineage.url:
        transport = {"type": "http", "url": lineage.url}
        if lineage.endpoint:
            transport["endpoint"] = lineage.endpoint
    else:
        return {"AIRFLOW__OPENLINEAGE__DISABLED": "True"}
    return {
        "AIRFLOW__OPENLINEAGE__NAMESPACE": lineage.namespace,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
        # The provider forks a child per task event by default; with the in-process runner
        # the task's process also holds the Spark driver's py4j socket, and a forked child
        # reset it once in a measured run ("Connection reset by peer"). A thread shares it.
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }


def start_migrate(settings: Settings) -> subprocess.Popen[bytes]:
    """Start `airflow db migrate` (create or upgrade the SQLite metadata DB, idempotent) in
    the background: ~7 s that `eventlake run` overlaps with loading the lake."""
    return subprocess.Popen(
        [executable("airflow"), "db", "migrate"],
        env=airflow_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_migrate(proc: subprocess.Popen[bytes]) -> None:
    """Wait for `start_migrate`; a failure raises with the tail of Airflow's own message."""
    _, err = proc.communicate()
    if proc.returncode != 0:
        tail = "\n".join(err.decode(errors="replace").strip().splitlines()[-15:])
        raise EventlakeError(
            f"`airflow db migrate` failed (exit {proc.returncode}); its last lines:\n{tail}"
        )


def migrate(settings: Settings) -> None:
    """`airflow db migrate`: create or upgrade the SQLite metadata DB (idempotent)."""
    wait_migrate(start_migrate(settings))


TASK_ORDER = (
    "wait_for_raw_data",
    "etl",
    "quality_gate",
    "train",
    "promotion_outcome",
    "score",
    "monitor",
)


def task_states(settings: Settings, day: str) -> dict[str, str]:
    """Task states of the latest `eventlake_daily` run for a logical date, in task order.

    Read from the local SQLite metadata DB (what `airflow tasks states-for-dag-run` shows).
    """
    import sqlite3

    db = settings.home / "airflow" / "airflow.db"
    if not db.exists():
        return {}
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            """
            SELECT ti.task_id, ti.state FROM task_instance ti
            WHERE ti.dag_id = ? AND ti.run_id = (
                SELECT run_id FROM dag_run WHERE dag_id = ? AND logical_date LIKE ?
                ORDER BY id DESC LIMIT 1)
            """,
            (DAG_ID, DAG_ID, f"{day}%"),
        ).fetchall()
    states = {task_id: state or "none" for task_id, state in rows}
    return {t: states[t] for t in TASK_ORDER if t in states}
