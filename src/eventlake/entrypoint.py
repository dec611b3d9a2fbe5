"""Spark entry point: `spark-submit entrypoint.py [--settings-file F] <command> [args]`.

Locally the DAG runs it through `spark-submit`; EMR Serverless uses the same file (uploaded to
`<release_uri>/entrypoint.py`) as the job's entryPoint. It only hands over to
`eventlake.cli.run_job`.

`--settings-file F` is the DAG task's resolved settings (`Settings.to_json`, written by the
local runner): the job uses exactly those instead of resolving its own. Without it (EMR), the
job resolves them from its environment and the conf.

The job exits 0 when it did its job: a failed quality gate is recorded in `etl_runs`, not
signalled by the exit code, and the DAG's `quality_gate` task, which reads it, is the one that
fails the DAG run with the reason (without retrying a decision a retry cannot change). A
non-zero exit means the job itself failed.
"""

from __future__ import annotations

import os
import sys

SETTINGS_FILE = "--settings-file"


def run(argv: list[str]) -> int:
    """Run one eventlake command; returns its exit code."""
    from eventlake.cli import run_job

    settings = None
    if len(argv) >= 2 and argv[0] == SETTINGS_FILE:
        from pathlib import Path

        from eventlake.settings import Settings

        settings = Settings.from_json(Path(argv[1]).read_text())
        argv = argv[2:]
    return run_job(argv, settings)


def main() -> int:
    # Run as a script, this file's folder (src/eventlake) would be sys.path[0] and its
    # modules (io, spark, settings...) would shadow top-level ones. Drop it.
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if not p or os.path.realpath(p) != here]
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
