"""aws target against moto's server mode, through the real amazon provider hooks."""

from __future__ import annotations

import contextlib
import json
import logging
from pathlib import Path

import pytest

pytestmark = pytest.mark.s3

ACCOUNT = "123456789012"  # moto's account: the role must be in it (no cross-account pass)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/eventlake-emr-job"
RELEASE = "s3://eventlake-artifacts/releases/abc1234"
SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:eventlake-dev-ip-hash-key-AbCdEf"


@pytest.fixture
def aws_airflow(s3_env, monkeypatch, state_home):
    """aws target: `aws_default` points at moto, the eventlake Variables come from env."""
    import boto3

    monkeypatch.setenv(
        "AIRFLOW_CONN_AWS_DEFAULT",
        json.dumps(
            {
                "conn_type": "aws",
                "login": "testing",
                "password": "testing",
                "extra": {"endpoint_url": s3_env, "region_name": "us-east-1"},
            }
        ),
    )
    s3 = boto3.client("s3", endpoint_url=s3_env)
    s3.create_bucket(Bucket="eventlake-raw")
    app = boto3.client("emr-serverless", endpoint_url=s3_env).create_application(
        name="eventlake", releaseLabel="emr-7.9.0", type="SPARK"
    )
    variables = {
        "EVENTLAKE_TARGET": "aws",
        "EVENTLAKE_RAW_URI": "s3://eventlake-raw/raw",
        "EVENTLAKE_LAKE_URI": "s3://eventlake-lake/lake",
        "EVENTLAKE_ARTIFACTS_URI": "s3://eventlake-artifacts",
        "EVENTLAKE_EMR_APPLICATION_ID": app["applicationId"],
        "EVENTLAKE_EMR_JOB_ROLE_ARN": ROLE_ARN,
        "EVENTLAKE_RELEASE_URI": RELEASE,
        "MLFLOW_TRACKING_URI": "http://mlflow.internal:5000",
        "EVENTLAKE_EMR_LOG_GROUP": "/eventlake/test/emr",
        "EVENTLAKE_DELTA_LOG_TABLE": "eventlake-test-delta-log",
        "EVENTLAKE_IP_HASH_SECRET": SECRET_ARN,
    }
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
        # The same values as Airflow Variables (what MWAA reads), via Airflow's env backend.
        var = {
            "EVENTLAKE_TARGET": "eventlake_target",
            "MLFLOW_TRACKING_URI": "eventlake_mlflow_tracking_uri",
            "EVENTLAKE_IP_HASH_SECRET": "eventlake_ip_hash_secret_arn",
        }.get(name, name.lower())
        monkeypatch.setenv(f"AIRFLOW_VAR_{var.upper()}", value)
    return {
        "s3": s3,
        "endpoint": s3_env,
        "application_id": app["applicationId"],
        "tmp": str(state_home),
    }


class RunXComs:
    """The XComs of one DAG run, as the tasks of that run push and pull them."""

    def __init__(self):
        self.values = {}

    def for_task(self, task_id):
        run = self

        class TI:
            def xcom_push(self, key, value):
                run.values[(task_id, key)] = value

            def xcom_pull(self, task_ids, key="return_value"):
                return run.values.get((task_ids, key))

        return TI()


def _context(dag, day, ti):
    from airflow.sdk.execution_time.context import VariableAccessor

    return {
        "params": {"date": None},
        "ds": day,
        "var": {"value": VariableAccessor(deserialize_json=False)},
        "ti": ti,
        "dag": dag,
    }


def _rendered(dag, task_id, day, run=None):
    """The task rendered for `day` in `run` (a run whose sensor has fixed RELEASE by default)."""
    if run is None:
        run = RunXComs()
        run.values[("wait_for_raw_data", "eventlake_release_uri")] = RELEASE
    task = dag.get_task(task_id)
    context = _context(dag, day, run.for_task(task_id))
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    return task, context


def _set_release_variable(monkeypatch, uri):
    monkeypatch.setenv("EVENTLAKE_RELEASE_URI", uri)
    monkeypatch.setenv("AIRFLOW_VAR_EVENTLAKE_RELEASE_URI", uri)


