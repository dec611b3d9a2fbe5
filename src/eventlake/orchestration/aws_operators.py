"""The aws target's operators: the amazon provider's S3 sensor and EMR Serverless operator."""

from __future__ import annotations

from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

from eventlake.orchestration.operators import NamesTheUri


class RawDataS3KeySensor(NamesTheUri, S3KeySensor):
    """The provider's S3KeySensor on `<raw-uri>/dt=<date>/*`, naming the URI on timeout."""

    def _uri(self) -> str:
        key = self.bucket_key if isinstance(self.bucket_key, str) else self.bucket_key[0]
        return key.removesuffix("*")


class EventlakeEmrServerlessStartJobOperator(EmrServerlessStartJobOperator):
    """Start the job after cancelling any live run of the same name (same job, same date).

    `cancel_on_kill` (deferred) and `on_kill` (timeout, SIGTERM) cancel the run when Airflow
    stops the task; this covers what they cannot: a worker that died without running them.
    """

    LIVE_STATES = ("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED")

    def execute(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        if event is None and self.name:
            self.cancel_live_runs(self.name)
        return super().execute(context, event)

    def cancel_live_runs(self, name: str) -> list[str]:
        """Cancel every live job run on the application named `name`; returns their ids."""
        conn = self.hook.conn
        cancelled = []
        pages = conn.get_paginator("list_job_runs").paginate(
            applicationId=self.application_id, states=list(self.LIVE_STATES)
        )
        try:
            runs = [run for page in pages for run in page.get("jobRuns", [])]
        except conn.exceptions.ResourceNotFoundException:
            return []  # no run on this application yet
        for run in runs:
            if run.get("name") == name:
                self.log.warning("cancelling leftover job run %s (%s)", run["id"], name)
                conn.cancel_job_run(applicationId=self.application_id, jobRunId=run["id"])
                cancelled.append(run["id"])
        return cancelled
