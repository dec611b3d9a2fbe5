"""`eventlake rollback`: point an alias (champion) back at the version it held before its last
move, as the alias history `<lake>/model_aliases` records it."""

from __future__ import annotations

import argparse

from eventlake.errors import InputError
from eventlake.jobs.promote import _common, move
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.io import registry
    from eventlake.io.paths import table_uri
    from eventlake.ml import aliases
    from eventlake.spark import get_spark

    settings = settings.replace(lake_uri=args.lake_uri)
    model = args.model or settings.ml.model_name
    client = registry.connect(settings.tracking_uri)
    current = registry.version_by_alias(client, model, args.alias)
    if current is None:
        raise InputError(f"{model}@{args.alias} is not set: there is nothing to roll back")
    spark = get_spark(settings, app_name="eventlake-rollback")
    rows = aliases.history(spark, table_uri(settings, "model_aliases"), model, args.alias)
    target = aliases.previous_version(rows, args.alias, str(current.version))
    if target is None:
        raise InputError(
            f"the alias history has no version before {current.version} for {model}@{args.alias}: "
            f"choose one with `eventlake promote --version N --reason ...`"
        )
    return move(settings, args, target, "rollback")
