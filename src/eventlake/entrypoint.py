"""What a Spark job runs: `run([--settings-file F] <command> [args])`, called by the file
`spark-submit` starts (`src/eventlake_submit.py`, beside the package; on EMR Serverless the
release's `<release_uri>/entrypoint.py`). It only hands over to `eventlake.cli.run_job`.

`--settings-file F` is the DAG task's resolved settings (`Settings.to_json`, written by the
local runner): the job uses exactly those instead of resolving its own. Without it (EMR), the
job resolves them from its environment and the conf.

The job exits 0 when it did its job: a failed quality gate is recorded in `etl_runs`, not
signalled by the exit code, and the DAG's `quality_gate` task, which reads it, is the one that
fails the DAG run with the reason (without retrying a decision a retry cannot change). A
non-zero exit means the job itself failed.
"""

from __future__ import annotations

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
