"""terraform fmt, validate and plan of every root, with the provider from the local mirror.

There are two roots: infra/terraform (every environment: envs/<env>.tfvars) and the bootstrap.
The plans of dev and prod run against a moto server (the only API call a plan of a new
environment makes is sts:GetCallerIdentity), through a test-only override file that also swaps
the S3 backend for a local one. Nothing reaches AWS.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from helpers.infra import AWS_PROVIDER, PLUGIN_DIR, TF_DIR, run_tf

pytestmark = pytest.mark.infra

ROOTS = [".", "bootstrap"]
ENVIRONMENTS = ["dev", "prod", "moto"]

REQUIRED_OUTPUTS = {
    "raw_bucket",
    "lake_bucket",
    "artifacts_bucket",
    "dags_bucket",
    "access_logs_bucket",
    "kms_key_arn",
    "emr_application_id",
    "emr_job_role_arn",
    "emr_log_group",
    "mwaa_environment_name",
    "mwaa_execution_role_arn",
    "mlflow_tracking_server_arn",
    "mlflow_tracking_server_url",
    "sns_topic_arn",
    "deploy_role_arn",
    "plan_role_arn",
    "region",
}

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
    sts = "{endpoint}"
    iam = "{endpoint}"
    ec2 = "{endpoint}"
    s3  = "{endpoint}"
    kms = "{endpoint}"
  }}
}}
"""


def test_terraform_fmt_check(terraform: dict[str, str]) -> None:
    result = run_tf(terraform, TF_DIR, "fmt", "-check", "-recursive", "-diff")
    assert result.returncode == 0, f"terraform fmt would change files:\n{result.stdout}"


@pytest.fixture(scope="session")
def initialised(terraform: dict[str, str], tf_tree: Path) -> Path:
    """Every root of the private copy, initialised without a backend."""
    for root in ROOTS:
        result = run_tf(terraform, tf_tree / root, "init", "-backend=false", "-input=false")
        assert result.returncode == 0, f"init {root} failed:\n{result.stderr}"
    return tf_tree


@pytest.mark.parametrize("root", ROOTS)
def test_terraform_validate_root(terraform: dict[str, str], initialised: Path, root: str) -> None:
    result = run_tf(terraform, initialised / root, "validate", "-json")
    report = json.loads(result.stdout)
    assert report["valid"], json.dumps(report["diagnostics"], indent=2)
    assert report["warning_count"] == 0, json.dumps(report["diagnostics"], indent=2)


def _plan(terraform: dict[str, str], tree: Path, env: str, endpoint: str) -> dict:
    root = tree
    (root / "zz_test_override.tf").write_text(OVERRIDE.format(endpoint=endpoint))
    init = run_tf(terraform, root, "init", "-input=false", "-reconfigure")
    assert init.returncode == 0, init.stderr
    plan = run_tf(
        terraform,
        root,
        "plan",
        "-input=false",
        f"-var-file=envs/{env}.tfvars",
        f"-out=tfplan-{env}",
        "-lock=false",
    )
    assert plan.returncode == 0, plan.stderr
    show = run_tf(terraform, root, "show", "-json", f"tfplan-{env}")
    assert show.returncode == 0, show.stderr
    return json.loads(show.stdout)


def _resources(module: dict) -> list[dict]:
    found = list(module.get("resources", []))
    for child in module.get("child_modules", []):
        found += _resources(child)
    return found


@pytest.fixture(scope="session", params=["dev", "prod"])
def plan(request, terraform, initialised, moto_endpoint) -> tuple[str, dict]:
    return request.param, _plan(terraform, initialised, request.param, moto_endpoint)


def _one(resources: list[dict], rtype: str) -> dict:
    matches = [r for r in resources if r["type"] == rtype and r["mode"] == "managed"]
    assert len(matches) == 1, f"expected one {rtype}, found {[r['address'] for r in matches]}"
    return matches[0]["values"]


def test_plan_declares_every_output(plan: tuple[str, dict]) -> None:
    _, doc = plan
    declared = set(doc["configuration"]["root_module"]["outputs"])
    assert declared >= REQUIRED_OUTPUTS, REQUIRED_OUTPUTS - declared


def test_plan_has_no_internet_path(plan: tuple[str, dict]) -> None:
    _, doc = plan
    types = {r["type"] for r in _resources(doc["planned_values"]["root_module"])}
    assert not types & {"aws_internet_gateway", "aws_nat_gateway", "aws_eip"}
    subnets = [
        r["values"]
        for r in _resources(doc["planned_values"]["root_module"])
        if r["type"] == "aws_subnet"
    ]
    assert len(subnets) == 2
    assert all(s["map_public_ip_on_launch"] is False for s in subnets)


