"""Shared fixtures: one Spark session per test session, a fresh state dir per test, moto S3."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.tooling import missing_tool

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_DIR = ROOT / "tests" / "fixtures" / "sample"
VENV_BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def spark():
    """The one SparkSession of the test run (local[2], UTC, Delta, S3A)."""
    from eventlake.settings import load_settings
    from eventlake.spark import get_spark

    # py4j logs "Closing down clientserver connection" from __del__ at interpreter exit,
    # after pytest closed its streams; keep it quiet so the run ends on pytest's summary.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    settings = load_settings("local")
    session = get_spark(settings, app_name="eventlake-tests")
    session.conf.set("spark.sql.shuffle.partitions", "2")
    yield session
    session.stop()


@pytest.fixture
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh EVENTLAKE_HOME (local bucket, lake, registry) for one test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("EVENTLAKE_HOME", str(home))
    for var in ("EVENTLAKE_RAW_URI", "EVENTLAKE_LAKE_URI", "EVENTLAKE_ARTIFACTS_URI"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home}/mlflow/mlflow.db")
    (home / "mlflow").mkdir()
    yield home


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """moto's server mode on a free loopback port: the S3 (and AWS API) endpoint for tests."""
    exe = VENV_BIN / "moto_server"
    if not exe.exists():
        missing_tool(f"moto_server not installed at {exe}; run `make setup`")
    port = _free_port()
    proc = subprocess.Popen(
        [str(exe), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"moto_server did not start on {url}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3_env(moto_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Point boto3 and S3A at the moto server with dummy credentials; returns the endpoint."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    return moto_server


def copy_sample(dest: Path, days: list[str] | None = None) -> Path:
    """Copy the shipped sample (or some of its dt= folders) into a local bucket folder."""
    dest.mkdir(parents=True, exist_ok=True)
    for day_dir in sorted(SAMPLE_DIR.glob("dt=*")):
        if days is None or day_dir.name.removeprefix("dt=") in days:
            shutil.copytree(day_dir, dest / day_dir.name)
    return dest


# Spark's defaults for the suite (its comments say what and why): every JVM a test starts,
# in this process or a child, reads them through SPARK_CONF_DIR.
SPARK_CONF_DIR = ROOT / "tests" / "fixtures" / "spark-conf"


def pytest_configure(config: pytest.Config) -> None:
    """Spark's Python workers run this interpreter (the venv's), whatever PATH holds; Spark
    reads the suite's spark-defaults.conf."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_CONF_DIR", str(SPARK_CONF_DIR))


# The longest test files (minutes each on 2 cores), slowest first. With two xdist workers
# handing out whole files (make test), a long file that starts last keeps one worker busy
# after the other has finished: these start first, then the other `slow` files, then the rest.
LONGEST_FIRST = (
    "tests/cicd/test_release_rehearsal.py",
    "tests/integration/test_dq_anomaly.py",
    "tests/integration/test_maintain.py",
    "tests/dags/test_end_to_end.py",
    "tests/integration/test_scale_out.py",
    "tests/integration/test_ml_e2e.py",
    "tests/integration/test_monitor_drift.py",
    "tests/bench/test_bench_smoke.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    slow = {item.path for item in items if item.get_closest_marker("slow")}

    def order(item: pytest.Item) -> tuple[int, int]:
        name = item.path.relative_to(ROOT).as_posix()
        if name in rank:
            return (0, rank[name])
        return (1, 0) if item.path in slow else (2, 0)

    items.sort(key=order)  # stable: a file's tests keep their order
