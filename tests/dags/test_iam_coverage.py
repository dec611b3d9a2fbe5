"""Every AWS API call the aws-mode code makes is allowed by the Terraform policy of its role.

The DAG's tasks (MWAA execution role: eventlake_daily's sensor, marker-free and with a ready
marker and manifest, its EMR jobs and failure alert; eventlake_maintenance's reconcile_check)
and `eventlake deploy` (the CD deploy role) run against moto's server mode; `iam_coverage`
records each botocore call made meanwhile, maps it to its IAM action and resource, and checks it
against that role's policy documents parsed from the HCL. moto enforces no IAM, so this is the
test that sees a missing grant before AWS does.
The EMR job role's calls from the ETL's Python side are checked the same way in
tests/cicd/test_release_rehearsal.py, where the job runs against moto.
Not covered: the EMR jobs' S3 traffic (EMRFS in the JVM, not botocore), delta-rs's own S3
client (reconcile_check and the gate read `etl_runs` with it: s3:ListBucket and s3:GetObject
on the lake, which the execution role's ListDataBuckets and ReadDataForSensorsAndReports
grant) and implicit KMS use.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from helpers.iam_coverage import Call, check, record_calls
from test_aws_moto import ACCOUNT, ROLE_ARN, RunXComs, _rendered, aws_airflow  # noqa: F401

pytestmark = pytest.mark.s3

REGION = "us-east-1"
SHA = "3333333333333333333333333333333333333333"
SHA2 = "4444444444444444444444444444444444444444"


def mwaa_bindings(app_id: str, topic_arn: str) -> dict[str, object]:
    """The orchestration module's inputs, as the test's moto resources."""
    return {
        "var.region": REGION,
        "var.account_id": ACCOUNT,
        "var.kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/project",
        'var.bucket_arns["dags"]': "arn:aws:s3:::eventlake-dags",
        'var.bucket_arns["raw"]': "arn:aws:s3:::eventlake-raw",
        'var.bucket_arns["lake"]': "arn:aws:s3:::eventlake-lake",
        'var.bucket_arns["artifacts"]': "arn:aws:s3:::eventlake-artifacts",
        "var.emr_application_arn": (
            f"arn:aws:emr-serverless:{REGION}:{ACCOUNT}:/applications/{app_id}"
        ),
        "var.emr_job_role_arn": ROLE_ARN,
        "var.sns_topic_arn": topic_arn,
        "var.variable_parameter_arns": [],
        "var.name_prefix": "eventlake-test",
        "var.variables_prefix": "/eventlake/test/variables",
        "var.mlflow_tracking_server_arn": "",
    }


def deploy_bindings(artifacts: str, dags: str, parameter: str) -> dict[str, object]:
    """The ci_identity module's inputs for the deploy scenario below."""
    return {
        "var.region": REGION,
        "var.account_id": ACCOUNT,
        "var.kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/project",
        'var.bucket_arns["dags"]': f"arn:aws:s3:::{dags}",
        'var.bucket_arns["artifacts"]': f"arn:aws:s3:::{artifacts}",
        "var.bucket_name_patterns": ["eventlake-test-*"],
        "var.variables_prefix": "/eventlake/test/variables",
        "var.release_parameter_arn": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{parameter}",
        "var.name_prefix": "eventlake-test",
        "var.state_bucket": "eventlake-test-tfstate",
        "var.state_key_prefix": "eventlake/test/",
        "var.state_kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/state",
        "aws_iam_role.deploy.arn": f"arn:aws:iam::{ACCOUNT}:role/eventlake-test-deploy",
        "aws_iam_role.plan.arn": f"arn:aws:iam::{ACCOUNT}:role/eventlake-test-plan",
    }


