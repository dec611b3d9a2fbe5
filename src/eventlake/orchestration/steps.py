"""The DAG's work for one date, as plain functions.

The `eventlake_daily` tasks call these (inside the task, never at parse time) and so does
`eventlake backfill`, so both do exactly the same thing for a date:

    raw data present -> ETL -> quality gate -> train and register -> promotion outcome
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from eventlake.dates import validate_date
from eventlake.errors import ConfigurationError, InputError
from eventlake.io.bucket import join, list_objects
from eventlake.orchestration.config import RuntimeConfig

log = logging.getLogger(__name__)

ETL = "etl"
TRAIN = "train"


def raw_day_uri(raw_uri: str, day: str) -> str:
    """`<raw-uri>/dt=YYYY-MM-DD/`: the folder the sensor waits for."""
    return join(raw_uri, f"dt={validate_date(day)}") + "/"


def raw_data_present(raw_uri: str, day: str) -> bool:
    """True when the day's folder holds at least one finished object (no temp/hidden files)."""
    for obj in list_objects(raw_day_uri(raw_uri, day)):
        name = obj.uri.rsplit("/", 1)[-1]
        if not name.startswith((".", "_")) and not name.endswith(".tmp"):
            return True
    return False


def require_raw_data(cfg: RuntimeConfig, day: str) -> str:
    """The day's raw URI; InputError naming it when nothing is there (backfill does not wait)."""
    uri = raw_day_uri(cfg.raw_uri, day)
    if not raw_data_present(cfg.raw_uri, day):
        raise InputError(f"no raw data for {day}: nothing under {uri}")
    return uri


def job_env(cfg: RuntimeConfig) -> dict[str, str]:
    """The locations a local job must use: the ones this task resolved (Variable or env)."""
    return {
        "EVENTLAKE_RAW_URI": cfg.raw_uri,
        "EVENTLAKE_LAKE_URI": cfg.lake_uri,
        "EVENTLAKE_ARTIFACTS_URI": cfg.artifacts_uri,
        "MLFLOW_TRACKING_URI": cfg.tracking_uri,
    }


# How the local target runs a Spark job: `spark-submit` (a JVM per job, as EMR Serverless
# runs one per job run) or `in-process` (in the calling process, reusing its Spark session:
# what `eventlake run` uses, so a whole run shares one warm JVM).
RUNNER_ENV = "EVENTLAKE_LOCAL_RUNNER"
RUNNERS = ("spark-submit", "in-process")


def local_runner() -> str:
    """The local runner named by EVENTLAKE_LOCAL_RUNNER (default `spark-submit`)."""
    value = os.environ.get(RUNNER_ENV, "").strip() or RUNNERS[0]
    if value not in RUNNERS:
        raise ConfigurationError(f"{RUNNER_ENV}={value!r}: use one of {', '.join(RUNNERS)}")
    return value


@contextlib.contextmanager
def _job_environment(env: dict[str, str]) -> Iterator[None]:
    """The task's resolved locations as the process's settings, for an in-process job."""
    from eventlake.settings import get_settings

    saved = {key: os.environ.get(key) for key in env}
    os.environ.update({k: v for k, v in env.items() if v})
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def run_local_job(
    cfg: RuntimeConfig,
    command: str,
    day: str,
    *,
    in_process: bool | None = None,
    logger: logging.Logger | None = None,
) -> None:
    """Run `eventlake <command> --date <day>` with local Spark; raises JobFailed on failure.

    `in_process` None means the EVENTLAKE_LOCAL_RUNNER choice. The ETL job runs with
    --gate-failure-ok: a failed gate is recorded in `etl_runs` and reported by the
    quality-gate step, not by the job's exit code.
    """
    from eventlake.orchestration import local
    from eventlake.settings import get_settings

    args = ["--date", validate_date(day)]
    gate_failure_ok = command == ETL
    if in_process is None:
        in_process = local_runner() == "in-process"
    if in_process:
        with _job_environment(job_env(cfg)):
            local.run_in_process(get_settings(), command, args, gate_failure_ok=gate_failure_ok)
        return
    local.run_spark_submit(
        get_settings(),
        command,
        args,
        gate_failure_ok=gate_failure_ok,
        extra_env=job_env(cfg),
        logger=logger,
    )


def quality_gate(cfg: RuntimeConfig, day: str) -> dict[str, Any]:
    """The ETL run's summary for the day; GateFailed with the recorded reason otherwise."""
    from eventlake.orchestration.gate import check_quality_gate

    summary = check_quality_gate(cfg.lake_uri, validate_date(day))
    log.info(
        "quality gate passed for %s: %s clean, %s quarantined, %s duplicates removed",
        day,
        summary["rows_clean"],
        summary["rows_quarantined"],
        summary["duplicates_removed"],
    )
    return summary


def promotion(cfg: RuntimeConfig) -> dict[str, Any]:
    """Log and return which model versions are champion and challenger after training."""
    from eventlake.orchestration.registry import describe, promotion_outcome

    outcome = promotion_outcome(cfg.tracking_uri, cfg.model_name)
    log.info("promotion outcome:\n%s", describe(outcome))
    return outcome


# `eventlake train --date D` labels the days up to D - 1 (a label needs the next day's
# events) and needs holdout + validation + 1 training label days, and enough rows in each
# split (see eventlake.ml.training). The DAG asks for one full feature window of loaded days
# before D as well: with the defaults (window 7) the first date is the lake's 8th day.
VALIDATION_DAYS = 1


def first_trainable_date(first_day: str, holdout_days: int, window_days: int) -> str:
    """The first date the DAG trains for when the lake starts at `first_day`."""
    from datetime import date, timedelta

    needed = max(holdout_days + VALIDATION_DAYS + 1, window_days)
    return (date.fromisoformat(first_day) + timedelta(days=needed)).isoformat()


def training_history_gap(cfg: RuntimeConfig, day: str) -> str | None:
    """Why the lake is too short to train for `day` (a new deployment), or None if it is not."""
    from eventlake.orchestration.gate import read_all_etl_dates
    from eventlake.settings import get_settings

    loaded = read_all_etl_dates(cfg.lake_uri)
    if not loaded:
        return f"the lake at {cfg.lake_uri} has no loaded day yet"
    ml = get_settings().ml
    first = first_trainable_date(min(loaded), ml.holdout_days, ml.window_days)
    if day < first:
        return (
            f"the lake starts at {min(loaded)}, so the first date with a full feature window "
            f"and enough label days to train is {first}"
        )
    return None
