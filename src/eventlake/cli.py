"""`eventlake <command>`: one command per stage. Commands are imported lazily, so
`eventlake --help` and the DAG's subprocess calls stay fast and import no Spark they don't need.

Each command module exposes ``add_arguments(parser)`` and ``main(args, settings) -> int``.
The settings are resolved here, once per process (flags a command adds, such as
``--lake-uri``, are applied by its ``main``), and passed down; nothing below reads the
environment.

Exit codes at a terminal (`main`): 0 done; 1 an error the message explains (bad input,
configuration, a missing bucket, a failed job); 2 a usage error (unknown command or flag); 3 a
quality gate stopped the run (``eventlake etl``: the run and its verdict are recorded in
``etl_runs``). The DAG's entry (`run_job`) exits 0 on a failed gate: see there.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import logging
import sys
from typing import TYPE_CHECKING, Any

from eventlake import console
from eventlake.errors import ConfigurationError, EventlakeError

if TYPE_CHECKING:
    from eventlake.settings import Settings

COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("eventlake.tools.generate", "write synthetic gzip raw logs into a bucket"),
    "etl": ("eventlake.jobs.etl", "raw logs for one date -> Delta events, quarantine, etl_runs"),
    "report": ("eventlake.jobs.report", "write the HTML run reports of a date, and the index"),
    "validate-output": ("eventlake.jobs.validate_output", "check the events schema vs contract"),
    "train": ("eventlake.jobs.train", "train the Spark ML pipeline and register it in MLflow"),
    "evaluate": ("eventlake.jobs.evaluate", "metrics of a registered model on label days"),
    "predict": ("eventlake.jobs.predict", "score a date with a registered model"),
    "monitor": ("eventlake.jobs.monitor", "judge the champion: realized performance, drift"),
    "promote": ("eventlake.jobs.promote", "point an alias at a model version, with history"),
    "rollback": ("eventlake.jobs.rollback", "point an alias back at its previous version"),
    "models": ("eventlake.jobs.models", "which version each alias held at a date"),
    "maintain": ("eventlake.jobs.maintain", "OPTIMIZE recent partitions, VACUUM old files"),
    "backfill": ("eventlake.tools.backfill", "run the daily work for each date in a range"),
    "reconcile": ("eventlake.jobs.reconcile", "dates whose raw files changed since their run"),
    "lineage": ("eventlake.jobs.lineage", "the runs of a date, raw files to predictions"),
    "run": ("eventlake.tools.run_local", "the whole job locally through the Airflow DAG"),
    "deploy": ("eventlake.tools.deploy", "publish a release and the DAG to AWS"),
    "dag-spec": ("eventlake.tools.dag_spec_command", "print the DAG files' parse-time spec"),
    "bench": ("eventlake.tools.bench", "benchmark ETL and training against references"),
    "jars": ("eventlake.tools.jars", "resolve Spark's extra jars into the Ivy cache"),
    "ui": ("eventlake.tools.ui", "start the Airflow and MLflow UIs on 127.0.0.1"),
}


VERBOSE_FLAGS = ("-v", "--verbose")


def _usage() -> str:
    lines = ["usage: eventlake [-v] <command> [options]", "", "commands:"]
    lines += [f"  {name:<16}{text}" for name, (_, text) in COMMANDS.items()]
    lines += [
        "",
        "`eventlake <command> --help` shows a command's options. -v/--verbose (before or after",
        "the command) or EVENTLAKE_LOG_LEVEL=INFO shows every log line, Spark's included.",
    ]
    return "\n".join(lines)


def _parse(argv: list[str]) -> tuple[str, Any, argparse.Namespace] | int:
    """(command, its module, its parsed arguments), or the exit code of help/usage."""
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"eventlake: unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module_name, text = COMMANDS[name]
    module = importlib.import_module(module_name)
    parser = argparse.ArgumentParser(prog=f"eventlake {name}", description=text)
    module.add_arguments(parser)
    parser.add_argument(*VERBOSE_FLAGS, action="store_true", help="show every log line")
    return name, module, parser.parse_args(rest)


def _run(argv: list[str], settings: Settings | None, *, orchestrated: bool) -> int:
    verbose = any(a in VERBOSE_FLAGS for a in argv[:1])
    parsed = _parse([a for a in argv[:1] if a not in VERBOSE_FLAGS] + argv[1:])
    if isinstance(parsed, int):
        return parsed
    name, module, args = parsed
    log_file = None
    if orchestrated:  # a DAG task's job: Airflow (or spark-submit's stderr) keeps the log
        logging.basicConfig(level=logging.INFO, format=console.FORMAT)
    try:
        if not orchestrated:
            from eventlake.settings import console_log_level

            try:
                level = console.resolve_level(verbose or args.verbose, console_log_level())
            except ValueError as exc:
                raise ConfigurationError(str(exc)) from None
            console.configure(level)
        if settings is None:
            from eventlake.settings import load_settings

            settings = load_settings()
        if orchestrated and hasattr(module, "run"):
            module.run(args, settings)  # the outcome is recorded by the job, not an exit code
            return 0
        if not orchestrated:
            if settings.spark.log_level is None:
                spark = dataclasses.replace(settings.spark, log_level=console.spark_level(level))
                settings = settings.replace(spark=spark)
            log_file = console.add_log_file(settings.home, name)
        return int(module.main(args, settings) or 0)
    except EventlakeError as exc:
        print(f"eventlake {name}: error: {exc}", file=sys.stderr)
        if log_file:
            print(f"  full log: {log_file}", file=sys.stderr)
        return exc.exit_code


def main(argv: list[str] | None = None) -> int:
    """`eventlake <command> ...` at a terminal: settings from the environment and conf."""
    return _run(list(sys.argv[1:] if argv is None else argv), None, orchestrated=False)


def run_job(argv: list[str], settings: Settings | None = None) -> int:
    """A command as a DAG task's job process runs it (the spark-submit and EMR entry point).

    With `settings` (resolved by the DAG task), the job uses them as they are; without, it
    resolves them from the environment and conf (EMR Serverless, whose driver environment
    carries them). A stage whose outcome is data exposes `run(args, settings)`, and this
    calls that instead of `main`: the ETL records its gate verdict in `etl_runs` and exits 0
    when it did its job; the DAG's `quality_gate` task reads the verdict and is the one place
    that fails the run. At a terminal, `main` exits 3 on a failed gate.
    """
    return _run(list(argv), settings, orchestrated=True)


if __name__ == "__main__":
    sys.exit(main())
