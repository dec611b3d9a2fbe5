"""`eventlake bench` (`make bench`): ETL and training throughput against honest references.

Times, as the median of several runs with min and max, in one process and one Spark session:
the full ETL (fresh lake per run), a DuckDB implementation of the same rules on the same
files, a naive PySpark version, training on 30 label days, and `eventlake run` on the sample
(a subprocess in a fresh state dir). The references must reach the ETL's counts or the bench
fails. Results go to `<state dir>/bench/results-<timestamp>.json`; see the README's
"Benchmark" section.
"""

from __future__ import annotations

import argparse

from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from eventlake.tools.bench.runner import add_arguments as add

    add(parser)


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.tools.bench.runner import main as run

    return run(args, settings)
