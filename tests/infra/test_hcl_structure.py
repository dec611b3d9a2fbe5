"""Structural rules over the HCL itself (python-hcl2), independent of terraform and checkov.

- Every IAM policy statement that allows a data action (reading or writing objects, keys,
  parameters, messages, logs, MLflow) names the project's own resources, never "*" or a
  foreign literal ARN.
- The GitHub OIDC trust pins the repository and main or a GitHub environment (StringEquals, no
  wildcards), and the plan role only pull requests.
- The network has no route to the internet, and every bucket policy is TLS-only.
- Least privilege for CI: no identity policy allows a write action on "*" without a tag
  condition; the deploy role creates and edits roles only with the workload permissions
  boundary, cannot touch that boundary, the state key or the state bucket's configuration; every
  role the modules define carries the boundary; the plan role is read-only.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import hcl2
import pytest
from helpers.infra import TF_DIR

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
    r"|dynamodb:(\*|GetItem|PutItem|UpdateItem|DeleteItem|Query|Scan|Batch\w+)"
    r"|secretsmanager:(\*|GetSecretValue|PutSecretValue)"
    r"|\*)$"
)
# References that name project resources: module inputs and resources of this code base.
PROJECT_REF = re.compile(
    r"\$\{(var\.(\w*bucket_arns?\w*|kms_key_arn|state_\w+|release_parameter_arn|variable_parameter_arns"
    r"|sns_topic_arn|emr_\w+|mlflow_tracking_server_arn|variables_prefix|name_prefix"
    r"|delta_log_table_arn|ip_hash_secret_arn)"
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
    # Pull requests, and the plan job of CD on main (the apply then runs in the environment).
    assert _as_list(local_values["plan_subjects"]) == [
        "repo:${var.github_repository}:pull_request",
        "repo:${var.github_repository}:ref:refs/heads/main",
    ]

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
    # The bucket module is the one place: every bucket of the code base is made by it.
    assert checked == 1


def _bucket_module_calls() -> dict[str, dict]:
    calls = {}
    for path in sorted(TF_DIR.rglob("*.tf")):
        for block in _parse(path).get("module", []):
            for name, body in block.items():
                if (
                    _unquote(body["source"]).endswith("storage/bucket")
                    or _unquote(body["source"]) == "./bucket"
                ):
                    calls[f"{path.relative_to(TF_DIR).parts[0]}.{_unquote(name)}"] = body
    return calls


def test_every_bucket_comes_from_the_bucket_module() -> None:
    buckets = [
        path.relative_to(TF_DIR).as_posix()
        for path in sorted(TF_DIR.rglob("*.tf"))
        for block in _parse(path).get("resource", [])
        for rtype in block
        if _unquote(rtype) == "aws_s3_bucket"
    ]
    assert buckets == ["modules/storage/bucket/main.tf"]
    calls = _bucket_module_calls()
    assert sorted(calls) == [
        "bootstrap.state",
        "bootstrap.state_logs",
        "modules.access_logs",
        "modules.artifacts",
        "modules.dags",
        "modules.lake",
        "modules.raw",
    ]


def test_only_access_log_targets_skip_kms_and_access_logging() -> None:
    """The module's two checkov skips are true only if no other caller leaves these null."""
    targets = {"bootstrap.state_logs", "modules.access_logs"}
    for name, body in _bucket_module_calls().items():
        kms, logs = body.get("kms_key_arn"), body.get("access_logs_bucket")
        if name in targets:
            assert (kms, logs, body.get("access_log_target")) == (None, None, True), name
        else:
            assert kms and logs and "access_log_target" not in body, name


# --- least privilege for CI -----------------------------------------------------------------

# Access levels Read and List: everything else (including wildcards) is a write.
READ_VERB = re.compile(r"^[\w-]+:(Get|List|Describe|Head|Lookup|Search|BatchGet|View|Check)[\w*]*$")
TAG_CONDITION = re.compile(r"^(aws|ec2):(RequestTag|ResourceTag)/\w+$")
# Write actions that AWS offers no resource ARN or tag for, each pinned by another key instead.
UNTAGGABLE_WRITES = {"cloudwatch:PutMetricData": "cloudwatch:namespace"}
BOUNDED_IAM_ACTIONS = {"iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy"}
BOUNDARY = "${var.permissions_boundary_arn}"


