"""Resolve Spark's extra jars (Delta, hadoop-aws) once into the Ivy cache.

The first run starts a Spark session with `spark.jars.packages`, which resolves them from
Maven Central into the cache dir; `eventlake.spark` records the jar files it got, and later
local sessions put those files straight on the class path. When the record is there and every
file still exists, this command only lists them (no JVM); `--force` resolves again.
"""

from __future__ import annotations

import argparse

from eventlake.settings import Settings
from eventlake.spark import get_spark, jars_manifest, packages, resolved_jars


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--force", action="store_true", help="resolve again even if the jars are recorded"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.spark.resolve_packages:
        print("spark.resolve_packages is false in this config: the platform brings the jars")
        return 0
    coordinates = packages()
    manifest = jars_manifest(settings, coordinates)
    jars = None if args.force else resolved_jars(settings, coordinates)
    if jars is None:
        if args.force:
            manifest.unlink(missing_ok=True)
        spark = get_spark(settings, app_name="eventlake-jars")
        print(f"Spark {spark.version}; resolved {', '.join(coordinates)}")
        spark.stop()
        jars = resolved_jars(settings, coordinates)
        if jars is None:
            print(f"error: Spark resolved the packages but no jar list was written to {manifest}")
            return 1
    else:
        print(f"jars already resolved ({manifest}); `eventlake jars --force` resolves again")
    for jar in jars:
        print(f"  {jar}")
    return 0