def run_dag_tasks(load_dag, aws_airflow, calls: list[Call]) -> str:  # noqa: F811
    """The aws DAG's tasks for one date, as MWAA runs them; returns the SNS topic ARN."""
    import boto3
    from airflow.sdk.exceptions import TaskDeferred

    from eventlake.orchestration.alerts import on_task_failure

    endpoint = aws_airflow["endpoint"]
    aws_airflow["s3"].put_object(
        Bucket="eventlake-raw", Key="raw/dt=2026-01-08/part-0.csv.gz", Body=b"x"
    )
    topic = boto3.client("sns", endpoint_url=endpoint).create_topic(Name="eventlake-alerts")
    dag, _ = load_dag("aws")
    run = RunXComs()
    with record_calls("mwaa-execution", calls):
        sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-08", run)
        sensor.mode = "poke"
        sensor.execute(context)
        for task_id in ("etl", "train", "score", "monitor"):
            op, context = _rendered(dag, task_id, "2026-01-08", run)
            with contextlib.suppress(TaskDeferred):
                op.execute(context)

        reconcile_calls = run_reconcile_check(load_dag, aws_airflow, calls)

        class TI:
            dag_id, task_id, run_id, try_number = "eventlake_daily", "etl", "scheduled__x", 1

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("EVENTLAKE_SNS_TOPIC_ARN", topic["TopicArn"])
            on_task_failure({"ti": TI(), "ds": "2026-01-08", "exception": RuntimeError("x")})
    # The sensor again, with a ready marker and manifest in the conf: HeadObject on each.
    with pytest.MonkeyPatch.context() as mp:
        conf = Path(aws_airflow["tmp"]) / "aws-ready.yaml"
        conf.write_text(
            (Path(__file__).parents[2] / "src/eventlake/conf/aws.yaml").read_text()
            + '\nraw:\n  ready_marker: "_SUCCESS"\n  manifest: "_manifest.json"\n'
        )
        mp.setenv("EVENTLAKE_CONF_FILE", str(conf))
        for name in ("_SUCCESS", "_manifest.json"):
            aws_airflow["s3"].put_object(
                Bucket="eventlake-raw", Key=f"raw/dt=2026-01-08/{name}", Body=b"{}"
            )
        dag, _ = load_dag("aws")
        with record_calls("mwaa-execution", calls):
            sensor, context = _rendered(dag, "wait_for_raw_data", "2026-01-08", RunXComs())
            assert sensor.poke(context) is True
    # reconcile_check lists the raw folder of each processed date through boto3.
    assert [(c.operation, c.params["Bucket"], c.params.get("Prefix")) for c in reconcile_calls] == [
        ("ListObjectsV2", "eventlake-raw", "raw/dt=2026-01-08/")
    ]
    return str(topic["TopicArn"])


def run_reconcile_check(load_dag, aws_airflow, calls: list[Call]) -> list[Call]:  # noqa: F811
    """eventlake_maintenance's reconcile_check, as MWAA runs it, over an etl_runs row of
    2026-01-08 that read one file; a second file has landed since, so the check fails naming
    the date. Returns the botocore calls it made (recorded into `calls` by the caller)."""
    import pyarrow as pa
    from airflow.sdk.exceptions import AirflowFailException
    from deltalake import write_deltalake

    from eventlake.io.lake_reader import location
    from eventlake.orchestration.config import task_settings

    s3 = aws_airflow["s3"]
    s3.create_bucket(Bucket="eventlake-lake")
    etag = s3.head_object(Bucket="eventlake-raw", Key="raw/dt=2026-01-08/part-0.csv.gz")["ETag"]
    s3.put_object(Bucket="eventlake-raw", Key="raw/dt=2026-01-08/part-1.csv.gz", Body=b"late")
    file = pa.struct([("path", pa.string()), ("size", pa.int64()), ("checksum", pa.string())])
    schema = pa.schema(
        [
            ("run_id", pa.string()),
            ("processing_date", pa.date32()),
            ("status", pa.string()),
            ("finished_at", pa.timestamp("us", tz="UTC")),
            ("files", pa.list_(file)),
        ]
    )
    row = {
        "run_id": "r-0108",
        "processing_date": date(2026, 1, 8),
        "status": "succeeded",
        "finished_at": datetime(2026, 1, 9, 4, tzinfo=UTC),
        "files": [
            {
                "path": "s3://eventlake-raw/raw/dt=2026-01-08/part-0.csv.gz",
                "size": 1,
                "checksum": etag.strip('"'),
            }
        ],
    }
    settings = task_settings(use_airflow=False)
    path, options = location(f"{settings.lake_uri}/etl_runs", settings)
    write_deltalake(path, pa.Table.from_pylist([row], schema), storage_options=options)
    _, bag = load_dag("aws")
    task, _ = _rendered(bag.dags["eventlake_maintenance"], "reconcile_check", "2026-01-09")
    start = len(calls)
    with pytest.raises(AirflowFailException, match=r"2026-01-08 \(run r-0108: 1 added"):
        task.python_callable(*task.op_args)
    return calls[start:]


