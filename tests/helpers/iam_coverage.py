"""Record the AWS API calls the code makes and check them against the roles' Terraform policies.

Recording: every botocore client created while `record_calls(identity)` is active gets a
`before-parameter-build` hook (botocore's event system) that notes the operation and its
parameters, with the identity the calling code runs as in production (the test says which).

Checking: each call maps to the IAM action(s) and resource ARN(s) AWS authorises it with; the
role's policy document is parsed from the HCL with python-hcl2, its `${...}` references bound
to the test's resources, and an Allow statement must match the action and the resource (IAM
wildcards `*` and `?`; a Deny statement that matches wins). Conditions are not evaluated.
"""

from __future__ import annotations

import contextlib
import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "infra" / "terraform" / "modules"

# identity -> the policy documents (module file, data source name) its role's
# aws_iam_role_policy resources attach, in production.
ROLE_POLICIES = {
    "mwaa-execution": [(MODULES / "orchestration" / "main.tf", "execution")],
    "deploy": [
        (MODULES / "ci_identity" / "policies.tf", "read"),
        (MODULES / "ci_identity" / "policies.tf", "deploy"),
    ],
    "emr-job": [(MODULES / "compute" / "main.tf", "job")],
}


def emr_job_bindings(
    raw: str, lake: str, artifacts: str, account: str, secret_arn: str = ""
) -> dict[str, object]:
    """The compute module's inputs (the EMR job role's policy) for buckets `raw`, `lake` and
    `artifacts` and the ip hash key's secret ARN, in us-east-1."""
    region = "us-east-1"
    return {
        "var.region": region,
        "var.account_id": account,
        "var.kms_key_arn": f"arn:aws:kms:{region}:{account}:key/project",
        'var.bucket_arns["raw"]': f"arn:aws:s3:::{raw}",
        'var.bucket_arns["lake"]': f"arn:aws:s3:::{lake}",
        'var.bucket_arns["artifacts"]': f"arn:aws:s3:::{artifacts}",
        "var.delta_log_table_arn": f"arn:aws:dynamodb:{region}:{account}:table/delta_log",
        "var.ip_hash_secret_arn": secret_arn,
        "aws_cloudwatch_log_group.jobs.arn": (
            f"arn:aws:logs:{region}:{account}:log-group:/eventlake/test/emr-serverless"
        ),
    }


@dataclass(frozen=True)
class Call:
    identity: str
    service: str  # the signing name: the IAM prefix
    region: str
    operation: str
    params: dict[str, Any]


@dataclass(frozen=True)
class Need:
    """One authorisation a call needs."""

    action: str
    resource: str


