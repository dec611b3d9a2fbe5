"""`eventlake run` (`make run`): the whole job on this machine, through the Airflow DAG.

1. If the local raw bucket is empty, put the sample in it (the shipped
   tests/fixtures/sample, else `eventlake generate` with the same arguments as `make sample`).
2. `train --date D` labels the days before D (a label needs the next day's events), so a date
   is trainable once the lake has a full feature window (7 days) and enough label days before
   it: 2026-01-08 for a sample starting 2026-01-01. The days
   before the last `--dag-days` trainable dates (default 1) only load the lake, with the
   DAG's own step functions (`eventlake backfill --skip-train`, one Spark session).
3. A local Airflow under the state dir (`<home>/airflow`, SQLite metadata DB), migrated, and
   `airflow dags test eventlake_daily <date>` for each of those last dates, in order: wait
   for raw data, ETL, quality gate, train and register, promotion outcome. Each run adds a
   model version; the promotion gate decides the champion. With `--runner in-process` (the
   default) the Airflow CLI command runs in this process and the DAG's Spark jobs reuse the
   history step's Spark session: one warm JVM for the whole run, instead of a cold one per
   job (~20 s each on 2 cores). `--runner spark-submit` runs `airflow dags test` as a child
   process whose tasks spark-submit each job, as the scheduled DAG does.
4. A short summary: rows per day, the model versions and metrics, champion or not, and where
   to look.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from eventlake import console
from eventlake.dates import validate_date
from eventlake.errors import InputError
from eventlake.io import bucket
from eventlake.settings import Settings
from eventlake.settings_checks import LOCAL_RUNNERS
from eventlake.tools.airflow_home import (
    DAG_ID,
    airflow_env,
    executable,
    start_migrate,
    task_states,
    wait_migrate,
)

log = logging.getLogger(__name__)

# The same arguments as `make sample`, for a checkout without the shipped sample.
GENERATE_ARGS = [
    "--start", "2026-01-01", "--days", "10", "--users", "300", "--events-per-day", "2000",
    "--files-per-day", "2", "--defect-rate", "0.03", "--seed", "7",
]  # fmt: skip
_DT = re.compile(r"/dt=(\d{4}-\d{2}-\d{2})/")


DEFAULT_DAG_DAYS = 1


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dag-days",
        default=str(DEFAULT_DAG_DAYS),
        help="how many of the last trainable dates run through `airflow dags test` (each one "
        f"trains and registers a model version), or `all` (default {DEFAULT_DAG_DAYS}); the "
        "earlier dates only load the lake",
    )
    parser.add_argument("--end", help="last date to run (default: the sample's last day)")
    parser.add_argument(
        "--runner",
        choices=LOCAL_RUNNERS,
        default="in-process",
        help="in-process (default): `airflow dags test` and its Spark jobs run in this process, "
        "one Spark session for the whole run; spark-submit: `airflow dags test` as a child "
        "process, one spark-submit per Spark job, as the scheduled DAG runs them",
    )


def raw_days(settings: Settings) -> list[str]:
    """The dates that have a dt= folder with objects in the raw bucket, sorted."""
    days = {m.group(1) for o in bucket.list_objects(settings.raw_uri) if (m := _DT.search(o.uri))}
    return sorted(days)


def ensure_sample(settings: Settings) -> str:
    """Fill an empty raw bucket with the sample; says what it did."""
    if raw_days(settings):
        return f"raw bucket {settings.raw_uri} already has data: left as is"
    sample = settings.sample_dir
    shipped = sorted(p for p in sample.glob("dt=*") if p.is_dir())
    if shipped:
        for day_dir in shipped:
            for path in sorted(p for p in day_dir.rglob("*") if p.is_file()):
                rel = path.relative_to(sample).as_posix()
                bucket.write_bytes(bucket.join(settings.raw_uri, rel), path.read_bytes())
        return f"copied the shipped sample ({len(shipped)} days) into {settings.raw_uri}"
    from eventlake.cli import main as cli_main

    code = cli_main(["generate", "--raw-uri", settings.raw_uri, *GENERATE_ARGS])
    if code != 0:
        raise InputError(f"could not generate the sample into {settings.raw_uri} (exit {code})")
    return f"generated the sample into {settings.raw_uri}"


def dags_test(settings: Settings, day: str, log_dir: Path) -> tuple[bool, Path, float]:
    """One `airflow dags test` run; (succeeded, its log file, seconds)."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"dags-test-{day}.log"
    started = time.monotonic()
    with log_file.open("w") as out:
        proc = subprocess.run(
            [executable("airflow"), "dags", "test", DAG_ID, day],
            env=airflow_env(settings),
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return proc.returncode == 0, log_file, time.monotonic() - started


def dags_test_in_process(day: str, log_dir: Path) -> tuple[bool, Path, float]:
    """`airflow dags test` through Airflow's own CLI parser, in this process; the tasks' Spark
    jobs then reuse this process's Spark session. Same result triple as `dags_test`."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"dags-test-{day}.log"
    started = time.monotonic()
    ok = True
    # Airflow's logging set-up resets the libraries' levels the console chose (py4j's INFO
    # "Exception while sending command" retry notice then reached the terminal): kept here.
    levels = {name: logging.getLogger(name).level for name in console.NOISY}
    with console.output_to(log_file):  # Airflow logs from its first import on: to the file
        from airflow.cli import cli_parser
        from airflow.configuration import write_default_airflow_configuration_if_needed

        args = cli_parser.get_parser().parse_args(["dags", "test", DAG_ID, day])
        write_default_airflow_configuration_if_needed()
        try:
            args.func(args)
        except SystemExit as exc:  # "DagRun failed"
            print(exc, file=sys.stderr)
            ok = exc.code in (None, 0)
        except Exception:
            logging.getLogger(__name__).exception("airflow dags test %s failed", day)
            ok = False
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
    return ok, log_file, time.monotonic() - started


def summary(settings: Settings, days: list[str]) -> str:
    from eventlake.io.lake_reader import latest_run
    from eventlake.io.registry import describe_outcome, promotion_outcome

    lines = ["", "eventlake run: summary", "", "  date        clean  quarantined  dups  gate"]
    for day in days:
        try:
            row = latest_run(settings, day)
        except InputError:
            lines.append(f"  {day}  (no etl_runs row)")
            continue
        lines.append(
            f"  {day}  {row['rows_clean']:>5}  {row['rows_quarantined']:>11}  "
            f"{row['duplicates_removed']:>4}  {'passed' if row['gate_passed'] else 'FAILED'}"
        )
    outcome = promotion_outcome(settings.tracking_uri, settings.ml.model_name)
    lines += ["", *("  " + line for line in describe_outcome(outcome).splitlines())]
    lake = settings.lake_uri
    lines += [
        "",
        "where to look:",
        f"  lake (Delta):   {lake}/events, {lake}/quarantine, {lake}/etl_runs",
        f"  models:         {settings.artifacts_uri}/models/{settings.ml.model_name}/",
        f"  MLflow:         {settings.tracking_uri}",
        f"                  mlflow ui --backend-store-uri {settings.tracking_uri}"
        "  (or `make ui`: Airflow + MLflow UIs)",
        f"  Airflow:        AIRFLOW_HOME={settings.home / 'airflow'}; task logs in its logs/",
    ]
    return "\n".join(lines)


def plan_days(
    settings: Settings, days: list[str], dag_days: int | None
) -> tuple[list[str], list[str]]:
    """(history days, DAG days). `train --date D` labels the days before D, so the DAG can
    train from the first date with enough label days on; the last `dag_days` of those dates
    (all if None) run through Airflow, every earlier day only loads the lake."""
    from eventlake.orchestration.tasks import first_trainable_date

    first = first_trainable_date(days[0], settings.ml.holdout_days, settings.ml.window_days)
    trainable = [d for d in days if d >= first]
    if dag_days is not None:
        trainable = trainable[-dag_days:] if dag_days > 0 else []
    return [d for d in days if not trainable or d < trainable[0]], trainable


def bootstrap(settings: Settings, days: list[str], keep_session: bool) -> None:
    """ETL + gate for the history days, with the DAG's own step functions (one Spark session).

    Days whose latest ETL run already passed the gate are left as they are.
    """
    from eventlake.io.lake_reader import read_all_etl_dates
    from eventlake.tools.backfill import backfill

    loaded = set(read_all_etl_dates(settings))
    todo = [d for d in days if d not in loaded]
    print(
        f"  history days {days[0]}..{days[-1]} (lake only, no training): "
        + (f"loading {len(todo)} with `eventlake backfill --skip-train`" if todo else "loaded"),
        flush=True,
    )
    with console.progress("  history", total=len(todo)) as bar:
        for day in todo:
            started = time.monotonic()
            bar.describe(f"etl {day}")
            (result,) = backfill(settings, day, day, skip_train=True, in_process=True)
            gate = result.get("gate") or {}
            bar.step(
                f"  {day}  {result['status']:<9} {time.monotonic() - started:5.0f}s  "
                f"{gate.get('rows_clean')} clean, {gate.get('rows_quarantined')} quarantined",
                rows=gate.get("rows_clean") or 0,
            )
            if result["status"] != "succeeded":
                raise InputError(f"loading {day} failed: {result.get('error')}")
    if keep_session:
        return
    # Free the JVM before the DAG's own spark-submit jobs start.
    try:
        from pyspark.sql import SparkSession

        active = SparkSession.getActiveSession()
        if active is not None:
            active.stop()
    except ImportError:
        pass


def _open_mlflow_store(settings: Settings) -> None:
    """Create (migrate) the local MLflow store ahead of the first training. A failure is left
    for the train task to report, with its own message."""
    from eventlake.io import registry

    try:
        registry.connect(settings.tracking_uri)
    except Exception as exc:  # reported by the train task
        log.debug("MLflow store not opened ahead of training: %s", exc)


def main(args: argparse.Namespace, settings: Settings) -> int:
    started = time.monotonic()
    in_process = args.runner == "in-process"
    if in_process:
        # Airflow reads its config from the environment when first imported, in this process.
        os.environ.update(airflow_env(settings))
        # ... and the DAG's tasks resolve their settings from it: run their jobs in here.
        os.environ["EVENTLAKE_LOCAL_RUNNER"] = "in-process"
    print(f"eventlake run: state dir {settings.home}", flush=True)
    print(f"  {ensure_sample(settings)}", flush=True)
    days = raw_days(settings)
    if args.end:
        days = [d for d in days if d <= validate_date(args.end)]
    if args.dag_days != "all" and not args.dag_days.isdigit():
        raise InputError(f"--dag-days must be a number or `all`, got {args.dag_days!r}")
    history, dag_days = plan_days(
        settings, days, None if args.dag_days == "all" else int(args.dag_days)
    )
    if not dag_days:
        raise InputError(
            f"no date to run in the given range: the raw bucket {settings.raw_uri} has "
            f"{days[0]}..{days[-1]} and training needs {len(history)} day(s) of history first"
        )
    # Airflow's metadata DB is migrated, and MLflow's store created, while the history loads
    # (~7 s and ~3 s; the ETL of a small day mostly waits on Spark's driver, not on the cores).
    migration = start_migrate(settings)
    mlflow_store = threading.Thread(target=_open_mlflow_store, args=(settings,), daemon=True)
    mlflow_store.start()
    try:
        if history:
            bootstrap(settings, history, keep_session=in_process)
    except BaseException:
        migration.kill()
        migration.wait()
        raise
    wait_migrate(migration)
    mlflow_store.join()
    log_dir = settings.home / "airflow" / "run-logs"
    print(
        f"  running DAG {DAG_ID} with `airflow dags test` for {dag_days[0]}..{dag_days[-1]}",
        flush=True,
    )
    with console.progress("  DAG", total=len(dag_days)) as bar:
        for day in dag_days:
            bar.describe(f"airflow dags test {day}")
            ok, log_file, seconds = (
                dags_test_in_process(day, log_dir)
                if in_process
                else dags_test(settings, day, log_dir)
            )
            states = task_states(settings, day)
            shown = " ".join(f"{t}={s}" for t, s in states.items())
            bar.step(f"  {day}  {'ok    ' if ok else 'FAILED'}  {seconds:5.0f}s  {shown}")
            if not ok:
                bar.close()
                tail = log_file.read_text(errors="replace").splitlines()[-40:]
                print("\n".join(tail))
                print(f"\nthe DAG run for {day} failed; full output in {log_file}")
                return 1
    print(summary(settings, days))
    from eventlake.quality.report import latest_report

    report = latest_report(settings)
    if report:
        print(f"\nlatest run report: {report}  (all runs: `make ui`, or the index beside it)")
    print(f"\ndone in {time.monotonic() - started:.0f}s")
    return 0
