"""The Spark session for the ML jobs, without the jar files Spark puts on sys.path.

With `spark.jars.packages`, PySpark inserts every resolved jar into `sys.path` (it treats
them as possible Python zips). importlib.metadata then opens them on every lookup, and the
560 MB AWS SDK bundle makes each `importlib.metadata.version()` cost ~9 s; MLflow does a dozen
such lookups per logged model. Jars hold no Python code, so dropping them is safe.
(The proper home for this is eventlake.spark.get_spark; see the ML issue's report.)
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from eventlake.settings import Settings

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def drop_jar_paths() -> None:
    sys.path[:] = [p for p in sys.path if not p.endswith(".jar")]


def ml_spark(settings: Settings, app_name: str) -> SparkSession:
    from eventlake.spark import get_spark

    spark = get_spark(settings, app_name=app_name)
    drop_jar_paths()
    return spark
