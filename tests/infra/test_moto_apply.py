"""terraform apply of the moto-supported subset on loopback.

S3, KMS, IAM, VPC, SNS, SSM, Logs, DynamoDB and Secrets Manager.

The root of dev and prod with envs/moto.tfvars (MWAA, EMR Serverless, SageMaker and the
interface endpoints switched off) and a test-only override file: a local backend, and every
endpoint of the provider on the moto server. After the apply, boto3 reads back what was
created, and a second plan must be empty (the configuration converges).
"""

from __future__ import annotations

import json
import shutil

import boto3
import pytest
from helpers.infra import TF_DIR, run_tf

pytestmark = pytest.mark.infra

ACCOUNT = "123456789012"
PREFIX = "eventlake-moto"


SERVICES = ("dynamodb", "ec2", "iam", "kms", "logs", "s3", "secretsmanager", "sns", "ssm", "sts")
OVERRIDE = """
terraform {{
  backend "local" {{}}
}}

provider "aws" {{
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true
  endpoints {{
{endpoints}
  }}
}}
"""


@pytest.fixture(scope="module")
def applied(terraform, tmp_path_factory, moto_endpoint: str) -> dict:
    # A copy of its own: the plan tests use another one, whose local state must stay empty.
    root = tmp_path_factory.mktemp("moto") / "terraform"
    shutil.copytree(TF_DIR, root, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    endpoints = "\n".join(f'    {s} = "{moto_endpoint}"' for s in SERVICES)
    (root / "zz_test_override.tf").write_text(OVERRIDE.format(endpoints=endpoints))
    var = "-var-file=envs/moto.tfvars"
    init = run_tf(terraform, root, "init", "-input=false")
    assert init.returncode == 0, init.stderr
    apply = run_tf(terraform, root, "apply", "-auto-approve", "-input=false", var, timeout=400)
    assert apply.returncode == 0, apply.stdout[-4000:] + apply.stderr
    out = run_tf(terraform, root, "output", "-json")
    assert out.returncode == 0, out.stderr
    outputs = {k: v["value"] for k, v in json.loads(out.stdout).items()}
    replan = run_tf(terraform, root, "plan", "-input=false", "-out=replan", var)
    assert replan.returncode == 0, replan.stderr
    show = run_tf(terraform, root, "show", "-json", "replan")
    assert show.returncode == 0, show.stderr
    return {"outputs": outputs, "endpoint": moto_endpoint, "replan": json.loads(show.stdout)}


def _client(applied: dict, service: str):
    return boto3.client(
        service,
        endpoint_url=applied["endpoint"],
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


# moto drops the description of security group rules (AuthorizeSecurityGroup*), so a second plan
# wants to set it again. That is the only difference tolerated; anything else fails.
MOTO_GAPS = {
    "aws_vpc_security_group_ingress_rule": {"description"},
    "aws_vpc_security_group_egress_rule": {"description"},
}


def test_moto_apply_converges(applied: dict) -> None:
    drift = {}
    for change in applied["replan"].get("resource_changes", []):
        actions = change["change"]["actions"]
        if actions == ["no-op"]:
            continue
        before, after = change["change"]["before"] or {}, change["change"]["after"] or {}
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        if actions == ["update"] and changed <= MOTO_GAPS.get(change["type"], set()):
            continue
        drift[change["address"]] = (actions, sorted(changed))
    assert drift == {}, f"second plan is not empty: {drift}"


def test_moto_apply_outputs(applied: dict) -> None:
    out = applied["outputs"]
    assert out["raw_bucket"] == f"{PREFIX}-raw-{ACCOUNT}"
    assert out["lake_bucket"] == f"{PREFIX}-lake-{ACCOUNT}"
    assert out["artifacts_bucket"] == f"{PREFIX}-artifacts-{ACCOUNT}"
    assert out["dags_bucket"] == f"airflow-{PREFIX}-dags-{ACCOUNT}"
    assert out["region"] == "us-east-1"
    assert out.get("emr_application_id") is None  # switched off in this root


@pytest.mark.parametrize("role", ["raw", "lake", "artifacts", "dags"])
def test_moto_data_bucket_is_private_encrypted_versioned(applied: dict, role: str) -> None:
    s3 = _client(applied, "s3")
    bucket = applied["outputs"][f"{role}_bucket"]
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    sse = rule["ApplyServerSideEncryptionByDefault"]
    assert sse["SSEAlgorithm"] == "aws:kms"
    assert sse["KMSMasterKeyID"] == applied["outputs"]["kms_key_arn"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    owner = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]
    assert owner["ObjectOwnership"] == "BucketOwnerEnforced"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == (
        3 if role == "lake" else 30
    )
    assert rules[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 2
    logging = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert logging["TargetBucket"] == applied["outputs"]["access_logs_bucket"]
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    tls = [
        s
        for s in policy["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert tls, policy
    assert set(tls[0]["Resource"]) == {f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"}


def test_moto_kms_key_rotates(applied: dict) -> None:
    kms = _client(applied, "kms")
    key = applied["outputs"]["kms_key_arn"]
    assert kms.get_key_rotation_status(KeyId=key)["KeyRotationEnabled"] is True


def test_moto_network_has_no_internet_path(applied: dict) -> None:
    ec2 = _client(applied, "ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [PREFIX]}])["Vpcs"]
    assert len(vpcs) == 1
    vpc_id = vpcs[0]["VpcId"]
    flt = [{"Name": "vpc-id", "Values": [vpc_id]}]
    assert (
        ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])[
            "InternetGateways"
        ]
        == []
    )
    assert ec2.describe_nat_gateways(Filters=flt)["NatGateways"] == []
    subnets = ec2.describe_subnets(Filters=flt)["Subnets"]
    assert len(subnets) == 2
    assert len({s["AvailabilityZone"] for s in subnets}) == 2
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets)
    default_sg = ec2.describe_security_groups(
        Filters=[*flt, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert default_sg["IpPermissions"] == []
    assert default_sg["IpPermissionsEgress"] == []
    endpoints = ec2.describe_vpc_endpoints(Filters=flt)["VpcEndpoints"]
    # the two gateways (moto's tfvars turn the interface endpoints off)
    assert sorted(e["ServiceName"] for e in endpoints) == [
        "com.amazonaws.us-east-1.dynamodb",
        "com.amazonaws.us-east-1.s3",
    ]
    assert {e["VpcEndpointType"] for e in endpoints} == {"Gateway"}
    logs = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])
    assert len(logs["FlowLogs"]) == 1


def test_moto_oidc_roles_trust_only_this_repository(applied: dict) -> None:
    iam = _client(applied, "iam")
    deploy = iam.get_role(RoleName=f"{PREFIX}-github-deploy")["Role"]
    plan = iam.get_role(RoleName=f"{PREFIX}-github-plan")["Role"]
    for role, subject in (
        (deploy, "repo:eventlake/eventlake:ref:refs/heads/main"),
        (
            plan,
            [
                "repo:eventlake/eventlake:pull_request",
                "repo:eventlake/eventlake:ref:refs/heads/main",
            ],
        ),
    ):
        (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
        condition = statement["Condition"]["StringEquals"]
        assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
        assert condition["token.actions.githubusercontent.com:sub"] == subject
        assert "StringLike" not in statement["Condition"]
    assert applied["outputs"]["deploy_role_arn"] == deploy["Arn"]
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert len(providers) == 1


def test_moto_airflow_variables_in_ssm(applied: dict) -> None:
    ssm = _client(applied, "ssm")
    out = applied["outputs"]
    prefix = out["airflow_variables_prefix"]
    pages = ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix, WithDecryption=True)
    got = {
        p["Name"].removeprefix(prefix + "/"): p["Value"]
        for page in pages
        for p in page["Parameters"]
    }
    assert len(got) == 12, sorted(got)
    assert got["eventlake_target"] == "aws"
    assert got["eventlake_raw_uri"] == f"s3://{out['raw_bucket']}/raw"
    assert got["eventlake_lake_uri"] == f"s3://{out['lake_bucket']}/lake"
    assert got["eventlake_artifacts_uri"] == f"s3://{out['artifacts_bucket']}"
    assert got["eventlake_sns_topic_arn"] == out["sns_topic_arn"]
    assert got["eventlake_release_uri"] == f"s3://{out['artifacts_bucket']}/releases/none"
    assert got["eventlake_delta_log_table"] == f"{PREFIX}-delta-log"
    assert got["eventlake_ip_hash_secret_arn"] == out["ip_hash_secret_arn"]


def test_moto_failure_topic_is_encrypted(applied: dict) -> None:
    sns = _client(applied, "sns")
    attrs = sns.get_topic_attributes(TopicArn=applied["outputs"]["sns_topic_arn"])["Attributes"]
    assert attrs["KmsMasterKeyId"] == applied["outputs"]["kms_key_arn"]


def test_moto_workload_role_carries_the_boundary(applied: dict) -> None:
    iam = _client(applied, "iam")
    role = iam.get_role(RoleName=f"{PREFIX}-vpc-flow-logs")["Role"]
    boundary = role["PermissionsBoundary"]["PermissionsBoundaryArn"]
    assert boundary == f"arn:aws:iam::{ACCOUNT}:policy/{PREFIX}-workload-boundary"
    document = iam.get_policy_version(
        PolicyArn=boundary,
        VersionId=iam.get_policy(PolicyArn=boundary)["Policy"]["DefaultVersionId"],
    )["PolicyVersion"]["Document"]
    document = json.loads(document) if isinstance(document, str) else document
    actions = {
        a
        for s in document["Statement"]
        for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert "iam:PassRole" in actions
    assert not {a for a in actions if a.startswith("iam:") and a != "iam:PassRole"}


def test_moto_delta_log_table(applied: dict) -> None:
    ddb = _client(applied, "dynamodb")
    table = ddb.describe_table(TableName=f"{PREFIX}-delta-log")["Table"]
    assert {(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]} == {
        ("tablePath", "HASH"),
        ("fileName", "RANGE"),
    }
    assert table["SSEDescription"]["SSEType"] == "KMS"
    assert table["SSEDescription"]["KMSMasterKeyArn"] == applied["outputs"]["kms_key_arn"]
    ttl = ddb.describe_time_to_live(TableName=f"{PREFIX}-delta-log")["TimeToLiveDescription"]
    assert (ttl["AttributeName"], ttl["TimeToLiveStatus"]) == ("expireTime", "ENABLED")
    backups = ddb.describe_continuous_backups(TableName=f"{PREFIX}-delta-log")
    pitr = backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert pitr["PointInTimeRecoveryStatus"] == "ENABLED"


def test_moto_ip_hash_secret_exists_without_a_value(applied: dict) -> None:
    sm = _client(applied, "secretsmanager")
    arn = applied["outputs"]["ip_hash_secret_arn"]
    described = sm.describe_secret(SecretId=arn)
    assert described["Name"] == f"{PREFIX}-ip-hash-key"
    assert described["KmsKeyId"] == applied["outputs"]["kms_key_arn"]
    # The value is put by an operator, never by Terraform.
    with pytest.raises(sm.exceptions.ResourceNotFoundException):
        sm.get_secret_value(SecretId=arn)
