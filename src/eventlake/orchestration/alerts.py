"""The DAG's `on_failure_callback`: log the failure, and in aws mode publish it to SNS."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("eventlake.orchestration.alerts")

AWS_CONN_ID = "aws_default"


def failure_message(context: Mapping[str, Any]) -> tuple[str, str]:
    """(subject, message) describing a failed task instance."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or "eventlake_daily"
    task_id = getattr(ti, "task_id", "?")
    run_id = getattr(ti, "run_id", None) or getattr(context.get("dag_run"), "run_id", "?")
    try_number = getattr(ti, "try_number", "?")
    params = context.get("params") or {}
    day = params.get("date") or context.get("ds") or "?"
    error = context.get("exception")
    subject = f"[eventlake] {dag_id}.{task_id} failed for {day}"[:100]
    message = (
        f"{dag_id}: task {task_id} failed for date {day} "
        f"(run {run_id}, try {try_number}).\nError: {error!r}"
    )
    return subject, message


def publish_sns(topic_arn: str, subject: str, message: str) -> None:
    """Publish through the amazon provider's SnsHook (connection `aws_default`)."""
    from airflow.providers.amazon.aws.hooks.sns import SnsHook

    SnsHook(aws_conn_id=AWS_CONN_ID).publish_to_target(
        target_arn=topic_arn, message=message, subject=subject
    )


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Log the failure; in aws mode also send it to `eventlake_sns_topic_arn`.

    Never raises: an alerting problem is logged and must not hide the task's own error.
    """
    subject, message = failure_message(context)
    log.error("%s", message)
    try:
        from eventlake.orchestration.config import task_settings

        airflow = task_settings().airflow
        if airflow.target == "aws" and airflow.sns_topic_arn:
            publish_sns(airflow.sns_topic_arn, subject, message)
            log.info("failure published to SNS topic %s", airflow.sns_topic_arn)
    except Exception:
        log.exception("could not publish the failure alert")
