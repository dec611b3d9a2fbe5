"""EMR Serverless job arguments for the `aws` target (plain data, no AWS call here).

The DAG passes these to the amazon provider's `EmrServerlessStartJobOperator`. Values that
depend on the environment are Jinja references to the fixed Airflow Variables, so they are
read when the task runs, never while the scheduler parses the DAG file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eventlake.orchestration.dag_spec import DagSpec

# EMR 7+ ships Delta Lake; the jars must still be named (AWS "Using Delta Lake OSS with EMR
# Serverless"). `--packages` is not used on EMR: no Ivy resolution at job start.
# delta-storage-s3-dynamodb.jar holds the S3DynamoDBLogStore (AWS "Using Delta Lake with
# Amazon EMR on EKS" lists it in the same folder).
EMR_DELTA_JARS = ",".join(
    f"/usr/share/aws/delta/lib/{jar}"
    for jar in ("delta-spark.jar", "delta-storage.jar", "delta-storage-s3-dynamodb.jar")
)
# Delta's LogStore for S3 with mutual exclusion: a commit of version N is first claimed in a
# DynamoDB table (conditional put on tablePath + fileName), so two drivers committing the same
# version cannot both win. Without it Delta's default S3 LogStore lets the second writer of
# N overwrite the first one's commit silently.
S3_DYNAMODB_LOG_STORE = "io.delta.storage.S3DynamoDBLogStore"
DDB_LOG_STORE_PREFIX = f"spark.io.delta.storage.{S3_DYNAMODB_LOG_STORE.rsplit('.', 1)[1]}"


def delta_log_store_confs(table_name: str, region: str) -> dict[str, str]:
    """Spark confs that make Delta commit through `S3DynamoDBLogStore` on s3:// and s3a://.

    `region` must be set: the LogStore's default is us-east-1, not the job's region.
    """
    return {
        "spark.delta.logStore.s3.impl": S3_DYNAMODB_LOG_STORE,
        "spark.delta.logStore.s3a.impl": S3_DYNAMODB_LOG_STORE,
        f"{DDB_LOG_STORE_PREFIX}.ddb.tableName": table_name,
        f"{DDB_LOG_STORE_PREFIX}.ddb.region": region,
    }


# The release's Python environment (venv-pack of eventlake and its deps), unpacked as
# ./environment on the driver and every executor.
DEPS_ARCHIVE = "pyspark_deps.tar.gz"
PYTHON_IN_ARCHIVE = "./environment/bin/python"

VAR = "{{{{ var.value.{} }}}}".format
# One release per DAG run: the first task (the raw-data sensor, RELEASE_TASK_ID) reads the
# Variable eventlake_release_uri once, when the day's data is there, and hands it over as an
# XCom; both jobs of the run render it from there, so a deploy during the run (or before a
# retry) does not give its train job another release than its ETL job.
RELEASE_TASK_ID = "wait_for_raw_data"
RELEASE_XCOM_KEY = "eventlake_release_uri"
# Where a job takes its release from, as a Jinja expression: the run's XCom (the daily DAG),
# or the Variable itself (a DAG with one job and no sensor, such as eventlake_maintenance).
RELEASE_FROM_XCOM = f"ti.xcom_pull(task_ids='{RELEASE_TASK_ID}', key='{RELEASE_XCOM_KEY}')"
RELEASE_FROM_VARIABLE = "var.value.eventlake_release_uri"


def release_uri(source: str = RELEASE_FROM_XCOM) -> str:
    """The release URI, rendered from `source`."""
    return "{{ " + source + " }}"


def release_id(source: str = RELEASE_FROM_XCOM) -> str:
    """The release id: the commit it was built from (`releases/<SHA>`). The jobs record it as
    their git_sha (the archive has no .git to ask)."""
    return "{{ (" + source + " or '').rstrip('/').rsplit('/', 1)[-1] }}"


RELEASE_URI = release_uri()
# Replaced by the operator with the region of its EMR Serverless client (the application's).
REGION_PLACEHOLDER = "@EVENTLAKE_AWS_REGION@"

OL_MACRO = (
    "{{{{ macros.OpenLineageProviderPlugin.{}(task_instance) if macros is defined "
    "and macros.OpenLineageProviderPlugin is defined else '' }}}}"
).format

# Environment of the driver: which conf the job loads and where data and registry live.
DRIVER_ENV: dict[str, str] = {
    "EVENTLAKE_ENV": "aws",
    "EVENTLAKE_RAW_URI": VAR("eventlake_raw_uri"),
    "EVENTLAKE_LAKE_URI": VAR("eventlake_lake_uri"),
    "EVENTLAKE_ARTIFACTS_URI": VAR("eventlake_artifacts_uri"),
    "MLFLOW_TRACKING_URI": VAR("eventlake_mlflow_tracking_uri"),
    # The ARN of the ip hash key's secret (not the key): the job reads it with its role.
    "EVENTLAKE_IP_HASH_SECRET": VAR("eventlake_ip_hash_secret_arn"),
    "PYSPARK_PYTHON": PYTHON_IN_ARCHIVE,
    # The job's OpenLineage parent and root: this task run and its DAG run, named as Airflow's
    # OpenLineage provider names them in its own events (`namespace/name/run_id`); empty, so
    # no parent facet, where the provider is not installed.
    "OPENLINEAGE_PARENT_ID": OL_MACRO("lineage_parent_id"),
    "OPENLINEAGE_ROOT_PARENT_ID": OL_MACRO("lineage_root_parent_id"),
}


def emr_spark_confs(
    spec: DagSpec, *, run_name: str = "", release: str = RELEASE_FROM_XCOM
) -> dict[str, str]:
    """Spark confs for an EMR Serverless job: eventlake's own from the DAG spec (Delta, UTC,
    AQE...: `DagSpec.job_confs`, S3A left out, since EMRFS serves s3://) + EMR's."""
    confs = dict(spec.job_confs)
    confs["spark.jars"] = EMR_DELTA_JARS
    # Concurrent commits (a retry, a backfill, a manual run) are serialised by the DynamoDB
    # table of Variable eventlake_delta_log_table. Its region is the EMR application's: the
    # operator sets it when it submits (EventlakeEmrServerlessStartJobOperator).
    confs.update(delta_log_store_confs(VAR("eventlake_delta_log_table"), REGION_PLACEHOLDER))
    confs["spark.archives"] = f"{release_uri(release)}/{DEPS_ARCHIVE}#environment"
    confs["spark.executorEnv.PYSPARK_PYTHON"] = PYTHON_IN_ARCHIVE
    for key, value in DRIVER_ENV.items():
        confs[f"spark.emr-serverless.driverEnv.{key}"] = value
    confs["spark.emr-serverless.driverEnv.EVENTLAKE_GIT_SHA"] = release_id(release)
    # OpenLineage: the jobs emit their own events (settings.lineage); name them per run.
    confs["spark.emr-serverless.driverEnv.OPENLINEAGE_NAMESPACE"] = spec.lineage_namespace
    if spec.lineage_url:
        # The HTTP endpoint of the conf (OPENLINEAGE_URL or lineage.url where the spec was
        # made) goes to the job, whose conf (aws.yaml) would otherwise write to the bucket.
        confs["spark.emr-serverless.driverEnv.OPENLINEAGE_URL"] = spec.lineage_url
    if run_name:
        confs["spark.app.name"] = run_name
    return confs


