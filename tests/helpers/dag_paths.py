"""Paths shared by the DAG tests."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILE = DAGS / "eventlake_daily.py"
DAG_ID = "eventlake_daily"
# EVENTLAKE_SAMPLE_DIR: another copy of the sample (e.g. before the shipped one exists).
SAMPLE = Path(os.environ.get("EVENTLAKE_SAMPLE_DIR") or ROOT / "tests" / "fixtures" / "sample")


def dag_spec_json() -> str:
    """EVENTLAKE_DAG_SPEC for the DAG files, as `eventlake dag-spec` prints it: the settings a
    DAG task resolves from this process's environment and conf (EVENTLAKE_TARGET included)."""
    from eventlake.orchestration.dag_spec import DagSpec
    from eventlake.settings import load_task_settings

    return DagSpec.from_settings(load_task_settings()).to_json()