def test_one_release_per_dag_run_even_if_a_deploy_lands_between_the_jobs(
    load_dag, aws_airflow, monkeypatch
):
    import boto3
    from airflow.sdk.exceptions import TaskDeferred

    first, second, third = (f"s3://eventlake-artifacts/releases/{sha}" for sha in "abc")
    aws_airflow["s3"].put_object(
        Bucket="eventlake-raw", Key="raw/dt=2026-01-08/part-0.csv.gz", Body=b"x"
    )
    _set_release_variable(monkeypatch, first)
    dag, _ = load_dag("aws")
    run = RunXComs()
    sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-08", run)
    sensor.mode = "poke"  # reschedule mode needs the task runner's reschedule records
    sensor.execute(context)
    _set_release_variable(monkeypatch, second)  # `eventlake deploy` while the run goes on
    for task_id in ("etl", "train", "score", "monitor"):
        op, context = _rendered(dag, task_id, "2026-01-08", run)
        with contextlib.suppress(TaskDeferred):
            op.execute(context)
        _set_release_variable(monkeypatch, third)
    client = boto3.client("emr-serverless", endpoint_url=aws_airflow["endpoint"])
    app_id = aws_airflow["application_id"]
    submits = {}
    for summary in client.list_job_runs(applicationId=app_id)["jobRuns"]:
        job = client.get_job_run(applicationId=app_id, jobRunId=summary["id"])["jobRun"]
        submits[job["name"]] = job["jobDriver"]["sparkSubmit"]
    assert sorted(submits) == [
        "eventlake-etl-2026-01-08",
        "eventlake-monitor-2026-01-08",
        "eventlake-predict-2026-01-08",
        "eventlake-train-2026-01-08",
    ]
    for submit in submits.values():
        assert submit["entryPoint"] == f"{first}/entrypoint.py"
        assert (
            f"spark.archives={first}/pyspark_deps.tar.gz#environment"
            in (submit["sparkSubmitParameters"])
        )


def test_sensor_refuses_the_placeholder_release(load_dag, aws_airflow, monkeypatch):
    from eventlake.errors import ConfigurationError

    aws_airflow["s3"].put_object(
        Bucket="eventlake-raw", Key="raw/dt=2026-01-08/part-0.csv.gz", Body=b"x"
    )
    # What Terraform writes before the first deploy.
    _set_release_variable(monkeypatch, "s3://eventlake-artifacts/releases/none")
    dag, _ = load_dag("aws")
    sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-08", RunXComs())
    sensor.mode = "poke"
    with pytest.raises(ConfigurationError, match="not a published release: deploy one with"):
        sensor.execute(context)


def test_job_without_the_runs_release_fails_before_submitting(load_dag, aws_airflow):
    import boto3

    dag, _ = load_dag("aws")
    op, context = _rendered(dag, "etl", "2026-01-08", RunXComs())  # sensor never pushed
    with pytest.raises(ValueError, match="names no release"):
        op.execute(context)
    client = boto3.client("emr-serverless", endpoint_url=aws_airflow["endpoint"])
    # moto answers ListJobRuns on an application that never ran a job with "not found".
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_job_runs(applicationId=aws_airflow["application_id"])


def test_s3_sensor_sees_the_days_object(load_dag, aws_airflow):
    aws_airflow["s3"].put_object(
        Bucket="eventlake-raw", Key="raw/dt=2026-01-03/part-0.csv.gz", Body=b"x"
    )
    dag, _ = load_dag("aws")
    sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-03")
    assert sensor.bucket_key == "s3://eventlake-raw/raw/dt=2026-01-03/*"
    assert sensor.poke(context) is True


def test_s3_sensor_times_out_naming_the_uri(load_dag, aws_airflow):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    aws_airflow["s3"].put_object(
        Bucket="eventlake-raw", Key="raw/dt=2026-01-03/part-0.csv.gz", Body=b"x"
    )
    dag, _ = load_dag("aws")
    sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-04")
    assert sensor.poke(context) is False
    sensor.mode, sensor.poke_interval, sensor.timeout = "poke", 0.1, 0.3
    with pytest.raises(
        AirflowSensorTimeout, match="no raw data at s3://eventlake-raw/raw/dt=2026-01-04/"
    ):
        sensor.execute(context)


