"""Resolve Spark's extra jars (Delta, hadoop-aws) once into the Ivy cache."""

from __future__ import annotations

import argparse

from eventlake.settings import get_settings
from eventlake.spark import get_spark


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser


def main(args: argparse.Namespace) -> int:
    del args
    settings = get_settings()
    spark = get_spark(settings, app_name="eventlake-jars")
    jars = spark.sparkContext.getConf().get("spark.jars", "")
    print(f"Spark {spark.version}; jars resolved into {settings.spark.ivy_dir}:")
    for jar in sorted(j for j in jars.split(",") if j):
        print(f"  {jar.rsplit('/', 1)[-1]}")
    spark.stop()
    return 0
