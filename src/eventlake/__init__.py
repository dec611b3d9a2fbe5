"""eventlake: gzip event logs in a bucket -> validated Delta Lake -> Spark ML model in MLflow."""

__version__ = "0.1.0"
