"""`eventlake promote --version N` and `eventlake rollback`: move an alias by hand, with a row
in the alias history `<lake>/model_aliases` (eventlake.ml.aliases)."""

from __future__ import annotations

import argparse
import json

from eventlake.settings import Settings


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", required=True, help="the registered version to point at")
    _common(parser)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--alias", default="champion", help="the alias to move (champion)")
    parser.add_argument("--reason", required=True, help="why: kept in the alias history")
    parser.add_argument("--model", help="registered model name (default: ml.model_name)")
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def move(settings: Settings, args: argparse.Namespace, version: str, actor: str) -> int:
    from eventlake.io import registry
    from eventlake.io.paths import table_uri
    from eventlake.jobs.train import git_sha
    from eventlake.ml import aliases
    from eventlake.spark import get_spark

    model = args.model or settings.ml.model_name
    client = registry.connect(settings.tracking_uri)
    registry.require_version(client, model, version)
    spark = get_spark(settings, app_name=f"eventlake-{actor}")
    before = registry.version_by_alias(client, model, args.alias)
    moved = aliases.move_alias(
        spark,
        client,
        table_uri(settings, "model_aliases"),
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
    return move(settings.replace(lake_uri=args.lake_uri), args, str(args.version), "promote")