def test_emr_serverless_job_run_is_submitted(load_dag, aws_airflow):
    import boto3
    from airflow.sdk.exceptions import TaskDeferred

    dag, _ = load_dag("aws")
    op, context = _rendered(dag, "etl", "2026-01-03")
    # deferrable: after the submit, the trigger would wait for the job from here
    with contextlib.suppress(TaskDeferred):
        op.execute(context)
    client = boto3.client("emr-serverless", endpoint_url=aws_airflow["endpoint"])
    app_id = aws_airflow["application_id"]
    (summary,) = client.list_job_runs(applicationId=app_id)["jobRuns"]
    run = client.get_job_run(applicationId=app_id, jobRunId=summary["id"])["jobRun"]
    assert run["applicationId"] == app_id
    assert run["executionRole"] == ROLE_ARN
    assert run["name"] == "eventlake-etl-2026-01-03"
    submit = run["jobDriver"]["sparkSubmit"]
    assert submit["entryPoint"] == f"{RELEASE}/entrypoint.py"
    assert submit["entryPointArguments"] == ["etl", "--date", "2026-01-03"]
    params = submit["sparkSubmitParameters"]
    for conf in (
        "--conf spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension",
        "--conf spark.sql.catalog.spark_catalog=org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "--conf spark.jars=/usr/share/aws/delta/lib/delta-spark.jar,"
        "/usr/share/aws/delta/lib/delta-storage.jar,"
        "/usr/share/aws/delta/lib/delta-storage-s3-dynamodb.jar",
        "--conf spark.delta.logStore.s3.impl=io.delta.storage.S3DynamoDBLogStore",
        "--conf spark.delta.logStore.s3a.impl=io.delta.storage.S3DynamoDBLogStore",
        "--conf spark.io.delta.storage.S3DynamoDBLogStore.ddb.tableName=eventlake-test-delta-log",
        "--conf spark.io.delta.storage.S3DynamoDBLogStore.ddb.region=us-east-1",
        f"--conf spark.archives={RELEASE}/pyspark_deps.tar.gz#environment",
        "--conf spark.emr-serverless.driverEnv.EVENTLAKE_ENV=aws",
        "--conf spark.emr-serverless.driverEnv.EVENTLAKE_LAKE_URI=s3://eventlake-lake/lake",
        "--conf spark.emr-serverless.driverEnv.MLFLOW_TRACKING_URI=http://mlflow.internal:5000",
        "--conf spark.emr-serverless.driverEnv.OPENLINEAGE_NAMESPACE=eventlake",
        f"--conf spark.emr-serverless.driverEnv.EVENTLAKE_IP_HASH_SECRET={SECRET_ARN}",
        # the release's commit (RELEASE ends in releases/abc1234): the train job's git_sha
        "--conf spark.emr-serverless.driverEnv.EVENTLAKE_GIT_SHA=abc1234 ",
    ):
        assert conf in params
    assert "spark.jars.packages" not in params
    # The job's OpenLineage parent comes from the provider's macros when the task runs; this
    # hand-made context has none, so the variables are empty (no parent facet), not an error.
    assert "--conf spark.emr-serverless.driverEnv.OPENLINEAGE_PARENT_ID= " in params
    assert "--conf spark.emr-serverless.driverEnv.OPENLINEAGE_ROOT_PARENT_ID= " in params
    # EMRFS serves s3:// on EMR: no S3A override, and no placeholder left unresolved.
    assert "fs.s3.impl" not in params
    assert "@" not in params
    # Spark's codegen logger prints the plan (the ip-hash pads are literals of it): ERROR.
    quiet = {
        "logger.codegen.name": "org.apache.spark.sql.execution.WholeStageCodegenExec",
        "logger.codegen.level": "error",
    }
    assert run["configurationOverrides"]["applicationConfiguration"] == [
        {"classification": "spark-driver-log4j2", "properties": quiet},
        {"classification": "spark-executor-log4j2", "properties": quiet},
    ]
    assert "--conf spark.sql.codegen.hugeMethodLimit=8000" in params
    logs = run["configurationOverrides"]["monitoringConfiguration"]
    assert logs == {
        "cloudWatchLoggingConfiguration": {
            "enabled": True,
            "logGroupName": "/eventlake/test/emr",
            "logStreamNamePrefix": "eventlake",
        }
    }