def _statements(body: dict) -> list[dict]:
    """The statements of a policy document, dynamic ones included (their content)."""
    found = list(body.get("statement", []))
    for dynamic in body.get("dynamic", []):
        for name, block in dynamic.items():
            if _unquote(name) == "statement":
                found += block.get("content", [])
    return found


def _conditions(statement: dict) -> list[tuple[str, str, list[str]]]:
    return [
        (_unquote(c["test"]), _unquote(c["variable"]), _as_list(c["values"]))
        for c in statement.get("condition", [])
    ]


def wildcard_write_violations(docs: dict[str, dict], exempt: set[str]) -> list[str]:
    """Allow statements of identity policies with a write action on "*" and no tag condition."""
    problems = []
    for name, body in docs.items():
        if name in exempt:
            continue
        for statement in _statements(body):
            if _unquote(statement.get("effect", '"Allow"')) != "Allow":
                continue
            if statement.get("principals"):
                continue  # resource, key and endpoint policies: "*" is the resource itself
            if "*" not in _as_list(statement.get("resources", [])):
                continue
            variables = {variable for _test, variable, _values in _conditions(statement)}
            tagged = any(TAG_CONDITION.match(v) for v in variables)
            for action in _as_list(statement.get("actions", [])):
                if READ_VERB.match(action) or tagged:
                    continue
                if UNTAGGABLE_WRITES.get(action) in variables:
                    continue
                problems.append(f"{name}: {action} on '*' without a tag condition")
    return problems


def test_no_write_action_on_wildcard_without_a_tag_condition() -> None:
    docs = _policy_documents(MODULES)
    problems = wildcard_write_violations(docs, _key_policy_names(MODULES))
    assert problems == []


def test_wildcard_write_rule_catches_untagged_writes(tmp_path: Path) -> None:
    """The rule can fail: untagged writes on "*" are reported, reads and tagged writes are not."""
    (tmp_path / "bad.tf").write_text(
        """
data "aws_iam_policy_document" "mixed" {
  statement {
    actions   = ["ec2:DeleteVpc", "kms:ScheduleKeyDeletion", "ec2:DescribeVpcs"]
    resources = ["*"]
  }
  statement {
    actions   = ["ec2:DeleteSubnet"]
    resources = ["*"]
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/project"
      values   = ["eventlake"]
    }
  }
  statement {
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"]
  }
  dynamic "statement" {
    for_each = [1]
    content {
      actions   = ["s3:PutBucketPolicy"]
      resources = ["*"]
    }
  }
}
"""
    )
    problems = wildcard_write_violations(_policy_documents_at(tmp_path), set())
    assert sorted(p.split(": ", 1)[1] for p in problems) == [
        "cloudwatch:PutMetricData on '*' without a tag condition",
        "ec2:DeleteVpc on '*' without a tag condition",
        "kms:ScheduleKeyDeletion on '*' without a tag condition",
        "s3:PutBucketPolicy on '*' without a tag condition",
    ]


def _deploy_statements() -> list[dict]:
    docs = _policy_documents(MODULES / "ci_identity")
    return _statements(docs["modules/ci_identity/policies.tf:deploy"])


def bounded_role_violations(statements: list[dict]) -> list[str]:
    """Role-creating or policy-writing allows without the boundary, and a missing catch-all deny."""
    problems = []
    deny_covers: set[str] = set()
    for statement in statements:
        actions = set(_as_list(statement.get("actions", [])))
        conditions = _conditions(statement)
        effect = _unquote(statement.get("effect", '"Allow"'))
        if effect == "Deny":
            if ("StringNotEquals", "iam:PermissionsBoundary", [BOUNDARY]) in conditions and (
                _as_list(statement.get("resources", [])) == ["*"]
            ):
                deny_covers |= actions
            continue
        wild = {a for a in actions if a in ("iam:*", "*") or a.endswith(":Create*")}
        bounded = ("StringEquals", "iam:PermissionsBoundary", [BOUNDARY]) in conditions
        for action in sorted((actions & BOUNDED_IAM_ACTIONS) | wild):
            if not bounded:
                problems.append(f"{_unquote(statement.get('sid', '?'))}: {action} without boundary")
    for action in sorted(BOUNDED_IAM_ACTIONS - deny_covers):
        problems.append(f"no deny of {action} for roles without the boundary")
    return problems


def test_deploy_role_creates_and_edits_roles_only_with_the_boundary() -> None:
    assert bounded_role_violations(_deploy_statements()) == []


