"""Paths shared by the DAG tests (a plain module: tests/ is not a package)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILE = DAGS / "eventlake_daily.py"
DAG_ID = "eventlake_daily"
SAMPLE = ROOT / "tests" / "fixtures" / "sample"
