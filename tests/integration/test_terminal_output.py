"""What a person sees at a terminal: `eventlake etl` as a fresh process, the way a newcomer
runs it. Quiet by default (no Spark or py4j WARN/INFO line, the summary once, a full log file),
everything with -v."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sample"

# A log4j line from the JVM (`26/12/02 06:10:14 WARN Utils: ...`), a Python logging line
# (`2026-12-02 06:10:13,227 INFO py4j.clientserver: ...`), and Spark's shell banner.
SPARK_LINE = re.compile(r"^\d\d/\d\d/\d\d \d\d:\d\d:\d\d (WARN|INFO) ")
PY_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (WARNING|INFO) ")
BANNER = ("Using Spark's default log4j profile", "Setting default log level")


def _etl(tmp_path: Path, *flags: str, raw_uri: str = f"file://{SAMPLE_DIR}"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTLAKE_")}
    env["EVENTLAKE_HOME"] = str(tmp_path / "home")
    return subprocess.run(
        [sys.executable, "-m", "eventlake.cli", *flags, "etl", "--date", "2026-01-01",
         "--raw-uri", raw_uri, "--lake-uri", f"file://{tmp_path}/lake"],
        env=env, capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip


def test_etl_at_a_terminal_is_quiet_and_keeps_a_full_log(tmp_path):
    proc = _etl(tmp_path)
    assert proc.returncode == 0, proc.stderr
    noise = [
        line
        for line in proc.stderr.splitlines()
        if SPARK_LINE.match(line) or PY_LINE.match(line) or line.startswith(BANNER)
    ]
    assert noise == []
    # The JVM's own notice (Spark 4 always adds the incubator vector module) is the one line
    # left, and nothing else is on stderr.
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == [
        "WARNING: Using incubator modules: jdk.incubator.vector"
    ]
    # The summary, once: one JSON line on stdout.
    (line,) = proc.stdout.splitlines()
    assert json.loads(line)["rows_read"] == 2500
    # The full log has what the console left out: the ETL's own INFO line.
    (log_file,) = (tmp_path / "home" / "logs").glob("etl-*.log")
    assert "INFO eventlake.jobs.etl: etl 2026-01-01: " in log_file.read_text()


def test_etl_verbose_shows_spark_and_eventlake_log_lines(tmp_path):
    proc = _etl(tmp_path, "-v")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert any(SPARK_LINE.match(ln) and " WARN NativeCodeLoader: " in ln for ln in lines)
    assert any(" INFO eventlake.jobs.etl: etl 2026-01-01: " in ln for ln in lines)


def test_an_error_is_one_line_then_the_log_path(tmp_path):
    proc = _etl(tmp_path, raw_uri=f"file://{tmp_path}/no-such-bucket")
    assert proc.returncode == 1
    line, path_line = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert line.startswith("eventlake etl: error: ")
    assert str(tmp_path / "no-such-bucket") in line
    assert path_line.startswith(f"  full log: {tmp_path}/home/logs/etl-")
    assert Path(path_line.removeprefix("  full log: ")).is_file()
