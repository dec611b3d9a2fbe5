"""Structural rules over the HCL itself (python-hcl2), independent of terraform and checkov.

- Every IAM policy statement that allows a data action (reading or writing objects, keys,
  parameters, messages, logs, MLflow) names the project's own resources, never "*" or a
  foreign literal ARN.
- The GitHub OIDC trust pins the repository and main or a GitHub environment (StringEquals, no
  wildcards), and the plan role only pull requests.
- The network has no route to the internet, and every bucket policy is TLS-only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from infra_helpers import TF_DIR

pytestmark = pytest.mark.infra

MODULES = TF_DIR / "modules"

# Actions that touch data (objects, plaintext, messages, parameters, log events, runs).
DATA_ACTION = re.compile(
    r"^(s3:(\*|Get(Object|Object\w*)|Put(Object|Object\w*)|DeleteObject\w*|AbortMultipartUpload"
    r"|ListBucket\w*|\w*\*)"
    r"|kms:(\*|Decrypt|Encrypt|GenerateDataKey\w*|ReEncrypt\w*|\w*\*)"
    r"|ssm:(\*|GetParameter\w*|PutParameter)"
    r"|sqs:(\*|SendMessage|ReceiveMessage|DeleteMessage)"
    r"|sns:(\*|Publish)"
    r"|logs:(\*|PutLogEvents|GetLogEvents|GetLogRecord)"
    r"|sagemaker-mlflow:.*"
    r"|\*)$"
)
# References that name project resources: module inputs and resources of this code base.
PROJECT_REF = re.compile(
    r"\$\{(var\.(\w*bucket_arns?\w*|kms_key_arn|state_\w+|release_parameter_arn|variable_parameter_arns"
    r"|sns_topic_arn|emr_\w+|mlflow_tracking_server_arn|variables_prefix|name_prefix)"
    r"|local\.\w+|aws_[a-z0-9_]+\.\w+)"
)
# The MWAA Celery queue lives in an account owned by MWAA: its name is the only handle.
MWAA_CELERY_QUEUE = "arn:aws:sqs:${var.region}:*:airflow-celery-*"


def _unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(_unquote(v)) for v in value]
    return [str(_unquote(value))]


def _parse(path: Path) -> dict:
    with path.open() as handle:
        return hcl2.load(handle)


def _policy_documents(root: Path) -> dict[str, dict]:
    """All data.aws_iam_policy_document blocks under ``root``, by file:name."""
    docs: dict[str, dict] = {}
    for path in sorted(root.rglob("*.tf")):
        for data in _parse(path).get("data", []):
            for rtype, blocks in data.items():
                if _unquote(rtype) != "aws_iam_policy_document":
                    continue
                for name, body in blocks.items():
                    docs[f"{path.relative_to(TF_DIR)}:{_unquote(name)}"] = body
    return docs


def _key_policy_names(root: Path) -> set[str]:
    """Documents used as KMS key policies: there "*" is the key itself."""
    names = set()
    for path in root.rglob("*.tf"):
        text = path.read_text()
        for match in re.finditer(
            r'resource "aws_kms_key"[^{]*\{[^}]*policy\s*=\s*data\.aws_iam_policy_document\.(\w+)',
            text,
        ):
            names.add(f"{path.relative_to(TF_DIR)}:{match.group(1)}")
    return names


def iam_data_action_violations(docs: dict[str, dict], exempt: set[str]) -> list[str]:
    """Statements allowing a data action on "*" or on something that is not a project reference."""
    problems = []
    for name, body in docs.items():
        if name in exempt:
            continue
        for statement in body.get("statement", []):
            if _unquote(statement.get("effect", '"Allow"')) != "Allow":
                continue
            if statement.get("principals"):
                continue  # resource and endpoint policies: checked by test_endpoint_policies
            actions = _as_list(statement.get("actions", []))
            data_actions = [a for a in actions if DATA_ACTION.match(a)]
            if not data_actions:
                continue
            resources = _as_list(statement.get("resources", []))
            for resource in resources:
                if resource == "*" or resource.startswith("arn:aws:s3:::*"):
                    problems.append(f"{name}: {data_actions} on {resource!r}")
                elif resource != MWAA_CELERY_QUEUE and not PROJECT_REF.search(resource):
                    problems.append(f"{name}: {data_actions} on non-project {resource!r}")
    return problems


def test_iam_policies_name_only_project_resources_for_data_actions() -> None:
    docs = _policy_documents(MODULES)
    assert len(docs) >= 10, "policy documents were not found; the parser or layout changed"
    problems = iam_data_action_violations(docs, _key_policy_names(MODULES))
    assert problems == []


def test_iam_data_action_rule_catches_wildcards(tmp_path: Path) -> None:
    """The rule above can fail: a wildcard and a foreign bucket are both reported."""
    (tmp_path / "bad.tf").write_text(
        """
