"""`eventlake promote --version N` and `eventlake rollback`: move an alias by hand, with a row
in the alias history `<lake>/model_aliases` (eventlake.ml.aliases)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", required=True, help="the registered version to point at")
    _common(parser)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alias", default="champion", help="the alias to move (champion)")
    parser.add_argument("--reason", required=True, help="why: kept in the alias history")
    parser.add_argument("--model", help="registered model name (default: ml.model_name)")
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def move(
    settings: Settings,
    args: argparse.Namespace,
    actor: str,
    choose: Callable[[Any, Any, str], str],
) -> int:
    """Move the alias to the version `choose(client, spark, model)` names, both under the lake's
    lease (io/lease.py), which a training holds for its whole run: a move by hand never lands
    between a training's gate and its own move, where the last writer would silently win the
    alias, and a rollback's target is read from the history as it stands under the lease. A
    second holder is waited for, then refused by name (LakeBusy)."""
    from eventlake.io import lease, registry
    from eventlake.io.lake import Lake
    from eventlake.jobs.train import git_sha
    from eventlake.ml import aliases
    from eventlake.spark import get_spark

    model = args.model or settings.ml.model_name
    client = registry.connect(settings.tracking_uri)
    owner = lease.default_owner(f"eventlake {actor} {model}@{args.alias}")
    ttl, wait = settings.etl.lease_ttl_seconds, settings.etl.lease_wait_seconds
    with lease.hold(settings.lake_uri, owner, ttl, wait):
        spark = get_spark(settings, app_name=f"eventlake-{actor}")
        version = choose(client, spark, model)
        before = registry.version_by_alias(client, model, args.alias)
        moved = aliases.move_alias(
            Lake(spark, settings.lake_uri),
            client,
            model,
            args.alias,
            version,
            args.reason,
            actor,
            git_sha(settings),
        )
    was = None if before is None else str(before.version)
    print(
        f"{model}@{args.alias}: {was} -> {version}"
        if moved
        else f"{model}@{args.alias} already points at version {version}; nothing moved"
    )
    print(json.dumps({"model": model, "alias": args.alias, "from": was, "to": version}))
    return 0


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.io import registry

    version = str(args.version)
    settings = settings.replace(lake_uri=args.lake_uri)
    registry.require_version(  # a user error is told before any wait for the lease
        registry.connect(settings.tracking_uri), args.model or settings.ml.model_name, version
    )

    def chosen(client: Any, spark: Any, model: str) -> str:
        return version

    return move(settings, args, "promote", chosen)
