"""The `local` target: run a job entry point as a `spark-submit` subprocess with local Spark.

The Airflow task process stays free of the JVM; the job gets the same confs that
`eventlake.spark.get_spark` would set, passed on the command line. The child is started in
its own process group and killed with it if the task is stopped or times out, so a retried
task never races a leftover job writing the same partition.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from eventlake.errors import ConfigurationError, EventlakeError
from eventlake.settings import Settings

log = logging.getLogger(__name__)

ENTRYPOINT = Path(__file__).resolve().parents[1] / "entrypoint.py"
GATE_FAILURE_OK = "--gate-failure-ok"


class JobFailed(EventlakeError):
    """A Spark job exited non-zero; the message has the command and the exit code."""

    def __init__(self, command: str, returncode: int, tail: str = "") -> None:
        self.returncode = returncode
        super().__init__(
            f"job `{command}` exited with code {returncode}"
            + (f"; last output:\n{tail}" if tail else "")
        )


def spark_submit_executable() -> str:
    """`spark-submit` next to this interpreter (pyspark's, in the venv), else on PATH."""
    beside = Path(sys.executable).parent / "spark-submit"
    if beside.exists():
        return str(beside)
    found = shutil.which("spark-submit")
    if not found:
        raise ConfigurationError(
            f"spark-submit not found next to {sys.executable} or on PATH; run `make setup`"
        )
    return found


def spark_submit_command(
    settings: Settings, command: str, args: Sequence[str], *, gate_failure_ok: bool = False
) -> list[str]:
    """`spark-submit [confs] entrypoint.py [--gate-failure-ok] <command> <args>`."""
    from eventlake.spark import spark_confs

    cmd = [spark_submit_executable(), "--name", f"eventlake-{command}"]
    if settings.spark.master:
        cmd += ["--master", settings.spark.master]
    if settings.spark.driver_memory:
        cmd += ["--driver-memory", settings.spark.driver_memory]
    for key, value in spark_confs(settings).items():
        cmd += ["--conf", f"{key}={value}"]
    cmd.append(str(ENTRYPOINT))
    if gate_failure_ok:
        cmd.append(GATE_FAILURE_OK)
    return [*cmd, command, *args]


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({k: v for k, v in (extra or {}).items() if v})
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    # Airflow's task process may carry a DAG-processor sys.path; the job needs none of it.
    env.pop("PYTHONSTARTUP", None)
    return env


def run_spark_submit(
    settings: Settings,
    command: str,
    args: Sequence[str],
    *,
    gate_failure_ok: bool = False,
    extra_env: dict[str, str] | None = None,
    logger: logging.Logger | None = None,
) -> int:
    """Run one job and stream its output into the log. Raises JobFailed on a non-zero exit."""
    logger = logger or log
    cmd = spark_submit_command(settings, command, args, gate_failure_ok=gate_failure_ok)
    logger.info("running %s", " ".join(cmd))
    from eventlake.spark import jar_env

    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_child_env({**jar_env(settings), **(extra_env or {})}),
        start_new_session=True,
        text=True,
        errors="replace",
    )
    tail: list[str] = []
    try:
        assert proc.stdout is not None
        for raw_line in proc.stdout:
            line = raw_line.rstrip()
            logger.info("%s", line)
            tail = [*tail[-19:], line]
        returncode = proc.wait()
    except BaseException:
        # Timeout, SIGTERM or Ctrl-C: take the whole job (JVM included) down with the task.
        _kill_group(proc)
        raise
    if returncode != 0:
        raise JobFailed(f"eventlake {command} {' '.join(args)}", returncode, "\n".join(tail))
    return returncode


def _kill_group(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def run_in_process(
    settings: Settings, command: str, args: Sequence[str], *, gate_failure_ok: bool = False
) -> int:
    """Run one job in this process (one Spark session reused across jobs: faster backfills)."""
    from eventlake.entrypoint import run

    argv = ([GATE_FAILURE_OK] if gate_failure_ok else []) + [command, *args]
    del settings  # the job reads the same process-wide settings
    returncode = run(argv)
    if returncode != 0:
        raise JobFailed(f"eventlake {command} {' '.join(args)}", returncode)
    return returncode
