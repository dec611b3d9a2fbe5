"""`eventlake <command>`: one command per stage. Commands are imported lazily, so
`eventlake --help` and the DAG's subprocess calls stay fast and import no Spark they don't need.

Each command module exposes ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "generate": ("eventlake.generate", "write synthetic gzip raw logs into a bucket"),
    "etl": ("eventlake.jobs.etl", "raw logs for one date -> Delta events, quarantine, etl_runs"),
    "validate-output": ("eventlake.jobs.validate_output", "check the events schema vs contract"),
    "train": ("eventlake.jobs.train", "train the Spark ML pipeline and register it in MLflow"),
    "evaluate": ("eventlake.jobs.evaluate", "metrics of a registered model on label days"),
    "predict": ("eventlake.jobs.predict", "score a date with a registered model"),
    "backfill": ("eventlake.jobs.backfill", "run the daily work for each date in a range"),
    "run": ("eventlake.jobs.run_local", "the whole job locally through the Airflow DAG"),
    "deploy": ("eventlake.jobs.deploy", "publish a release and the DAG to AWS"),
    "bench": ("eventlake.bench", "benchmark ETL and training against references"),
    "jars": ("eventlake.jobs.jars", "resolve Spark's extra jars into the Ivy cache"),
    "ui": ("eventlake.jobs.ui", "start the Airflow and MLflow UIs on 127.0.0.1"),
}


def _usage() -> str:
    lines = ["usage: eventlake <command> [options]", "", "commands:"]
    lines += [f"  {name:<16}{text}" for name, (_, text) in COMMANDS.items()]
    lines += ["", "`eventlake <command> --help` shows a command's options."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
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
    args = parser.parse_args(rest)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    from eventlake.errors import EventlakeError

    try:
        return int(module.main(args) or 0)
    except EventlakeError as exc:
        print(f"eventlake {name}: error: {exc}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