def test_plan_mwaa_is_private_airflow3_with_logs(plan: tuple[str, dict]) -> None:
    env, doc = plan
    mwaa = _one(_resources(doc["planned_values"]["root_module"]), "aws_mwaa_environment")
    assert mwaa["airflow_version"].startswith("3.")
    assert mwaa["webserver_access_mode"] == "PRIVATE_ONLY"
    assert mwaa["dag_s3_path"] == "dags/"
    assert mwaa["requirements_s3_path"] == "requirements.txt"
    assert mwaa["plugins_s3_path"] == "plugins.zip"
    # Created on the placeholders' object versions (known only after apply); the deploy step
    # moves them later (ignore_changes).
    (change,) = [c for c in doc["resource_changes"] if c["type"] == "aws_mwaa_environment"]
    assert change["change"]["after_unknown"]["plugins_s3_object_version"] is True
    assert change["change"]["after_unknown"]["requirements_s3_object_version"] is True
    config = doc["configuration"]["root_module"]["module_calls"]["orchestration"]["module"]
    expressions = next(r for r in config["resources"] if r["type"] == "aws_mwaa_environment")[
        "expressions"
    ]
    assert (
        "aws_s3_object.plugins.version_id"
        in (expressions["plugins_s3_object_version"]["references"])
    )
    assert (
        "aws_s3_object.requirements.version_id"
        in (expressions["requirements_s3_object_version"]["references"])
    )
    logging = mwaa["logging_configuration"][0]
    for kind in (
        "dag_processing_logs",
        "scheduler_logs",
        "task_logs",
        "webserver_logs",
        "worker_logs",
    ):
        assert logging[kind][0]["enabled"] is True, kind
    options = mwaa["airflow_configuration_options"]
    assert options["secrets.backend"].endswith("SystemsManagerParameterStoreBackend")
    kwargs = json.loads(options["secrets.backend_kwargs"])
    assert kwargs["variables_prefix"] == f"/eventlake/{env}/variables"
    # Airflow's OpenLineage provider is on (a transport is set), its events in the CloudWatch
    # task and scheduler logs, under the jobs' namespace; the client builds that transport.
    from openlineage.client.transport import get_default_factory
    from openlineage.client.transport.console import ConsoleTransport

    from eventlake.settings import load_settings

    transport = json.loads(options["openlineage.transport"])
    assert transport == {"type": "console"}
    assert isinstance(get_default_factory().create(transport), ConsoleTransport)
    assert options["openlineage.namespace"] == load_settings("aws").lineage.namespace


def test_plan_emr_serverless_application(plan: tuple[str, dict]) -> None:
    _, doc = plan
    app = _one(_resources(doc["planned_values"]["root_module"]), "aws_emrserverless_application")
    assert app["release_label"] == "emr-spark-8.0.0"
    assert app["type"].upper() == "SPARK"
    assert app["auto_stop_configuration"][0]["enabled"] is True
    assert app["maximum_capacity"][0]["cpu"].endswith("vCPU")
    # The subnets are unknown until apply; the configuration shows where they come from.
    root = doc["configuration"]["root_module"]
    refs = root["module_calls"]["compute"]["expressions"]["private_subnet_ids"]["references"]
    assert "module.network.private_subnet_ids" in refs


def test_plan_airflow_variables_for_the_dag(plan: tuple[str, dict]) -> None:
    env, doc = plan
    names = {
        r["values"]["name"]
        for r in _resources(doc["planned_values"]["root_module"])
        if r["type"] == "aws_ssm_parameter"
    }
    expected = {
        f"/eventlake/{env}/variables/eventlake_{name}"
        for name in (
            "target",
            "emr_application_id",
            "emr_job_role_arn",
            "raw_uri",
            "lake_uri",
            "artifacts_uri",
            "mlflow_tracking_uri",
            "sns_topic_arn",
            "release_uri",
            "emr_log_group",
            "delta_log_table",
            "ip_hash_secret_arn",
        )
    }
    assert expected <= names, expected - names


def test_plan_mlflow_artifacts_in_artifacts_bucket(plan: tuple[str, dict]) -> None:
    _, doc = plan
    server = _one(
        _resources(doc["planned_values"]["root_module"]), "aws_sagemaker_mlflow_tracking_server"
    )
    assert server["automatic_model_registration"] is False
    # Bucket names are known only after apply; follow the references instead.
    registry = doc["configuration"]["root_module"]["module_calls"]["registry"]
    assert (
        'module.storage.buckets["artifacts"]'
        in (registry["expressions"]["artifacts_bucket"]["references"])
    )
    server_conf = next(
        r
        for r in registry["module"]["resources"]
        if r["type"] == "aws_sagemaker_mlflow_tracking_server"
    )
    assert "var.artifacts_bucket" in server_conf["expressions"]["artifact_store_uri"]["references"]