class StubbedMwaaSession:
    """boto3 clients at moto (AWS_ENDPOINT_URL), except MWAA, which no emulator has: its client
    is botocore's Stubber, so the UpdateEnvironment call is made (and recorded) for real."""

    def __init__(self) -> None:
        import boto3
        from botocore.stub import Stubber

        self.mwaa = boto3.client("mwaa", region_name=REGION)
        self.stub = Stubber(self.mwaa)
        arn = f"arn:aws:airflow:{REGION}:{ACCOUNT}:environment/eventlake-test"
        self.stub.add_response("update_environment", {"Arn": arn})

    def client(self, name: str) -> object:
        import boto3

        return self.mwaa if name == "mwaa" else boto3.client(name, region_name=REGION)


def run_deploy(tmp_path, endpoint: str, calls: list[Call]) -> tuple[str, str, str]:
    """`eventlake deploy` of a release, then its rollback form (--use-published), then a
    deploy of a second release that points MWAA at its requirements and plugins."""
    import json

    import boto3

    from eventlake.cli import main as cli
    from eventlake.tools import deploy as deploy_module
    from eventlake.tools import release

    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"))
    artifacts, dags = "eventlake-test-artifacts", "eventlake-test-dags"
    parameter = "/eventlake/test/variables/eventlake_release_uri"
    s3 = boto3.client("s3", region_name=REGION)
    for bucket in (artifacts, dags):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    boto3.client("ssm", region_name=REGION).put_parameter(
        Name=parameter, Value=f"s3://{artifacts}/releases/none", Type="SecureString"
    )
    dist = tmp_path / "dist"
    for rel, data in {
        "entrypoint.py": b"print('entry')\n",
        "pyspark_deps.tar.gz": b"archive stand-in",
        "eventlake-0.1.0-py3-none-any.whl": b"wheel stand-in",
        "mwaa/requirements.txt": b"deltalake==1.6.6\n",
        "mwaa/plugins.zip": b"zip stand-in",
        "dags/eventlake_daily.py": b"# the DAG\n",
    }.items():
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_bytes(data)
    release.write_manifest(dist, SHA, built_at="2026-01-02T03:04:05Z")
    dist2 = tmp_path / "dist2"
    shutil.copytree(dist, dist2)
    (dist2 / "mwaa/requirements.txt").write_bytes(b"deltalake==1.6.6\npyarrow==18.1.0\n")
    (dist2 / "mwaa/plugins.zip").write_bytes(b"zip stand-in, second release")
    release.write_manifest(dist2, SHA2, built_at="2026-01-03T03:04:05Z")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "artifacts_bucket": artifacts,
                "dags_bucket": dags,
                "region": REGION,
                "release_parameter_name": parameter,
            }
        )
    )
    args = ["deploy", "--env", "test", "--release-id", SHA, "--outputs-json", str(outputs)]
    with record_calls("deploy", calls):
        assert cli([*args, "--dist", str(dist)]) == 0
        assert cli([*args, "--use-published"]) == 0
        targets = deploy_module.load_targets("test", outputs)
        targets = dataclasses.replace(targets, mwaa_environment_name="eventlake-test")
        session = StubbedMwaaSession()
        with session.stub:
            report = deploy_module.deploy(targets, SHA2, dist=dist2, session=session)
        assert report.mwaa_updated
    return artifacts, dags, parameter


def test_every_aws_call_is_allowed_by_its_roles_terraform_policy(
    load_dag,
    aws_airflow,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    calls: list[Call] = []
    topic = run_dag_tasks(load_dag, aws_airflow, calls)
    # deploy runs with no Airflow connection: boto3 straight at moto (AWS_ENDPOINT_URL).
    artifacts, dags, parameter = run_deploy(tmp_path, aws_airflow["endpoint"], calls)
    operations = {(c.identity, f"{c.service}:{c.operation}") for c in calls}
    # The scenario really exercised the calls that matter (else the check proves nothing).
    for expected in (
        ("mwaa-execution", "s3:ListObjectsV2"),
        ("mwaa-execution", "s3:HeadObject"),
        ("mwaa-execution", "emr-serverless:ListJobRuns"),
        ("mwaa-execution", "emr-serverless:StartJobRun"),
        ("mwaa-execution", "sns:Publish"),
        ("deploy", "s3:PutObject"),
        ("deploy", "ssm:PutParameter"),
        ("deploy", "airflow:UpdateEnvironment"),
    ):
        assert expected in operations
    bindings = {
        "mwaa-execution": mwaa_bindings(aws_airflow["application_id"], topic),
        "deploy": deploy_bindings(artifacts, dags, parameter),
    }
    checked = check(calls, bindings, ACCOUNT)
    print("\n".join(["IAM coverage: calls checked", *checked]))
    assert len(checked) >= 6
