"""Paths shared by the DAG tests."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILE = DAGS / "eventlake_daily.py"
DAG_ID = "eventlake_daily"
# EVENTLAKE_SAMPLE_DIR: another copy of the sample (e.g. before the shipped one exists).
SAMPLE = Path(os.environ.get("EVENTLAKE_SAMPLE_DIR") or ROOT / "tests" / "fixtures" / "sample")
