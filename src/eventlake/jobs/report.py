"""`eventlake report --date D`: write the HTML run report of every ETL run of D, and the index
(eventlake.quality.report). The ETL writes the page of each run itself, and the promotion step
writes the page of the run in charge again with its training; this makes them again, e.g. for
runs made before reports existed or against another lake. The page of the run in charge of D
(the quality gate's run) gets the training section."""

from __future__ import annotations

import argparse

from eventlake.dates import parse_date
from eventlake.errors import EventlakeError, InputError
from eventlake.io.lake_reader import query
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="processing date D (YYYY-MM-DD)")
    parser.add_argument("--lake-uri", help="bucket prefix of the lake")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.quality.report import write_run_report

    day = parse_date(args.date, "--date")
    settings = settings.replace(lake_uri=args.lake_uri)
    runs = query(
        settings,
        "etl_runs",
        f"SELECT run_id FROM etl_runs WHERE processing_date = DATE '{day.isoformat()}'",
    )
    if not runs:
        raise InputError(
            f"no etl_runs row for {day.isoformat()} in {settings.lake_uri}: run "
            f"`eventlake etl --date {day.isoformat()}` first"
        )
    from eventlake.io.lake_reader import latest_run

    try:
        in_charge = latest_run(settings, day.isoformat())["run_id"]
    except EventlakeError:  # the run in charge left no row (killed): no page has training
        in_charge = None
    for r in runs:
        with_training = r["run_id"] == in_charge
        print(write_run_report(settings, day.isoformat(), r["run_id"], with_training=with_training))
    return 0
