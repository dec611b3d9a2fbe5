"""The `local` target's runners: `run(settings, stage, day)` runs `eventlake <stage> --date
<day>` as a `spark-submit` subprocess with local Spark (`run_spark_submit`), or in this
process by calling `jobs.<stage>.run_<stage>(settings, day)` (`run_in_process`), as
`airflow.local_runner` (EVENTLAKE_LOCAL_RUNNER) says. The aws target's runner is the DAG's
EMR Serverless operator (`orchestration/graph.job_task`, deferrable: no worker slot is held
while the job runs), with the job driver of `orchestration/emr.py`.

spark-submit:

The Airflow task process stays free of the JVM; the job gets the same confs that
`eventlake.spark.get_spark` would set, passed on the command line, and the task's resolved
Settings as a file (`eventlake_submit.py --settings-file`, readable by this user only, removed when
the job ends), so the job works with exactly what the task resolved. The child is started in
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
import tempfile
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from eventlake.dates import parse_date, validate_date
from eventlake.errors import ConfigurationError, EventlakeError
from eventlake.settings import Settings

log = logging.getLogger(__name__)

# The file spark-submit runs, beside the package (src/ in a checkout, site-packages in a wheel).
ENTRYPOINT = Path(__file__).resolve().parents[2] / "eventlake_submit.py"
SETTINGS_FILE = "--settings-file"


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
    settings: Settings,
    command: str,
    args: Sequence[str],
    *,
    settings_file: Path | None = None,
) -> list[str]:
    """`spark-submit [confs] eventlake_submit.py [--settings-file F] <command> <args>`."""
    from eventlake.spark import spark_confs

    cmd = [spark_submit_executable(), "--name", f"eventlake-{command}"]
    if settings.spark.master:
        cmd += ["--master", settings.spark.master]
    if settings.spark.driver_memory:
        cmd += ["--driver-memory", settings.spark.driver_memory]
    for key, value in spark_confs(settings).items():
        cmd += ["--conf", f"{key}={value}"]
    cmd.append(str(ENTRYPOINT))
    if settings_file is not None:
        cmd += [SETTINGS_FILE, str(settings_file)]
    return [*cmd, command, *args]


def _child_env(jars: dict[str, str]) -> dict[str, str]:
    """This process's environment (credentials, PATH) plus the jar class path for the JVM."""
    env = {**os.environ, **jars}
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
    logger: logging.Logger | None = None,
) -> int:
    """Run one job with these settings and stream its output into the log. Raises JobFailed
    on a non-zero exit."""
    from eventlake.spark import jar_env

    logger = logger or log
    with tempfile.TemporaryDirectory(prefix="eventlake-job-") as tmp:  # mode 0700
        settings_file = Path(tmp) / "settings.json"
        settings_file.write_text(settings.to_json())
        cmd = spark_submit_command(settings, command, args, settings_file=settings_file)
        logger.info("running %s", " ".join(cmd))
        proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=_child_env(jar_env(settings)),
            start_new_session=True,
            text=True,
            errors="replace",
        )
        returncode, tail = _stream(proc, logger)
    if returncode != 0:
        raise JobFailed(f"eventlake {command} {' '.join(args)}", returncode, "\n".join(tail))
    return returncode


def _stream(proc: subprocess.Popen[str], logger: logging.Logger) -> tuple[int, list[str]]:
    """Log the job's output line by line; (exit code, last 20 lines)."""
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
    return returncode, tail


def _kill_group(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def run_in_process(settings: Settings, command: str, args: Sequence[str]) -> int:
    """Run one job in this process with these settings (one Spark session reused across
    jobs: faster backfills): `jobs.<stage>.run_<stage>(settings, day)` called directly, no
    argv. `args` is `["--date", D]`, as the other runners get it. A job's EventlakeError is
    printed as the CLI prints it (`eventlake <command>: error: ...`) and raised as JobFailed
    with its exit code, as a spark-submit job's would be."""
    if list(args[:1]) != ["--date"] or len(args) != 2:
        raise ConfigurationError(f"the in-process runner takes --date D only, got {list(args)}")
    if command not in IN_PROCESS_STAGES:
        raise ConfigurationError(
            f"the in-process runner runs {', '.join(IN_PROCESS_STAGES)}, not {command!r}"
        )
    day = parse_date(args[1], "--date")
    try:
        IN_PROCESS_STAGES[command](settings, day)
    except EventlakeError as exc:
        print(f"eventlake {command}: error: {exc}", file=sys.stderr)
        raise JobFailed(f"eventlake {command} {' '.join(args)}", exc.exit_code, str(exc)) from exc
    return 0


def _etl(settings: Settings, day: date) -> None:
    from eventlake.jobs.etl import run_etl

    run_etl(settings, day)  # a failed gate is recorded in etl_runs, not raised


def _train(settings: Settings, day: date) -> None:
    from eventlake.jobs.train import run_train

    log.info("train %s: %s", day, run_train(settings, day).reason)


def _predict(settings: Settings, day: date) -> None:
    from eventlake.io.registry import alias_uri
    from eventlake.jobs.predict import run_predict

    run_predict(settings, day, alias_uri(settings.ml.model_name))  # predict's default model


def _monitor(settings: Settings, day: date) -> None:
    from eventlake.jobs.monitor import run_monitor

    run_monitor(settings, day)


# The stages a DAG task runs, as `eventlake <command> --date D` would run them.
IN_PROCESS_STAGES: dict[str, Callable[[Settings, date], None]] = {
    "etl": _etl,
    "train": _train,
    "predict": _predict,
    "monitor": _monitor,
}


def run(
    settings: Settings,
    command: str,
    day: str,
    *,
    in_process: bool | None = None,
    logger: logging.Logger | None = None,
) -> None:
    """Run `eventlake <command> --date <day>` with local Spark and these settings; raises
    JobFailed on failure.

    `in_process` None means `settings.airflow.local_runner` (EVENTLAKE_LOCAL_RUNNER). A failed
    ETL gate is not a failure here: the job records it in `etl_runs` and exits 0, and the
    quality-gate step reports it.
    """
    args = ["--date", validate_date(day)]
    if in_process is None:
        in_process = settings.airflow.local_runner == "in-process"
    if in_process:
        run_in_process(settings, command, args)
        return
    run_spark_submit(settings, command, args, logger=logger)
