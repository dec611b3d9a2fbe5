"""Spark entry point: `spark-submit entrypoint.py [--gate-failure-ok] <command> [args]`.

Locally the DAG runs it through `spark-submit`; EMR Serverless uses the same file (uploaded to
`<release_uri>/entrypoint.py`) as the job's entryPoint. It only hands over to
`eventlake.cli.main`.

`--gate-failure-ok` turns exit code 3 (a quality gate stopped the run on purpose, after the
job recorded why) into success. The DAG passes it to the ETL job, so the ETL task means
"the job ran" and the `quality_gate` task, which reads `etl_runs`, is the one that fails the
DAG run with the reason, without retrying a decision that a retry cannot change.
"""

from __future__ import annotations

import os
import sys

GATE_EXIT_CODE = 3
GATE_FAILURE_OK = "--gate-failure-ok"


def run(argv: list[str]) -> int:
    """Run one eventlake command; returns its exit code."""
    from eventlake.cli import main as cli_main

    gate_failure_ok = bool(argv) and argv[0] == GATE_FAILURE_OK
    if gate_failure_ok:
        argv = argv[1:]
    returncode = cli_main(argv)
    if gate_failure_ok and returncode == GATE_EXIT_CODE:
        print(
            "eventlake: the quality gate failed and was recorded; the DAG's quality_gate "
            "task reports it (exit 3 -> 0 because of --gate-failure-ok)",
            file=sys.stderr,
        )
        return 0
    return returncode


def main() -> int:
    # Run as a script, this file's folder (src/eventlake) would be sys.path[0] and its
    # modules (io, spark, settings...) would shadow top-level ones. Drop it.
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if not p or os.path.realpath(p) != here]
    return run(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
