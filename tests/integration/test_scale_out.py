"""It scales out: the ETL and the training on Spark's `local-cluster[2,1,1024]` master, two
executor JVMs with real shuffles between processes, give the same counts as `local[2]`.

This catches what a single JVM hides: Python objects captured in closures that do not
serialise, files read on the driver only, state kept in one process. The job runs as a fresh
process (scale_out_job.py), the way a cluster driver would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE.parent / "fixtures" / "sample"

# The shipped sample's days 2026-01-01..08 as a `local[2]` ETL counts them: (date, read,
# clean, quarantined, duplicates removed, restored), written down from a local[2] run of
# the same days (2026-01-01's figures are also those of test_dq_report and the release
# rehearsal).
LOCAL_DAYS = [
    ["2026-01-01", 2500, 2443, 41, 16, 0],
    ["2026-01-02", 2500, 2447, 40, 13, 0],
    ["2026-01-03", 2500, 2443, 42, 15, 0],
    ["2026-01-04", 2500, 2445, 41, 14, 0],
    ["2026-01-05", 2500, 2448, 41, 11, 0],
    ["2026-01-06", 2500, 2437, 46, 17, 0],
    ["2026-01-07", 2500, 2445, 45, 10, 0],
    ["2026-01-08", 2500, 2448, 41, 11, 0],
]
# The training of 2026-01-08 on local[2]: user-day rows per split.
LOCAL_SPLITS = {"train_rows": 1044, "validation_rows": 326, "holdout_rows": 696}


def test_etl_and_training_on_two_executor_processes_count_what_local_counts(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EVENTLAKE_", "MLFLOW_"))}
    env["EVENTLAKE_HOME"] = str(tmp_path / "home")
    env["EVENTLAKE_RAW_URI"] = f"file://{SAMPLE_DIR}"
    proc = subprocess.run(
        [sys.executable, str(HERE / "scale_out_job.py"), "local-cluster[2,1,1024]"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["master"] == "local-cluster[2,1,1024]"
    # two executor JVMs when the work began and when it ended
    assert out["executors"] == [2, 2]
    assert out["days"] == LOCAL_DAYS
    assert out["version"] == 1
    assert {k: out["splits"][k] for k in LOCAL_SPLITS} == LOCAL_SPLITS