def test_cancelling_counts_as_a_live_state():
    from eventlake.orchestration.aws_operators import EventlakeEmrServerlessStartJobOperator as Op

    # EMR Serverless JobRunState values that are not final, as in the API reference.
    assert set(Op.LIVE_STATES) == {
        "SUBMITTED",
        "PENDING",
        "SCHEDULED",
        "RUNNING",
        "QUEUED",
        "CANCELLING",
    }


def test_train_job_run_has_no_gate_flag(load_dag, aws_airflow):
    import boto3
    from airflow.sdk.exceptions import TaskDeferred

    dag, _ = load_dag("aws")
    op, context = _rendered(dag, "train", "2026-01-08")
    with contextlib.suppress(TaskDeferred):
        op.execute(context)
    client = boto3.client("emr-serverless", endpoint_url=aws_airflow["endpoint"])
    (summary,) = client.list_job_runs(applicationId=aws_airflow["application_id"])["jobRuns"]
    run = client.get_job_run(applicationId=aws_airflow["application_id"], jobRunId=summary["id"])
    args = run["jobRun"]["jobDriver"]["sparkSubmit"]["entryPointArguments"]
    assert args == ["train", "--date", "2026-01-08"]


def test_failure_callback_publishes_to_sns(aws_airflow, monkeypatch, caplog):
    import boto3

    from eventlake.orchestration.alerts import on_task_failure

    endpoint = aws_airflow["endpoint"]
    sns = boto3.client("sns", endpoint_url=endpoint)
    sqs = boto3.client("sqs", endpoint_url=endpoint)
    topic = sns.create_topic(Name="eventlake-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="eventlake-alerts-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    monkeypatch.setenv("EVENTLAKE_SNS_TOPIC_ARN", topic)

    class TI:
        dag_id, task_id, run_id, try_number = "eventlake_daily", "quality_gate", "scheduled__x", 1

    with caplog.at_level(logging.INFO, logger="eventlake.orchestration.alerts"):
        on_task_failure({"ti": TI(), "ds": "2026-01-05", "exception": RuntimeError("gate")})
    assert f"failure published to SNS topic {topic}" in caplog.text
    (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=2)["Messages"]
    body = json.loads(message["Body"])
    assert body["Subject"] == "[eventlake] eventlake_daily.quality_gate failed for 2026-01-05"
    assert "task quality_gate failed for date 2026-01-05" in body["Message"]


def test_s3_sensor_waits_for_the_confs_ready_marker_and_manifest(
    load_dag, aws_airflow, tmp_path, monkeypatch
):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    conf = tmp_path / "aws-ready.yaml"
    conf.write_text(
        (Path(__file__).parents[2] / "src/eventlake/conf/aws.yaml").read_text()
        + '\nraw:\n  ready_marker: "_SUCCESS"\n  manifest: "_manifest.json"\n'
    )
    monkeypatch.setenv("EVENTLAKE_CONF_FILE", str(conf))
    dag, _ = load_dag("aws")
    sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-03")
    folder = "s3://eventlake-raw/raw/dt=2026-01-03/"
    assert sensor.wildcard_match is False
    assert sensor.bucket_key == [folder + "_SUCCESS", folder + "_manifest.json"]
    s3 = aws_airflow["s3"]
    s3.put_object(Bucket="eventlake-raw", Key="raw/dt=2026-01-03/part-0.csv.gz", Body=b"x")
    assert sensor.poke(context) is False
    s3.put_object(Bucket="eventlake-raw", Key="raw/dt=2026-01-03/_SUCCESS", Body=b"")
    assert sensor.poke(context) is False
    sensor.mode, sensor.poke_interval, sensor.timeout = "poke", 0.1, 0.3
    with pytest.raises(
        AirflowSensorTimeout,
        match=f"no raw data at {folder}_SUCCESS and {folder}_manifest.json after",
    ):
        sensor.execute(context)
    s3.put_object(Bucket="eventlake-raw", Key="raw/dt=2026-01-03/_manifest.json", Body=b"{}")
    assert sensor.poke(context) is True
