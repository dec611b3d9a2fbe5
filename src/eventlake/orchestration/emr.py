"""EMR Serverless job arguments for the `aws` target (plain data, no AWS call here).

The DAG passes these to the amazon provider's `EmrServerlessStartJobOperator`. Values that
depend on the environment are Jinja references to the fixed Airflow Variables, so they are
read when the task runs, never while the scheduler parses the DAG file.
"""

from __future__ import annotations

from typing import Any

from eventlake.settings import Settings

# EMR 7+ ships Delta Lake; the jars must still be named (AWS "Using Delta Lake OSS with EMR
# Serverless"). `--packages` is not used on EMR: no Ivy resolution at job start.
EMR_DELTA_JARS = (
    "/usr/share/aws/delta/lib/delta-spark.jar,/usr/share/aws/delta/lib/delta-storage.jar"
)
# The release's Python environment (venv-pack of eventlake and its deps), unpacked as
# ./environment on the driver and every executor.
DEPS_ARCHIVE = "pyspark_deps.tar.gz"
PYTHON_IN_ARCHIVE = "./environment/bin/python"

VAR = "{{{{ var.value.{} }}}}".format
RELEASE_URI = VAR("eventlake_release_uri")

# Environment of the driver: which conf the job loads and where data and registry live.
DRIVER_ENV: dict[str, str] = {
    "EVENTLAKE_ENV": "aws",
    "EVENTLAKE_RAW_URI": VAR("eventlake_raw_uri"),
    "EVENTLAKE_LAKE_URI": VAR("eventlake_lake_uri"),
    "EVENTLAKE_ARTIFACTS_URI": VAR("eventlake_artifacts_uri"),
    "MLFLOW_TRACKING_URI": VAR("eventlake_mlflow_tracking_uri"),
    "PYSPARK_PYTHON": PYTHON_IN_ARCHIVE,
}


def emr_spark_confs(settings: Settings, *, run_name: str = "") -> dict[str, str]:
    """Spark confs for an EMR Serverless job: eventlake's own (Delta, S3A, UTC...) + EMR's."""
    from eventlake.spark import spark_confs

    confs = spark_confs(settings, jars=False)
    confs["spark.jars"] = EMR_DELTA_JARS
    confs["spark.archives"] = f"{RELEASE_URI}/{DEPS_ARCHIVE}#environment"
    confs["spark.executorEnv.PYSPARK_PYTHON"] = PYTHON_IN_ARCHIVE
    for key, value in DRIVER_ENV.items():
        confs[f"spark.emr-serverless.driverEnv.{key}"] = value
    # OpenLineage: the jobs emit their own events (settings.lineage); name them per run.
    confs["spark.emr-serverless.driverEnv.OPENLINEAGE_NAMESPACE"] = settings.lineage.namespace
    if run_name:
        confs["spark.app.name"] = run_name
    return confs


def spark_submit_parameters(confs: dict[str, str]) -> str:
    """`--conf k=v --conf ...` as EMR Serverless expects in `sparkSubmitParameters`."""
    return " ".join(f"--conf {key}={value}" for key, value in confs.items())


def job_driver(settings: Settings, command: str, run_date: str) -> dict[str, Any]:
    """`sparkSubmit` driver: `<release_uri>/entrypoint.py <cmd> --date D` (a failed ETL gate
    exits 0: the DAG's quality_gate task reads the verdict from etl_runs)."""
    args = [command, "--date", run_date]
    return {
        "sparkSubmit": {
            "entryPoint": f"{RELEASE_URI}/entrypoint.py",
            "entryPointArguments": args,
            "sparkSubmitParameters": spark_submit_parameters(
                emr_spark_confs(settings, run_name=f"eventlake-{command}-{run_date}")
            ),
        }
    }


def configuration_overrides() -> dict[str, Any]:
    """Driver and executor logs go to `<artifacts>/emr-logs/`, next to the release."""
    return {
        "monitoringConfiguration": {
            "s3MonitoringConfiguration": {"logUri": VAR("eventlake_artifacts_uri") + "/emr-logs/"}
        }
    }