def test_bounded_role_rule_catches_an_unbounded_create_role() -> None:
    statements = [
        {
            "sid": '"Roles"',
            "actions": ['"iam:CreateRole"', '"iam:PutRolePolicy"'],
            "resources": ['"*"'],
        },
    ]
    assert bounded_role_violations(statements) == [
        "Roles: iam:CreateRole without boundary",
        "Roles: iam:PutRolePolicy without boundary",
        "no deny of iam:AttachRolePolicy for roles without the boundary",
        "no deny of iam:CreateRole for roles without the boundary",
        "no deny of iam:PutRolePolicy for roles without the boundary",
    ]


def _denied(statements: list[dict], resource: str) -> set[str]:
    return {
        action
        for s in statements
        if _unquote(s.get("effect", '"Allow"')) == "Deny"
        and resource in _as_list(s.get("resources", []))
        and not s.get("condition")
        for action in _as_list(s["actions"])
    }


def test_deploy_role_cannot_touch_the_boundary_the_state_key_or_the_state_bucket() -> None:
    statements = _deploy_statements()
    assert {
        "iam:CreatePolicyVersion",
        "iam:DeletePolicy",
        "iam:SetDefaultPolicyVersion",
    } <= _denied(statements, BOUNDARY)
    assert "iam:DeleteRolePermissionsBoundary" in _denied(statements, "*")
    assert {"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey"} <= _denied(
        statements, "${var.state_kms_key_arn}"
    )
    assert {"s3:PutBucketPolicy", "s3:DeleteBucketPolicy", "s3:PutBucketPublicAccessBlock"} <= (
        _denied(statements, "arn:aws:s3:::${var.state_bucket}")
    )
    # The CI roles themselves are out of the deploy role's reach.
    ci_roles = _denied(statements, "${aws_iam_role.deploy.arn}")
    assert {"iam:PutRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:AttachRolePolicy"} <= ci_roles


def _roles(root: Path) -> dict[str, dict]:
    roles = {}
    for path in sorted(root.rglob("*.tf")):
        for block in _parse(path).get("resource", []):
            for rtype, named in block.items():
                if _unquote(rtype) == "aws_iam_role":
                    for name, body in named.items():
                        roles[f"{path.relative_to(root).parts[0]}.{_unquote(name)}"] = body
    return roles


def test_every_workload_role_carries_the_permissions_boundary() -> None:
    roles = _roles(MODULES)
    assert len(roles) >= 6, roles.keys()
    unbounded = sorted(name for name, body in roles.items() if not body.get("permissions_boundary"))
    # The CI roles are applied by an administrator and are out of the deploy role's reach.
    assert unbounded == ["ci_identity.deploy", "ci_identity.plan"]
    bounded = {
        body["permissions_boundary"] for body in roles.values() if "permissions_boundary" in body
    }
    assert bounded == {BOUNDARY}


def test_boundary_policy_names_only_project_resources() -> None:
    docs = _policy_documents(MODULES / "workload_boundary")
    body = docs["modules/workload_boundary/main.tf:boundary"]
    assert iam_data_action_violations({"boundary": body}, set()) == []
    assert wildcard_write_violations({"boundary": body}, set()) == []
    actions = {a for s in _statements(body) for a in _as_list(s["actions"])}
    # No IAM beyond passing the job role, no KMS administration.
    assert {a for a in actions if a.startswith("iam:")} == {"iam:PassRole"}
    assert not {a for a in actions if a.startswith("kms:")} - {
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKey*",
        "kms:DescribeKey",
    }


def test_plan_role_is_read_only_and_writes_no_lock() -> None:
    docs = _policy_documents(MODULES / "ci_identity")
    statements = _statements(docs["modules/ci_identity/policies.tf:read"])
    actions = {a for s in statements for a in _as_list(s["actions"])}
    writes = sorted(a for a in actions if not READ_VERB.match(a))
    # kms:Decrypt reads the state and the Variables; sts:GetCallerIdentity is an identity read.
    assert writes == ["kms:Decrypt"]
    resources = [r for s in statements for r in _as_list(s.get("resources", []))]
    assert not [r for r in resources if r.endswith(".tflock")]


# --- IAM that matches the code (issue 20, Terraform side) ------------------------------------


