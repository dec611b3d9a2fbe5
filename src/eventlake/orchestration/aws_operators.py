"""The aws target's operators: the amazon provider's S3 sensor and EMR Serverless operator."""

from __future__ import annotations

import time
from typing import Any

from airflow.providers.amazon.aws.operators.emr import EmrServerlessStartJobOperator
from airflow.providers.amazon.aws.sensors.s3 import S3KeySensor

from eventlake.orchestration.emr import RELEASE_XCOM_KEY, with_region
from eventlake.orchestration.operators import NamesTheUri


class RawDataS3KeySensor(NamesTheUri, S3KeySensor):
    """The provider's S3KeySensor on `<raw-uri>/dt=<date>/*` (marker-free), or on the ready
    marker and manifest the conf names (`raw.ready_marker`, `raw.manifest`: every key must
    exist), naming what never appeared on timeout."""

    def _uri(self) -> str:
        keys = [self.bucket_key] if isinstance(self.bucket_key, str) else self.bucket_key
        return " and ".join(key.removesuffix("*") for key in keys)

    def execute(self, context: Any) -> Any:
        result = super().execute(context)
        # The data is there: fix the run's release now, before any job starts (emr.RELEASE_URI).
        context["ti"].xcom_push(key=RELEASE_XCOM_KEY, value=current_release_uri())
        return result


def current_release_uri() -> str:
    """The Variable eventlake_release_uri, checked to name a published release."""
    from eventlake.errors import ConfigurationError
    from eventlake.orchestration.config import airflow_variable

    uri = airflow_variable("eventlake_release_uri") or ""
    if not uri.startswith("s3://") or uri.rstrip("/").endswith("/releases/none"):
        raise ConfigurationError(
            f"Airflow Variable eventlake_release_uri is {uri!r}, not a published release: "
            "deploy one with `eventlake deploy --env <env> --release-id <sha>`"
        )
    return uri.rstrip("/")


class EventlakeEmrServerlessStartJobOperator(EmrServerlessStartJobOperator):
    """Start the job after cancelling any live run of the same name (same job, same date).

    `cancel_on_kill` (deferred) and `on_kill` (timeout, SIGTERM) cancel the run when Airflow
    stops the task; this covers what they cannot: a worker that died without running them.
    """

    # Every JobRunState that is not final (SUCCESS, FAILED, CANCELLED): a run still CANCELLING
    # may keep writing until it stops, so it counts as live (cancelling it again is harmless).
    LIVE_STATES = ("SUBMITTED", "PENDING", "SCHEDULED", "RUNNING", "QUEUED", "CANCELLING")

    def execute(self, context: Any, event: dict[str, Any] | None = None) -> Any:
        if event is None:
            entry_point = self.job_driver["sparkSubmit"]["entryPoint"]
            if not entry_point.startswith("s3://"):
                raise ValueError(
                    f"job entry point {entry_point!r} names no release: the run's release URI "
                    "comes from the XCom of its wait_for_raw_data task; clear that task too"
                )
            self.job_driver = self.resolve_region(self.job_driver)
            if self.name:
                self.cancel_live_runs(self.name)
        return super().execute(context, event)

    def resolve_region(self, job_driver: dict[str, Any]) -> dict[str, Any]:
        """Put the EMR client's region (the application's) where the confs need it."""
        region = self.hook.conn.meta.region_name
        if not region:
            raise ValueError(
                f"connection {self.aws_conn_id!r} has no AWS region: set region_name in its "
                "extra (MWAA sets it for aws_default)"
            )
        return with_region(job_driver, region)

    FINAL_STATES = ("SUCCESS", "FAILED", "CANCELLED")
    # How long a leftover run may take to stop after CancelJobRun before this task gives up.
    CANCEL_POLL_SECONDS = 10
    CANCEL_MAX_POLLS = 60

    def cancel_live_runs(self, name: str) -> list[str]:
        """Cancel every live job run on the application named `name` and wait until each has
        stopped (a CANCELLING run can still write); returns their ids."""
        conn = self.hook.conn
        pages = conn.get_paginator("list_job_runs").paginate(
            applicationId=self.application_id, states=list(self.LIVE_STATES)
        )
        try:
            runs = [run for page in pages for run in page.get("jobRuns", [])]
        except conn.exceptions.ResourceNotFoundException:
            return []  # no run on this application yet
        leftovers = [run for run in runs if run.get("name") == name]
        for run in leftovers:
            if run.get("state") == "CANCELLING":
                self.log.warning("leftover job run %s (%s) is already cancelling", run["id"], name)
                continue
            self.log.warning("cancelling leftover job run %s (%s)", run["id"], name)
            conn.cancel_job_run(applicationId=self.application_id, jobRunId=run["id"])
        ids = [run["id"] for run in leftovers]
        self.wait_until_stopped(ids)
        return ids

    def wait_until_stopped(self, job_run_ids: list[str]) -> None:
        """Poll GetJobRun until every run is in a final state; fail naming the ones that are not."""
        pending = list(job_run_ids)
        for attempt in range(self.CANCEL_MAX_POLLS):
            pending = [
                run_id
                for run_id in pending
                if self.hook.conn.get_job_run(applicationId=self.application_id, jobRunId=run_id)[
                    "jobRun"
                ]["state"]
                not in self.FINAL_STATES
            ]
            if not pending:
                return
            if attempt + 1 < self.CANCEL_MAX_POLLS:
                time.sleep(self.CANCEL_POLL_SECONDS)
        raise RuntimeError(
            f"leftover EMR Serverless job run(s) {', '.join(pending)} on application "
            f"{self.application_id} did not stop within "
            f"{self.CANCEL_POLL_SECONDS * self.CANCEL_MAX_POLLS} s of CancelJobRun; stop them "
            "(aws emr-serverless cancel-job-run) before the task is retried"
        )
