"""`eventlake lineage --date D`: the chain of runs for one date, from raw files to predictions.

Read from the lineage events the jobs wrote (the file or bucket transport; see
`eventlake.io.lineage.read_events`), not from the tables: what a lineage server would show.
How runs are picked and linked: eventlake.io.lineage_chain.
"""

from __future__ import annotations

import argparse
import json

from eventlake.dates import parse_date
from eventlake.errors import InputError
from eventlake.io.lineage_chain import chain, render
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="processing date D (YYYY-MM-DD)")
    parser.add_argument("--json", action="store_true", help="the edges as JSON instead")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.io.lineage import read_events

    day = parse_date(args.date, "--date").isoformat()
    where, events = read_events(settings)
    if not events:
        raise InputError(f"no lineage events at {where}: run the ETL first")
    c = chain(events, day)
    if args.json:
        print(json.dumps({"date": day, "links": c.links()}, sort_keys=True))
    else:
        print(render(c, where))
    return 0