def _allowed(doc: dict) -> dict[str, set[str]]:
    """action -> resources, over the Allow statements of one document."""
    allowed: dict[str, set[str]] = {}
    for statement in _statements(doc):
        if _unquote(statement.get("effect", '"Allow"')) != "Allow":
            continue
        for action in _as_list(statement.get("actions", [])):
            allowed.setdefault(action, set()).update(_as_list(statement.get("resources", [])))
    return allowed


def test_mwaa_execution_role_may_list_job_runs_of_the_application() -> None:
    docs = _policy_documents(MODULES / "orchestration")
    allowed = _allowed(docs["modules/orchestration/main.tf:execution"])
    for action in ("emr-serverless:ListJobRuns", "emr-serverless:StartJobRun"):
        assert "${var.emr_application_arn}" in allowed[action], action


def test_job_role_reads_the_ip_hash_key_and_uses_the_delta_log_table_only() -> None:
    docs = _policy_documents(MODULES / "compute")
    allowed = _allowed(docs["modules/compute/main.tf:job"])
    assert allowed["secretsmanager:GetSecretValue"] == {"${var.ip_hash_secret_arn}"}
    table_actions = {a for a in allowed if a.startswith("dynamodb:")}
    assert table_actions == {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:Query",
        "dynamodb:DescribeTable",
        "dynamodb:UpdateItem",
    }
    assert all(allowed[a] == {"${var.delta_log_table_arn}"} for a in table_actions)
    # cloudWatchLoggingConfiguration: the job writes its own group, nothing else.
    for action in ("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"):
        assert allowed[action] == {
            "${aws_cloudwatch_log_group.jobs.arn}",
            "${aws_cloudwatch_log_group.jobs.arn}:*",
        }


def test_only_the_job_role_may_read_a_secret_value() -> None:
    readers = sorted(
        name
        for name, body in _policy_documents(MODULES).items()
        for action in _allowed(body)
        if action in ("secretsmanager:GetSecretValue", "secretsmanager:*", "*")
    )
    assert readers == [
        "modules/compute/main.tf:job",
        "modules/workload_boundary/main.tf:boundary",
    ]
    deploy = _deploy_statements()
    assert {"secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"} <= _denied(
        deploy, "*"
    )


def test_deploy_role_updates_only_its_own_airflow_environment() -> None:
    allowed = _allowed(
        _policy_documents(MODULES / "ci_identity")["modules/ci_identity/policies.tf:deploy"]
    )
    env = "arn:aws:airflow:${var.region}:${var.account_id}:environment/${var.name_prefix}"
    assert allowed["airflow:UpdateEnvironment"] == {env}
    assert allowed["airflow:GetEnvironment"] == {env}


def test_operator_role_opens_the_airflow_ui_with_mfa() -> None:
    docs = _policy_documents(MODULES / "orchestration")
    allowed = _allowed(docs["modules/orchestration/main.tf:operator"])
    env = "arn:aws:airflow:${var.region}:${var.account_id}:environment/${local.env_name}"
    assert allowed == {"airflow:CreateWebLoginToken": {env}, "airflow:GetEnvironment": {env}}
    (trust,) = _statements(docs["modules/orchestration/main.tf:operator_trust"])
    assert ("Bool", "aws:MultiFactorAuthPresent", ["true"]) in _conditions(trust)


def test_emr_failure_rule_matches_failed_runs_of_the_application() -> None:
    (block,) = [
        body
        for resource in _parse(MODULES / "alerting" / "main.tf")["resource"]
        for rtype, named in resource.items()
        if _unquote(rtype) == "aws_cloudwatch_event_rule"
        for body in named.values()
    ]
    pattern = block["event_pattern"]
    for fragment in (
        'source = ["aws.emr-serverless"]',
        '"detail-type" = ["EMR Serverless Job Run State Change"]',
        "applicationId = [var.emr_application_id]",
        'state = ["FAILED"]',
    ):
        assert fragment in re.sub(r"\s+", " ", pattern), (fragment, pattern)


# The endpoint each IAM service prefix is reached through from inside the VPC (no NAT, no
# internet): gateway endpoints by their service suffix, interface endpoints by theirs. None: the
# action is no network call of the role's own (iam:PassRole is checked by the API it is passed to).
# Written by hand from AWS's endpoint names; a prefix missing here fails the test below, so a new
# service in a policy forces the question "how does the call get out of the VPC?".
SERVICE_ENDPOINT: dict[str, str | None] = {
    "s3": "s3",
    "dynamodb": "dynamodb",
    "secretsmanager": "secretsmanager",
    "kms": "kms",
    "logs": "logs",
    "sts": "sts",
    "sqs": "sqs",
    "sns": "sns",
    "ssm": "ssm",
    "cloudwatch": "monitoring",
    "emr-serverless": "emr-serverless",
    "airflow": "airflow.api",
    "sagemaker": "sagemaker.api",
    "sagemaker-mlflow": "experiments",
    "iam": None,
}


