"""Run by test_scale_out.py in a fresh process: the ETL of the sample's first eight days and
the training of the eighth, in one Spark session on the master given as argv[1]. Prints one
JSON line: the executors the session had, each day's counts and the training's split rows."""

from __future__ import annotations

import json
import sys
import time
from datetime import date, timedelta

from eventlake.jobs.etl import run_etl
from eventlake.jobs.train import run_train
from eventlake.settings import load_settings
from eventlake.spark import get_spark

FIRST, TRAIN_DAY = date(2026, 1, 1), date(2026, 1, 8)


def main(master: str) -> None:
    import dataclasses

    import mlflow

    settings = load_settings("local")
    settings = dataclasses.replace(
        settings, spark=dataclasses.replace(settings.spark, master=master)
    )
    spark = get_spark(settings, app_name="eventlake-scale-out")
    sc = spark.sparkContext

    def executors() -> int:
        # one block manager per executor, plus the driver's
        return int(sc._jsc.sc().getExecutorMemoryStatus().size()) - 1

    # The executor JVMs register a few seconds after the session starts: wait for them, so
    # that the work below is spread over both (a cluster that never comes up fails here).
    deadline = time.monotonic() + 180
    while executors() < 2 and time.monotonic() < deadline:
        time.sleep(0.5)
    at_start = executors()
    days = []
    for k in range((TRAIN_DAY - FIRST).days + 1):
        r = run_etl(settings, FIRST + timedelta(days=k), spark=spark)
        days.append(
            [
                r.processing_date,
                r.rows_read,
                r.rows_clean,
                r.rows_quarantined,
                r.duplicates_removed,
                r.rows_restored,
            ]
        )
    trained = run_train(settings, TRAIN_DAY)
    run = mlflow.MlflowClient(settings.tracking_uri).get_run(trained.run_id)
    splits = {k: int(v) for k, v in run.data.metrics.items() if k.endswith("_rows")}
    print(
        json.dumps(
            {
                "master": sc.master,
                "executors": [at_start, executors()],
                "days": days,
                "version": int(trained.version),
                "splits": splits,
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
