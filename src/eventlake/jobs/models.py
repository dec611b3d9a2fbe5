"""`eventlake models [--at D]`: which version each alias of the model held at a moment, from
the alias history `<lake>/model_aliases` (MLflow keeps no history of its aliases)."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime, time, timedelta

from eventlake.dates import parse_date
from eventlake.errors import InputError
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--at",
        help="YYYY-MM-DD (the end of that UTC day) or an ISO timestamp in UTC; default now",
    )
    parser.add_argument("--model", help="registered model name (default: ml.model_name)")
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def moment(text: str | None) -> datetime:
    """The naive-UTC instant `--at` names: a date means the end of that day."""
    if text is None:
        return datetime.now(UTC).replace(tzinfo=None)
    if len(text) == 10:
        return datetime.combine(parse_date(text, "--at") + timedelta(days=1), time()) - timedelta(
            microseconds=1
        )
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"--at {text!r} is neither YYYY-MM-DD nor an ISO timestamp (2026-01-14T09:30:00Z)"
        ) from None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.io.lake import Lake
    from eventlake.ml import aliases
    from eventlake.spark import get_spark

    settings = settings.replace(lake_uri=args.lake_uri)
    model = args.model or settings.ml.model_name
    at = moment(args.at)
    spark = get_spark(settings, app_name="eventlake-models")
    rows = aliases.history(Lake(spark, settings.lake_uri), model)
    held = aliases.as_of(rows, at)
    print(f"{model} at {at.isoformat(timespec='seconds')} UTC:")
    if not held:
        print("  no alias was set by then (the alias history starts with the first move)")
    for alias, version in sorted(held.items()):
        last = [r for r in rows if r["alias"] == alias and r["changed_at"] <= at][-1]
        since = last["changed_at"].isoformat(timespec="seconds")
        print(
            f"  {alias:<11} version {version:<4} since {since} ({last['actor']}: {last['reason']})"
        )
    print(json.dumps({"model": model, "at": at.isoformat(), "aliases": held}, sort_keys=True))
    return 0