def _vpc_endpoints() -> set[str]:
    """Service suffixes with an endpoint: the gateway resources and the interface list."""
    found: set[str] = set()
    for block in _parse(MODULES / "network" / "endpoints.tf").get("resource", []):
        for rtype, named in block.items():
            if _unquote(rtype) != "aws_vpc_endpoint":
                continue
            for body in named.values():
                if _unquote(body["vpc_endpoint_type"]) == "Gateway":
                    found.add(_unquote(body["service_name"]).rsplit(".", 1)[-1])
    for variable in _parse(MODULES / "network" / "variables.tf")["variable"]:
        for name, body in variable.items():
            if _unquote(name) == "interface_endpoints":
                found.update(_as_list(body["default"]))
            if _unquote(name) == "enable_mlflow_endpoint" and body["default"] is True:
                found.add("experiments")
    return found


def test_every_service_the_vpc_roles_call_has_an_endpoint() -> None:
    # The EMR job and the MWAA workers run in the private subnets with no internet path: each
    # AWS service their roles may call must have a VPC endpoint, or the call times out on AWS
    # (moto, reached on loopback, cannot show this). Secrets Manager (the ETL's ip hash key)
    # and DynamoDB (Delta's log store) were once missing.
    endpoints = _vpc_endpoints()
    roles = {
        "modules/compute/main.tf:job": MODULES / "compute",
        "modules/orchestration/main.tf:execution": MODULES / "orchestration",
    }
    missing = []
    for name, module in roles.items():
        prefixes = {a.split(":")[0] for a in _allowed(_policy_documents(module)[name])}
        for prefix in sorted(prefixes):
            assert prefix in SERVICE_ENDPOINT, f"{name}: how does {prefix}:* leave the VPC?"
            endpoint = SERVICE_ENDPOINT[prefix]
            if endpoint is not None and endpoint not in endpoints:
                missing.append(f"{name}: {prefix} (endpoint {endpoint})")
    assert missing == []
    assert {"s3", "dynamodb", "secretsmanager", "experiments"} <= endpoints


def test_emr_workers_may_reach_dynamodb_through_its_gateway() -> None:
    # A gateway endpoint is a route, not an ENI: the EMR security group needs an egress rule to
    # its prefix list, as for S3.
    rules = {}
    for block in _parse(MODULES / "network" / "main.tf").get("resource", []):
        for rtype, named in block.items():
            if _unquote(rtype) == "aws_vpc_security_group_egress_rule":
                rules.update({_unquote(n): b for n, b in named.items()})
    rule = rules["emr_to_dynamodb"]
    assert rule["security_group_id"] == "${aws_security_group.emr.id}"
    assert rule["prefix_list_id"] == "${aws_vpc_endpoint.dynamodb.prefix_list_id}"
    assert (rule["from_port"], rule["to_port"]) == (443, 443)


def test_plan_role_can_refresh_every_object_terraform_manages() -> None:
    # `terraform plan` refreshes each aws_s3_object with HeadObject (s3:GetObject) and
    # GetObjectTagging under the read-only plan role; plugins.zip was once left out, so every
    # PR and CD plan would have stopped on AccessDenied.
    managed = []
    for path in sorted(TF_DIR.rglob("*.tf")):
        for block in _parse(path).get("resource", []):
            for rtype, named in block.items():
                if _unquote(rtype) != "aws_s3_object":
                    continue
                for body in named.values():
                    bucket = re.search(r'var\.bucket_arns\["(\w+)"\]', body["bucket"])
                    assert bucket, body["bucket"]
                    key = _unquote(body["key"])
                    managed.append(f'${{var.bucket_arns["{bucket.group(1)}"]}}/{key}')
    assert len(managed) == 2  # requirements.txt and plugins.zip (modules/orchestration)
    docs = _policy_documents(MODULES / "ci_identity")
    allowed = _allowed(docs["modules/ci_identity/policies.tf:read"])
    for arn in managed:
        assert arn in allowed["s3:GetObject"], arn
        assert arn in allowed["s3:GetObjectTagging"], arn
