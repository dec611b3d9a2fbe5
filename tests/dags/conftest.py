"""Fixtures for the DAG tests: an isolated AIRFLOW_HOME, the DAG loaded by Airflow's DagBag."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers.dag_paths import DAG_ID, DAGS, dag_spec_json


def pytest_configure(config: pytest.Config) -> None:
    """Airflow reads AIRFLOW_HOME once, on first import: point it at a throwaway dir before
    any DAG test imports airflow (pytest calls this as it loads this conftest, before the
    test files here), so no test writes to ~/airflow."""
    if "AIRFLOW_HOME" not in os.environ:
        os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="eventlake-test-airflow-")
    os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
    os.environ.setdefault(
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        f"sqlite:///{os.environ['AIRFLOW_HOME']}/airflow.db",
    )


@pytest.fixture
def load_dag(monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple]:
    """Load dags/ through Airflow's real DagBag for a target; returns (dag, dagbag)."""

    def load(target: str = "local") -> tuple:
        from airflow.dag_processing.dagbag import DagBag

        monkeypatch.setenv("EVENTLAKE_TARGET", target)
        monkeypatch.setenv("EVENTLAKE_DAG_SPEC", dag_spec_json())
        bag = DagBag(dag_folder=str(DAGS))
        assert bag.import_errors == {}
        return bag.dags[DAG_ID], bag

    return load


@pytest.fixture
def local_airflow(state_home: Path) -> Callable[..., subprocess.CompletedProcess]:
    """Run `airflow ...` against a fresh SQLite metadata DB under the test's state dir."""
    from eventlake.settings import load_settings
    from eventlake.tools.airflow_home import airflow_env, executable, migrate

    settings = load_settings()
    migrate(settings)
    env = airflow_env(settings)

    def airflow(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [executable("airflow"), *args],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    return airflow