def job_lineage_url(url: str | None) -> str:
    """The lineage endpoint for an EMR job's environment. A job's submit parameters are shown
    in the EMR console and CloudTrail, so a URL holding credentials (user:password@, or a query
    string such as ?api_key=) is refused, without echoing it."""
    from urllib.parse import urlsplit

    from eventlake.errors import ConfigurationError

    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            "lineage.transport is http but lineage.url (OPENLINEAGE_URL) is not an http(s) "
            "URL: set it to the lineage server's address, or use the bucket transport"
        )
    if parts.username or parts.password or parts.query:
        raise ConfigurationError(
            "lineage.url (OPENLINEAGE_URL) holds credentials or a query string, which an EMR "
            "job's submit parameters would show in the console and CloudTrail: give the bare "
            f"endpoint ({parts.scheme}://{parts.hostname}/...), or use the bucket transport"
        )
    return url or ""


def spark_submit_parameters(confs: dict[str, str]) -> str:
    """`--conf k=v --conf ...` as EMR Serverless expects in `sparkSubmitParameters`."""
    return " ".join(f"--conf {key}={value}" for key, value in confs.items())


def job_driver(
    spec: DagSpec, command: str, run_date: str, *, release: str = RELEASE_FROM_XCOM
) -> dict[str, Any]:
    """`sparkSubmit` driver: `<release_uri>/entrypoint.py <cmd> --date D` (a failed ETL gate
    exits 0: the DAG's quality_gate task reads the verdict from etl_runs). `release`: where
    the job takes its release from (RELEASE_FROM_XCOM or RELEASE_FROM_VARIABLE)."""
    args = [command, "--date", run_date]
    confs = emr_spark_confs(spec, run_name=f"eventlake-{command}-{run_date}", release=release)
    return {
        "sparkSubmit": {
            "entryPoint": f"{release_uri(release)}/entrypoint.py",
            "entryPointArguments": args,
            "sparkSubmitParameters": spark_submit_parameters(confs),
        }
    }


# Log4j properties of the EMR jobs' drivers and executors: Spark's whole-stage codegen logs
# the query plan, literals included, when a stage falls back (spark.sql.codegen.hugeMethodLimit,
# see eventlake.spark), and the ETL's plan holds the ip-hash key's pads. Kept at ERROR, as
# conf/log4j2.properties does for local drivers.
CODEGEN_LOGGER = {
    "logger.codegen.name": "org.apache.spark.sql.execution.WholeStageCodegenExec",
    "logger.codegen.level": "error",
}


def configuration_overrides() -> dict[str, Any]:
    """Driver and executor logs go to the KMS-encrypted CloudWatch log group of Variable
    `eventlake_emr_log_group` (the job role may write there; it has no grant on the
    artifacts bucket's prefixes for logs). EMR's managed log storage stays on as well. The
    codegen logger is kept quiet (CODEGEN_LOGGER)."""
    return {
        "applicationConfiguration": [
            {"classification": c, "properties": dict(CODEGEN_LOGGER)}
            for c in ("spark-driver-log4j2", "spark-executor-log4j2")
        ],
        "monitoringConfiguration": {
            "cloudWatchLoggingConfiguration": {
                "enabled": True,
                "logGroupName": VAR("eventlake_emr_log_group"),
                "logStreamNamePrefix": "eventlake",
            }
        },
    }


def with_region(job_driver: dict[str, Any], region: str) -> dict[str, Any]:
    """The job driver with REGION_PLACEHOLDER replaced by `region` in its submit parameters."""
    submit = dict(job_driver["sparkSubmit"])
    submit["sparkSubmitParameters"] = submit["sparkSubmitParameters"].replace(
        REGION_PLACEHOLDER, region
    )
    return {**job_driver, "sparkSubmit": submit}
