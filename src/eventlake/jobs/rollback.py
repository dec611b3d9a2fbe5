"""`eventlake rollback`: point an alias (champion) back at the version it held before its last
move, as the alias history `<lake>/model_aliases` records it."""

from __future__ import annotations

import argparse
from typing import Any

from eventlake.errors import InputError
from eventlake.jobs.promote import _common, move
from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)


def main(args: argparse.Namespace, settings: Settings) -> int:
    settings = settings.replace(lake_uri=args.lake_uri)

    def previous(client: Any, spark: Any, model: str) -> str:
        """The version before the alias's current one, read under the lease."""
        from eventlake.io import registry
        from eventlake.io.lake import Lake
        from eventlake.ml import aliases

        current = registry.version_by_alias(client, model, args.alias)
        if current is None:
            raise InputError(f"{model}@{args.alias} is not set: there is nothing to roll back")
        rows = aliases.history(Lake(spark, settings.lake_uri), model, args.alias)
        target = aliases.previous_version(rows, args.alias, str(current.version))
        if target is None:
            raise InputError(
                f"the alias history has no version before {current.version} for "
                f"{model}@{args.alias}: choose one with "
                "`eventlake promote --version N --reason ...`"
            )
        return target

    return move(settings, args, "rollback", previous)