data "aws_iam_policy_document" "bad" {
  statement {
    actions   = ["s3:GetObject"]
    resources = ["*"]
  }
  statement {
    actions   = ["kms:Decrypt"]
    resources = ["arn:aws:kms:eu-west-1:111122223333:key/abc"]
  }
  statement {
    actions   = ["ec2:DescribeVpcs"]
    resources = ["*"]
  }
}
"""
    )
    docs = {f"x:{k.split(':')[-1]}": v for k, v in _policy_documents_at(tmp_path).items()}
    problems = iam_data_action_violations(docs, set())
    assert len(problems) == 2, problems


def _policy_documents_at(root: Path) -> dict[str, dict]:
    docs = {}
    for path in root.rglob("*.tf"):
        for data in _parse(path).get("data", []):
            for _rtype, blocks in data.items():
                for name, body in blocks.items():
                    docs[f"{path.name}:{_unquote(name)}"] = body
    return docs


def _locals(path: Path) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for block in _parse(path).get("locals", []):
        merged.update(block)
    return merged


def test_oidc_trust_pins_repository_and_branch_or_environment() -> None:
    path = MODULES / "ci_identity" / "oidc.tf"
    docs = _policy_documents(MODULES / "ci_identity")
    local_values = _locals(path)
    deploy = docs["modules/ci_identity/oidc.tf:deploy_trust"]["statement"]
    plan = docs["modules/ci_identity/oidc.tf:plan_trust"]["statement"]

    for statements, subjects_local in ((deploy, "deploy_subjects"), (plan, "plan_subjects")):
        (statement,) = statements
        assert _as_list(statement["actions"]) == ["sts:AssumeRoleWithWebIdentity"]
        conditions = {_unquote(c["variable"]): c for c in statement["condition"]}
        aud = conditions["${local.oidc_host}:aud"]
        sub = conditions["${local.oidc_host}:sub"]
        assert _unquote(aud["test"]) == "StringEquals"
        assert _as_list(aud["values"]) == ["sts.amazonaws.com"]
        assert _unquote(sub["test"]) == "StringEquals"  # StringLike would allow wildcards
        assert sub["values"] == f"${{local.{subjects_local}}}"

    assert _unquote(local_values["oidc_host"]) == "token.actions.githubusercontent.com"
    deploy_subjects = str(local_values["deploy_subjects"])
    assert "repo:${var.github_repository}:ref:refs/heads/main" in deploy_subjects
    assert "repo:${var.github_repository}:environment:${var.github_environment}" in deploy_subjects
    assert "*" not in deploy_subjects
    assert _as_list(local_values["plan_subjects"]) == ["repo:${var.github_repository}:pull_request"]

    variables = _parse(MODULES / "ci_identity" / "variables.tf")["variable"]
    repo = next(v for v in variables if '"github_repository"' in v)['"github_repository"']
    # The repository variable refuses wildcards.
    assert "validation" in repo


def test_network_has_no_internet_path() -> None:
    for path in (MODULES / "network").glob("*.tf"):
        resources = _parse(path).get("resource", [])
        types = {_unquote(t) for block in resources for t in block}
        assert not types & {"aws_internet_gateway", "aws_nat_gateway", "aws_eip", "aws_route"}
        for block in resources:
            for rtype, named in block.items():
                if _unquote(rtype) == "aws_subnet":
                    for body in named.values():
                        assert body["map_public_ip_on_launch"] is False
                if _unquote(rtype) == "aws_default_security_group":
                    for body in named.values():
                        assert "ingress" not in body
                        assert "egress" not in body


def test_every_bucket_policy_is_tls_only() -> None:
    checked = 0
    for path in sorted(TF_DIR.rglob("*.tf")):
        parsed = _parse(path)
        docs = {
            _unquote(name): body
            for data in parsed.get("data", [])
            for rtype, blocks in data.items()
            if _unquote(rtype) == "aws_iam_policy_document"
            for name, body in blocks.items()
        }
        for block in parsed.get("resource", []):
            for rtype, named in block.items():
                if _unquote(rtype) != "aws_s3_bucket_policy":
                    continue
                for body in named.values():
                    ref = re.fullmatch(
                        r"\$\{data\.aws_iam_policy_document\.(\w+)\.json\}", body["policy"]
                    )
                    assert ref, f"{path}: bucket policy is not a policy document"
                    doc = docs[ref.group(1)]
                    tls = [
                        s
                        for s in doc["statement"]
                        if _unquote(s.get("effect")) == "Deny"
                        and any(
                            _unquote(c["variable"]) == "aws:SecureTransport"
                            and _unquote(c["test"]) == "Bool"
                            and _as_list(c["values"]) == ["false"]
                            for c in s.get("condition", [])
                        )
                    ]
                    assert tls, f"{path}: {ref.group(1)} has no TLS-only statement"
                    resources = _as_list(tls[0]["resources"])
                    assert len(resources) == 2 and resources[1] == resources[0] + "/*"
                    checked += 1
    assert checked == 3  # the bucket module (raw, lake, artifacts, dags), access logs, state