@contextlib.contextmanager
def record_calls(identity: str, calls: list[Call]) -> Iterator[list[Call]]:
    """Append to `calls` every botocore API call made by clients created inside the block."""
    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        service = client.meta.service_model.signing_name
        region = client.meta.region_name or ""

        def note(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append(Call(identity, service, region, model.name, dict(params)))

        client.meta.events.register("before-parameter-build", note)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield calls
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


# --- call -> IAM action and resource ----------------------------------------------------------

# Operations authorised by an action of another name (AWS's "Actions, resources and condition
# keys" pages for each service).
S3_ACTIONS = {
    "HeadObject": "GetObject",
    "HeadBucket": "ListBucket",
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "DeleteObjects": "DeleteObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
    "AbortMultipartUpload": "AbortMultipartUpload",
    "PutBucketVersioning": "PutBucketVersioning",
}
BUCKET_LEVEL_S3 = {"ListBucket", "ListBucketVersions", "GetBucketLocation", "PutBucketVersioning"}


def needs(call: Call, account: str) -> list[Need]:
    """The authorisations `call` needs: [(action, resource ARN)]."""
    p = call.params
    if call.service == "s3":
        action = S3_ACTIONS.get(call.operation, call.operation)
        if call.operation in ("GetObject", "HeadObject") and p.get("VersionId"):
            action = "GetObjectVersion"
        if action in BUCKET_LEVEL_S3:
            return [Need(f"s3:{action}", f"arn:aws:s3:::{p['Bucket']}")]
        if call.operation == "DeleteObjects":
            return [
                Need("s3:DeleteObject", f"arn:aws:s3:::{p['Bucket']}/{o['Key']}")
                for o in p["Delete"]["Objects"]
            ]
        out = [Need(f"s3:{action}", f"arn:aws:s3:::{p['Bucket']}/{p['Key']}")]
        if call.operation == "CopyObject":
            src = p["CopySource"]
            if not isinstance(src, dict):
                bucket, key = src.split("/", 1)
                src = {"Bucket": bucket, "Key": key}
            out.append(Need("s3:GetObject", f"arn:aws:s3:::{src['Bucket']}/{src['Key']}"))
        return out
    if call.service == "emr-serverless":
        app = f"arn:aws:emr-serverless:{call.region}:{account}:/applications/{p['applicationId']}"
        action = f"emr-serverless:{call.operation}"
        if "jobRunId" in p:
            return [Need(action, f"{app}/jobruns/{p['jobRunId']}")]
        out = [Need(action, app)]
        if call.operation == "StartJobRun":
            out.append(Need("iam:PassRole", p["executionRoleArn"]))
        return out
    if call.service == "ssm":
        arn = f"arn:aws:ssm:{call.region}:{account}:parameter{p['Name']}"
        return [Need(f"ssm:{call.operation}", arn)]
    if call.service == "sns" and call.operation == "Publish":
        return [Need("sns:Publish", p.get("TopicArn") or p["TargetArn"])]
    if call.service == "secretsmanager":
        secret = str(p["SecretId"])
        if not secret.startswith("arn:"):
            raise AssertionError(
                f"{call.operation} by name ({secret!r}): IAM authorises the secret's ARN; "
                "give the code the ARN so the policy can be checked"
            )
        return [Need(f"secretsmanager:{call.operation}", secret)]
    if call.service == "airflow":
        env = f"arn:aws:airflow:{call.region}:{account}:environment/{p['Name']}"
        return [Need(f"airflow:{call.operation}", env)]
    raise AssertionError(
        f"no IAM mapping for {call.service}:{call.operation} (called as {call.identity}); "
        "add it to tests/helpers/iam_coverage.py"
    )


# --- the policies, from the HCL --------------------------------------------------------------


class Unbound(KeyError):
    pass


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _closing_brace(text: str, start: int) -> int:
    """The index of the `}` that closes the `${` whose body starts at `start`."""
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            if depth == 0:
                return j
            depth -= 1
    return len(text)


class Binder:
    """Evaluates the few HCL expression forms the policy documents use."""

    FOR = re.compile(r'^\[for (\w+) in ([\w.\[\]"]+) : "(.*)"\]$')

    def __init__(self, bindings: dict[str, Any], locals_: dict[str, Any]) -> None:
        self.bindings = bindings
        self.locals = locals_

    def expr(self, text: str, scope: dict[str, Any] | None = None) -> Any:
        text = text.strip()
        scope = scope or {}
        if text in scope:
            return scope[text]
        if text in self.bindings:
            return self.bindings[text]
        if text.startswith("local.") and text[6:] in self.locals:
            return self.value(self.locals[text[6:]], scope)
        match = self.FOR.match(text)
        if match:
            name, source, template = match.groups()
            return [self.template(template, {**scope, name: v}) for v in self.expr(source, scope)]
        raise Unbound(text)

    def template(self, text: str, scope: dict[str, Any] | None = None) -> str:
        out, i = [], 0
        while (start := text.find("${", i)) != -1:
            j = _closing_brace(text, start + 2)
            out.append(text[i:start])
            value = self.expr(text[start + 2 : j].replace('\\"', '"'), scope)
            out.append(str(value))
            i = j + 1
        out.append(text[i:])
        return "".join(out)

    def value(self, raw: Any, scope: dict[str, Any] | None = None) -> Any:
        if isinstance(raw, list):
            flat: list[Any] = []
            for item in raw:
                v = self.value(item, scope)
                flat += v if isinstance(v, list) else [v]
            return flat
        text = str(raw)
        if text.startswith("${") and _closing_brace(text, 2) == len(text) - 1:
            return self.expr(text[2:-1].replace('\\"', '"'), scope)
        return self.template(_unquote(text), scope)


def _resources(binder: Binder, raw: Any) -> list[str]:
    """The statement's resource patterns; one with a reference the test did not bind stays
    as `<unbound: ...>`, which matches no ARN (a call it would allow shows up as denied)."""
    out: list[str] = []
    for item in raw if isinstance(raw, list) else [raw]:
        try:
            value = binder.value(item)
        except Unbound as exc:
            value = [f"<unbound: {exc.args[0]}>"]
        out += value if isinstance(value, list) else [value]
    return out


def policy_statements(identity: str, bindings: dict[str, Any]) -> list[dict[str, Any]]:
    """The role's statements: {sid, effect, actions, resources} with references bound."""
    statements = []
    for path, name in ROLE_POLICIES[identity]:
        with path.open() as fh:
            doc = hcl2.load(fh)
        locals_: dict[str, Any] = {}
        for block in doc.get("locals", []):
            locals_.update({_unquote(k): v for k, v in block.items() if not k.startswith("__")})
        binder = Binder(bindings, locals_)
        found = False
        for data in doc.get("data", []):
            documents = {_unquote(k): v for k, v in data.items()}.get("aws_iam_policy_document")
            body = {_unquote(k): v for k, v in (documents or {}).items()}.get(name)
            if body is None:
                continue
            found = True
            for st in body.get("statement", []):
                statements.append(
                    {
                        "sid": f"{name}.{_unquote(str(st.get('sid', '')))}",
                        "effect": _unquote(str(st.get("effect", "Allow"))),
                        "actions": [_unquote(a) for a in st.get("actions", [])],
                        "resources": _resources(binder, st.get("resources", [])),
                    }
                )
        if not found:
            raise AssertionError(f"no aws_iam_policy_document {name!r} in {path}")
    return statements


def _match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    if ignore_case:
        pattern, value = pattern.lower(), value.lower()
    return fnmatch.fnmatchcase(value, pattern.replace("[", "[[]"))


def allowed(need: Need, statements: list[dict[str, Any]]) -> str | None:
    """The sid of the statement that allows `need`, None if none does (or a Deny matches)."""
    hits = [
        st
        for st in statements
        if any(_match(a, need.action, ignore_case=True) for a in st["actions"])
        and any(_match(r, need.resource) for r in st["resources"])
    ]
    if any(st["effect"] == "Deny" for st in hits):
        return None
    allows = [st for st in hits if st["effect"] == "Allow"]
    return (allows[0]["sid"] or "(no sid)") if allows else None


def check(calls: list[Call], bindings: dict[str, dict[str, Any]], account: str) -> list[str]:
    """One line per distinct authorisation checked; raises listing every one not allowed."""
    lines, denied = [], []
    seen = set()
    for call in calls:
        statements = policy_statements(call.identity, bindings[call.identity])
        for need in needs(call, account):
            key = (call.identity, need)
            if key in seen:
                continue
            seen.add(key)
            sid = allowed(need, statements)
            line = (
                f"{call.identity}: {call.service}:{call.operation} -> "
                f"{need.action} on {need.resource}"
            )
            if sid is None:
                denied.append(line)
            else:
                lines.append(f"{line} (allowed by {sid})")
    if denied:
        raise AssertionError(
            f"{len(denied)} AWS call(s) that no Terraform policy of the calling role allows:\n  "
            + "\n  ".join(denied)
            + "\nallowed:\n  "
            + "\n  ".join(lines)
        )
    return lines