def test_committed_lock_files_pin_the_mirrored_provider() -> None:
    """Every root has a committed .terraform.lock.hcl for the provider in the mirror."""
    versions = {
        p.parent.parent.name for p in PLUGIN_DIR.glob(f"{AWS_PROVIDER}/*/*/terraform-provider-aws*")
    }
    for root in ROOTS:
        lock = TF_DIR / root / ".terraform.lock.hcl"
        assert lock.exists(), f"{root} has no lock file"
        text = lock.read_text()
        match = re.search(
            r'provider "registry.terraform.io/hashicorp/aws" \{\s*version\s*=\s*"([^"]+)"', text
        )
        assert match, text
        if versions:
            assert match.group(1) in versions, (root, match.group(1), versions)
        assert re.search(r'"h1:[A-Za-z0-9+/=]{44}"', text), text


def test_plan_warns_when_prod_has_no_alert_subscriber(plan: tuple[str, dict]) -> None:
    env, doc = plan
    checks = {c["address"]["name"]: c["status"] for c in doc.get("checks", [])}
    # Both tfvars leave alert_emails empty: only prod is warned.
    assert checks["prod_failures_reach_someone"] == ("fail" if env == "prod" else "pass")


def test_plan_alarms_go_to_the_failure_topic(plan: tuple[str, dict]) -> None:
    env, doc = plan
    resources = _resources(doc["planned_values"]["root_module"])
    rule = _one(resources, "aws_cloudwatch_event_rule")
    # The pattern names the application id, unknown until apply: its shape is checked over the
    # HCL (test_hcl_structure.py).
    assert rule["name"] == f"eventlake-{env}-emr-job-failed"
    alarm = _one(resources, "aws_cloudwatch_metric_alarm")
    assert (alarm["namespace"], alarm["metric_name"]) == ("AmazonMWAA", "SchedulerHeartbeat")
    assert alarm["dimensions"] == {"Function": "Scheduler", "Environment": f"eventlake-{env}"}
    assert alarm["treat_missing_data"] == "breaching"
    # Targets point at the topic: follow the references in the configuration.
    alerting = doc["configuration"]["root_module"]["module_calls"]["alerting"]["module"]
    by_type = {r["type"]: r for r in alerting["resources"]}
    target_refs = by_type["aws_cloudwatch_event_target"]["expressions"]["arn"]["references"]
    assert "aws_sns_topic.failures.arn" in target_refs
    alarm_refs = by_type["aws_cloudwatch_metric_alarm"]["expressions"]["alarm_actions"][
        "references"
    ]
    assert "aws_sns_topic.failures.arn" in alarm_refs


def test_plan_delta_log_table_and_ip_hash_secret(plan: tuple[str, dict]) -> None:
    env, doc = plan
    resources = _resources(doc["planned_values"]["root_module"])
    table = _one(resources, "aws_dynamodb_table")
    assert table["name"] == f"eventlake-{env}-delta-log"
    assert (table["hash_key"], table["range_key"]) == ("tablePath", "fileName")
    assert {(a["name"], a["type"]) for a in table["attribute"]} == {
        ("tablePath", "S"),
        ("fileName", "S"),
    }
    assert table["ttl"] == [{"attribute_name": "expireTime", "enabled": True}]
    assert table["point_in_time_recovery"][0]["enabled"] is True
    assert table["server_side_encryption"][0]["enabled"] is True
    secret = _one(resources, "aws_secretsmanager_secret")
    assert secret["name"] == f"eventlake-{env}-ip-hash-key"
    # Terraform never holds the key: no secret version anywhere in the plan.
    assert not [r for r in resources if r["type"] == "aws_secretsmanager_secret_version"]


def test_one_root_with_a_tfvars_and_a_backend_config_per_environment() -> None:
    """envs/ holds data only: no environment repeats main, variables or outputs."""
    envs = TF_DIR / "envs"
    assert sorted(p.name for p in envs.iterdir()) == [
        "dev.s3.tfbackend",
        "dev.tfvars",
        "moto.tfvars",
        "prod.s3.tfbackend",
        "prod.tfvars",
    ]
    for env in ("dev", "prod"):
        backend = (envs / f"{env}.s3.tfbackend").read_text()
        assert f'key = "eventlake/{env}/terraform.tfstate"' in backend
        tfvars = (envs / f"{env}.tfvars").read_text()
        assert f'environment       = "{env}"' in tfvars
    assert not list(TF_DIR.rglob("envs/*/*.tf"))
