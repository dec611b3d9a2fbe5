"""Resolve Spark's extra jars (Delta, hadoop-aws) once into the Ivy cache.

The first run starts a Spark session with `spark.jars.packages`, which resolves them from
Maven Central into the cache dir; `eventlake.spark` records the jar files it got, and later
local sessions put those files straight on the class path. When the record is there and every
file still exists, this command only lists them (no JVM); `--force` resolves again.
"""

from __future__ import annotations

import argparse
import sys

from eventlake import console
from eventlake.errors import SparkJarsError
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
        # Ivy's resolution report (hundreds of lines) goes to a log file, shown on failure.
        ivy_log = settings.home / "logs" / "ivy-resolve.log"
        print(f"resolving {', '.join(coordinates)} with Spark's Ivy (log: {ivy_log})", flush=True)
        try:
            with console.output_to(ivy_log):
                spark = get_spark(settings, app_name="eventlake-jars")
                version = spark.version
                spark.stop()
        except Exception as exc:
            tail = ivy_log.read_text(errors="replace").splitlines()[-20:]
            print("\n".join(tail), file=sys.stderr)
            raise SparkJarsError(
                f"resolving Spark's jars failed ({type(exc).__name__}); the last lines of "
                f"Ivy's log are above, the whole log is {ivy_log}. Check that Maven Central "
                "is reachable, then run `eventlake jars --force`."
            ) from None
        print(f"Spark {version}; resolved {', '.join(coordinates)}")
        jars = resolved_jars(settings, coordinates)
        if jars is None:
            print(f"error: Spark resolved the packages but no jar list was written to {manifest}")
            return 1
    else:
        print(f"jars already resolved ({manifest}); `eventlake jars --force` resolves again")
    for jar in jars:
        print(f"  {jar}")
    return 0
