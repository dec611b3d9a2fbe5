"""Helpers the `eventlake_daily` DAG and `eventlake backfill` call.

Every module here is light at import time (no pyspark, no mlflow, no boto3 at top level): the
DAG file imports a few of them while the scheduler parses it, and the heavy work happens
inside functions that run in tasks.
"""
