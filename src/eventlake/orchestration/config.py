"""Where the DAG's settings come from: environment variable, then Airflow Variable, then conf.

The names of the Airflow Variables are fixed (Terraform writes them on MWAA). An environment
variable of the same meaning wins, so a laptop or a test can pick a target without touching
the metadata DB; the conf file (`eventlake.settings`) is the last fallback.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from eventlake.errors import ConfigurationError
from eventlake.settings import Settings

log = logging.getLogger(__name__)

TARGETS = ("local", "aws")

# Airflow Variable -> environment variable with the same meaning.
VARIABLES: dict[str, str] = {
    "eventlake_target": "EVENTLAKE_TARGET",
    "eventlake_emr_application_id": "EVENTLAKE_EMR_APPLICATION_ID",
    "eventlake_emr_job_role_arn": "EVENTLAKE_EMR_JOB_ROLE_ARN",
    "eventlake_raw_uri": "EVENTLAKE_RAW_URI",
    "eventlake_lake_uri": "EVENTLAKE_LAKE_URI",
    "eventlake_artifacts_uri": "EVENTLAKE_ARTIFACTS_URI",
    "eventlake_mlflow_tracking_uri": "MLFLOW_TRACKING_URI",
    "eventlake_sns_topic_arn": "EVENTLAKE_SNS_TOPIC_ARN",
    "eventlake_release_uri": "EVENTLAKE_RELEASE_URI",
}


def airflow_variable(name: str) -> str | None:
    """An Airflow Variable, or None when it is unset or Airflow is not reachable from here."""
    try:
        from airflow.sdk import Variable

        value = Variable.get(name, default=None)
    except Exception as exc:  # no metadata DB / API in this process: fall back
        log.debug("Airflow Variable %s not available: %s", name, exc)
        return None
    return str(value) if value not in (None, "") else None


def lookup(name: str, default: str | None = None, *, use_airflow: bool = True) -> str | None:
    """The value of one setting: env var, then Airflow Variable `name`, then `default`."""
    env = os.environ.get(VARIABLES[name])
    if env:
        return env
    if use_airflow:
        value = airflow_variable(name)
        if value:
            return value
    return default


def target(*, use_airflow: bool = True) -> str:
    """`local` or `aws`: EVENTLAKE_TARGET, else Variable `eventlake_target`, else the conf."""
    from eventlake.settings import get_settings

    value = lookup("eventlake_target", use_airflow=use_airflow) or get_settings().airflow.target
    value = value.strip().lower()
    if value not in TARGETS:
        raise ConfigurationError(f"eventlake_target is {value!r}; expected one of {TARGETS}")
    return value


@dataclass(frozen=True)
class RuntimeConfig:
    """Everything a task needs to find data, models and alerts, resolved once per task."""

    target: str
    raw_uri: str
    lake_uri: str
    artifacts_uri: str
    tracking_uri: str
    model_name: str
    sns_topic_arn: str | None


def runtime_config(*, use_airflow: bool = True) -> RuntimeConfig:
    """Resolve the task-time config (Variables are read here, inside tasks, never at parse)."""
    from eventlake.settings import get_settings

    settings = get_settings()

    def get(name: str, default: str | None) -> str | None:
        return lookup(name, default, use_airflow=use_airflow)

    return RuntimeConfig(
        target=target(use_airflow=use_airflow),
        raw_uri=get("eventlake_raw_uri", settings.raw_uri) or settings.raw_uri,
        lake_uri=get("eventlake_lake_uri", settings.lake_uri) or settings.lake_uri,
        artifacts_uri=get("eventlake_artifacts_uri", settings.artifacts_uri)
        or settings.artifacts_uri,
        tracking_uri=get("eventlake_mlflow_tracking_uri", settings.tracking_uri) or "",
        model_name=settings.ml.model_name,
        sns_topic_arn=get("eventlake_sns_topic_arn", None),
    )


def dag_settings(target_name: str) -> Settings:
    """The conf the DAG is declared with: $EVENTLAKE_ENV's, else the target's own conf file.

    On MWAA nothing sets EVENTLAKE_ENV, so the aws target reads conf/aws.yaml (schedule,
    catchup, Spark sizes for EMR) without any extra environment variable.
    """
    from eventlake.settings import get_settings, load_settings

    if os.environ.get("EVENTLAKE_ENV") or target_name == "local":
        return get_settings()
    return load_settings(target_name)
