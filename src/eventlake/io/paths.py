"""Every location in the buckets, built in one place. Only io/ and jobs/ use these."""

from __future__ import annotations

from datetime import date

from eventlake.io.bucket import join
from eventlake.io.names import day_folder
from eventlake.settings import Settings

# The lake's tables by name. Each one's schema, partitioning and properties are declared
# once, in io/lake.py (`CATALOG`, in this order; tests/unit/io/test_lake_catalog.py checks the
# two agree); this tuple stays here, free of pyspark, for the JVM-free readers (io/lake_reader.py).
TABLES = (
    "events",
    "quarantine",
    "duplicates",
    "etl_runs",
    "predictions",
    "model_aliases",
    "dq_metrics",
    "model_monitoring",
)


def table_uri(settings: Settings, name: str) -> str:
    """`<lake-uri>/<name>` for one of the lake's Delta tables."""
    return table_location(settings.lake_uri, name)


def table_location(lake_uri: str, name: str) -> str:
    """`<lake_uri>/<name>`: where the lake at `lake_uri` keeps its table `name` (io/lake.Lake)."""
    if name not in TABLES:
        raise ValueError(f"unknown table {name!r}; the lake has {TABLES}")
    return join(lake_uri, name)


def raw_day_uri(settings: Settings, day: date) -> str:
    """`<raw-uri>/dt=YYYY-MM-DD` — the drop folder for one day."""
    return join(settings.raw_uri, day_folder(day))


def report_uri(settings: Settings, day: date | None = None, run_id: str | None = None) -> str:
    """`<artifacts-uri>/reports/<date>/<run id>.html` (one run's page), or the folder
    `<artifacts-uri>/reports` without a date (its `index.html` lists all runs)."""
    if day is None:
        return join(settings.artifacts_uri, "reports")
    return join(settings.artifacts_uri, "reports", day.isoformat(), f"{run_id}.html")


def model_uri(settings: Settings, model_name: str, run_id: str) -> str:
    """`<artifacts-uri>/models/<name>/<run id>` — where a PipelineModel is saved."""
    return join(settings.artifacts_uri, "models", model_name, run_id)


def mlflow_artifacts_uri(settings: Settings) -> str:
    return join(settings.artifacts_uri, "mlflow")
