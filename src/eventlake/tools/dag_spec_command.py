"""`eventlake dag-spec`: print the DagSpec the DAG files are declared with, as JSON.

For an Airflow of your own pointed at `dags/`: `export EVENTLAKE_DAG_SPEC="$(eventlake
dag-spec)"` before its scheduler and DAG processor start. `eventlake run` and `eventlake ui`
set it themselves; `eventlake deploy` writes the aws one into `eventlake_release.json`.
"""

from __future__ import annotations

import argparse

from eventlake.orchestration.dag_spec import TARGETS, DagSpec
from eventlake.settings import Settings, load_task_settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help="the target the DAG runs its jobs on (default: EVENTLAKE_TARGET, else the conf's)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    # The settings a DAG task resolves, without Airflow: environment, then conf (the aws conf
    # for the aws target unless EVENTLAKE_ENV says otherwise).
    target = args.target
    spec_settings = load_task_settings(
        (lambda name: target if name == "eventlake_target" else None) if target else None
    )
    print(DagSpec.from_settings(spec_settings).to_json())
    return 0
