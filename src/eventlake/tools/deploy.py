"""`eventlake deploy --env E --release-id SHA`: publish a built release and point the DAG at it.

Steps, each skipped when the target already holds the same bytes (sha256 kept in the object's
`x-amz-meta-sha256`), so a second run with the same SHA writes nothing and says "no changes":

1. check the local build (`python -m eventlake.tools.release`) against its manifest and the SHA;
2. upload it to `s3://<artifacts_bucket>/releases/<SHA>/` (the manifest last: a release whose
   manifest is there is complete). Releases are immutable: a SHA already published with other
   content is refused;
3. copy the MWAA plugins (`plugins.zip`: the wheels and constraints the requirements install
   from, with no index) and requirements to `s3://<dags_bucket>/plugins.zip` and
   `s3://<dags_bucket>/requirements.txt` and, when either changed, ask MWAA to install those two
   object versions (one environment update);
4. sync `dags/` (the DAG, the package beside it, `.airflowignore`) to `s3://<dags_bucket>/dags/`,
   deleting files of older releases, and write `dags/eventlake_release.json` (SHA, release
   URI, and the DagSpec the DAG files are declared with, from the aws conf);
5. set the Airflow Variable `eventlake_release_uri` (the SSM parameter named by the Terraform
   output `release_parameter_name`) to `s3://<artifacts_bucket>/releases/<SHA>`: the DAG's EMR
   jobs read their entry point and dependency archive there.

`--use-published` redeploys a release that is already in the artifacts bucket (a rollback)
without a local build. Targets come from `terraform output -json` of the environment (a file
given by --outputs-json / EVENTLAKE_DEPLOY_OUTPUTS, or terraform run in infra/terraform),
and each can be overridden by an environment variable EVENTLAKE_<OUTPUT NAME IN CAPITALS>.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eventlake.errors import ConfigurationError, EventlakeError
from eventlake.orchestration.dag_spec import DagSpec
from eventlake.settings import Settings
from eventlake.tools import release

log = logging.getLogger(__name__)

RELEASES_PREFIX = "releases"
DAGS_PREFIX = "dags/"
REQUIREMENTS_KEY = "requirements.txt"  # requirements_s3_path of the MWAA environment
PLUGINS_KEY = "plugins.zip"  # plugins_s3_path of the MWAA environment
RELEASE_POINTER_KEY = "dags/eventlake_release.json"
SHA_META = "sha256"  # user metadata key: x-amz-meta-sha256

REQUIRED_OUTPUTS = ("artifacts_bucket", "dags_bucket")
OPTIONAL_OUTPUTS = ("region", "release_parameter_name", "kms_key_arn", "mwaa_environment_name")


class DeployError(EventlakeError):
    """The deploy cannot go on; the message says what is wrong and what to do."""


@dataclass(frozen=True)
class Targets:
    env: str
    artifacts_bucket: str
    dags_bucket: str
    region: str | None = None
    release_parameter_name: str | None = None
    kms_key_arn: str | None = None
    mwaa_environment_name: str | None = None
    source: str = ""  # where the values came from, for messages


@dataclass(frozen=True)
class S3Source:
    bucket: str
    key: str


@dataclass(frozen=True)
class Item:
    """One object to make present: bucket/key must hold these bytes (by sha256)."""

    bucket: str
    key: str
    sha256: str
    size: int
    source: Path | bytes | S3Source
    content_type: str = "application/octet-stream"


@dataclass
class Report:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    variable_changed: bool = False
    mwaa_updated: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.written or self.deleted or self.variable_changed or self.mwaa_updated)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="environment: dev, prod, ...")
    parser.add_argument("--release-id", required=True, help="the git commit SHA of the release")
    parser.add_argument(
        "--outputs-json",
        type=Path,
        default=None,
        help="`terraform output -json` of the environment (default: run terraform in --tf-dir)",
    )
    parser.add_argument(
        "--tf-dir", type=Path, default=None, help="Terraform root (default infra/terraform)"
    )
    parser.add_argument(
        "--dist", type=Path, default=release.DEFAULT_DIST, help="the local release build"
    )
    parser.add_argument(
        "--use-published",
        action="store_true",
        help="redeploy the release already in the artifacts bucket (rollback); no local build",
    )
    parser.add_argument(
        "--skip-mwaa-update",
        action="store_true",
        help="do not ask MWAA to install changed requirements and plugins (it keeps its own)",
    )


# --- targets -------------------------------------------------------------------------------


def _flatten(raw: dict[str, Any]) -> dict[str, Any]:
    """`terraform output -json` ({name: {value, type, sensitive}}) or plain {name: value}."""
    return {k: (v["value"] if isinstance(v, dict) and "value" in v else v) for k, v in raw.items()}


def read_outputs(env: str, outputs_json: Path | None, tf_dir: Path | None) -> tuple[dict, str]:
    path = outputs_json or (
        Path(os.environ["EVENTLAKE_DEPLOY_OUTPUTS"])
        if os.environ.get("EVENTLAKE_DEPLOY_OUTPUTS")
        else None
    )
    if path is not None:
        if not path.is_file():
            raise DeployError(
                f"Terraform outputs file {path} does not exist: write it with "
                f"`terraform -chdir=infra/terraform output -json > {path}` (initialised for {env})"
            )
        try:
            return _flatten(json.loads(path.read_text())), str(path)
        except json.JSONDecodeError as exc:
            raise DeployError(f"{path} is not JSON ({exc})") from None
    from eventlake.settings import PROJECT_ROOT

    directory = tf_dir or PROJECT_ROOT / "infra" / "terraform"
    if not directory.is_dir():
        raise DeployError(
            f"no Terraform root for env {env!r} at {directory}: pass --tf-dir or --outputs-json"
        )
    cmd = ["terraform", f"-chdir={directory}", "output", "-json"]
    try:
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except FileNotFoundError:
        raise DeployError("terraform is not installed: install it or pass --outputs-json") from None
    except subprocess.CalledProcessError as exc:
        raise DeployError(
            f"`{' '.join(cmd)}` failed: {exc.stderr.strip()[:500]} (run `terraform init` there, "
            "or pass --outputs-json)"
        ) from None
    return _flatten(json.loads(out or "{}")), f"terraform output of {directory}"


def load_targets(env: str, outputs_json: Path | None = None, tf_dir: Path | None = None) -> Targets:
    outputs, source = read_outputs(env, outputs_json, tf_dir)
    values: dict[str, str | None] = {}
    for name in REQUIRED_OUTPUTS + OPTIONAL_OUTPUTS:
        override = os.environ.get(f"EVENTLAKE_{name.upper()}")
        value = override or outputs.get(name)
        values[name] = str(value) if value not in (None, "") else None
    missing = [name for name in REQUIRED_OUTPUTS if not values[name]]
    if missing:
        raise ConfigurationError(
            f"Terraform output(s) {', '.join(missing)} missing from {source}: apply the "
            "environment (`terraform -chdir=infra/terraform apply "
            f"-var-file=envs/{env}.tfvars`) or set "
            + ", ".join(f"EVENTLAKE_{m.upper()}" for m in missing)
        )
    return Targets(env=env, source=source, **values)  # type: ignore[arg-type]


# --- S3 ------------------------------------------------------------------------------------


def _session(targets: Targets) -> Any:
    import boto3

    # boto3 honours AWS_ENDPOINT_URL(_S3/_SSM) itself: tests point it at moto.
    return boto3.session.Session(region_name=targets.region) if targets.region else boto3


def check_bucket(s3: Any, bucket: str, output: str, targets: Targets) -> None:
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in ("404", "NoSuchBucket", "NotFound"):
            raise DeployError(
                f"bucket {bucket!r} (Terraform output {output} of env {targets.env}, from "
                f"{targets.source}) does not exist: create the environment with "
                "`terraform -chdir=infra/terraform apply "
                f"-var-file=envs/{targets.env}.tfvars`, or point "
                "--outputs-json at the outputs of the environment you mean"
            ) from None
        if code in ("403", "AccessDenied", "Forbidden"):
            raise DeployError(
                f"no access to bucket {bucket!r} (Terraform output {output}): deploy with the "
                "environment's deploy role (Terraform output deploy_role_arn)"
            ) from None
        raise


def _head(s3: Any, bucket: str, key: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    try:
        return s3.head_object(Bucket=bucket, Key=key)  # type: ignore[no-any-return]
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise


def _same(head: dict[str, Any] | None, item: Item) -> bool:
    return (
        head is not None
        and head.get("Metadata", {}).get(SHA_META) == item.sha256
        and head.get("ContentLength") == item.size
    )


def put(s3: Any, item: Item) -> str | None:
    """Write one object; returns its VersionId (None on an unversioned bucket)."""
    extra = {"Metadata": {SHA_META: item.sha256}, "ContentType": item.content_type}
    if isinstance(item.source, S3Source):
        resp = s3.copy_object(
            Bucket=item.bucket,
            Key=item.key,
            CopySource={"Bucket": item.source.bucket, "Key": item.source.key},
            MetadataDirective="REPLACE",
            **extra,
        )
        return resp.get("VersionId")  # type: ignore[no-any-return]
    if isinstance(item.source, bytes):
        resp = s3.put_object(Bucket=item.bucket, Key=item.key, Body=item.source, **extra)
        return resp.get("VersionId")  # type: ignore[no-any-return]
    s3.upload_file(str(item.source), item.bucket, item.key, ExtraArgs=extra)
    head = _head(s3, item.bucket, item.key) or {}
    return head.get("VersionId")


def sync(s3: Any, items: list[Item], report: Report) -> dict[str, str | None]:
    """Make every item present; returns {key: VersionId} of the objects written."""
    versions: dict[str, str | None] = {}
    for item in items:
        uri = f"s3://{item.bucket}/{item.key}"
        if _same(_head(s3, item.bucket, item.key), item):
            report.unchanged.append(uri)
            continue
        versions[item.key] = put(s3, item)
        report.written.append(uri)
        log.info("wrote %s", uri)
    return versions


def delete_stale(s3: Any, bucket: str, prefix: str, keep: set[str], report: Report) -> None:
    stale = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in keep]
    for start in range(0, len(stale), 1000):
        batch = stale[start : start + 1000]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in batch]})
    for key in stale:
        log.info("deleted s3://%s/%s (not in this release)", bucket, key)
        report.deleted.append(f"s3://{bucket}/{key}")


# --- the release to publish ----------------------------------------------------------------


def _content_type(rel: str) -> str:
    if rel.endswith((".py", ".txt", ".yaml", ".airflowignore")):
        return "text/plain"
    if rel.endswith(".json"):
        return "application/json"
    if rel.endswith(".tar.gz"):
        return "application/gzip"
    if rel.endswith((".whl", ".zip")):
        return "application/zip"
    return "application/octet-stream"


def release_prefix(release_id: str) -> str:
    return f"{RELEASES_PREFIX}/{release_id}/"


def release_uri(targets: Targets, release_id: str) -> str:
    return f"s3://{targets.artifacts_bucket}/{RELEASES_PREFIX}/{release_id}"


def remote_manifest(s3: Any, targets: Targets, release_id: str) -> dict[str, Any] | None:
    from botocore.exceptions import ClientError

    key = release_prefix(release_id) + release.MANIFEST
    try:
        body = s3.get_object(Bucket=targets.artifacts_bucket, Key=key)["Body"].read()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
            return None
        raise
    return json.loads(body)  # type: ignore[no-any-return]


def local_release(dist: Path, release_id: str, targets: Targets) -> tuple[list[Item], dict]:
    """Items of the verified local build; the manifest is the last one."""
    entries = release.verify_build(dist, release_id)
    prefix = release_prefix(release_id)
    items = [
        Item(
            targets.artifacts_bucket,
            prefix + e.path,
            e.sha256,
            e.size,
            dist / e.path,
            _content_type(e.path),
        )
        for e in entries
    ]
    manifest_path = dist / release.MANIFEST
    manifest_bytes = manifest_path.read_bytes()
    items.append(
        Item(
            targets.artifacts_bucket,
            prefix + release.MANIFEST,
            release.sha256_file(manifest_path),
            len(manifest_bytes),
            manifest_bytes,
            "application/json",
        )
    )
    return items, release.load_manifest(dist)


def published_release(s3: Any, targets: Targets, release_id: str) -> dict[str, Any]:
    """The manifest of a complete published release (every object present, checksums equal)."""
    manifest = remote_manifest(s3, targets, release_id)
    uri = release_uri(targets, release_id)
    if manifest is None:
        raise DeployError(
            f"release {release_id} is not published at {uri}/ (no {release.MANIFEST}): deploy it "
            "from a build of that commit (re-run the CD workflow of the commit) instead"
        )
    broken = []
    for rel, meta in sorted(manifest["files"].items()):
        head = _head(s3, targets.artifacts_bucket, release_prefix(release_id) + rel)
        item = Item("", "", meta["sha256"], meta["size"], b"")
        if not _same(head, item):
            broken.append(rel)
    if broken:
        raise DeployError(
            f"the published release {uri} is incomplete or altered ({', '.join(broken[:5])}): "
            "redeploy it from a build of that commit"
        )
    return manifest


# --- DAG bucket ----------------------------------------------------------------------------


def deployed_dag_spec() -> DagSpec:
    """The DagSpec of the deployed DAG: the aws conf's (and this shell's EVENTLAKE_* and
    OPENLINEAGE_* overrides, as for any setting)."""
    from eventlake.settings import load_settings

    settings = load_settings("aws")
    if settings.airflow.target != "aws":
        raise ConfigurationError(
            f"EVENTLAKE_TARGET is {settings.airflow.target!r} in this shell, but the deployed "
            "DAG runs its jobs on EMR Serverless: unset EVENTLAKE_TARGET and deploy again"
        )
    return DagSpec.from_settings(settings)


def pointer_document(targets: Targets, manifest: dict[str, Any], release_id: str) -> bytes:
    """dags/eventlake_release.json: which release the deployed DAG runs, and the DagSpec the
    DAG files are declared with at parse time (no conf file or Variable read there)."""
    spec = deployed_dag_spec()
    doc = {
        "target": spec.target,
        "dag_spec": json.loads(spec.to_json()),
        "release_id": release_id,
        "release_uri": release_uri(targets, release_id),
        "built_at": manifest.get("built_at"),
        "manifest_sha256": {
            k: v["sha256"]
            for k, v in manifest["files"].items()
            if k in (release.ENTRYPOINT, release.DEPS_ARCHIVE)
        },
    }
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def dag_bucket_items(
    targets: Targets, manifest: dict[str, Any], release_id: str, dist: Path | None
) -> tuple[Item, Item | None, list[Item]]:
    """(requirements.txt, plugins.zip, the dags/ objects) from the local build, or copied from
    the release. plugins.zip is None for a release built before the release carried one."""
    import hashlib

    def source(rel: str) -> Path | S3Source:
        if dist is not None:
            return dist / rel
        return S3Source(targets.artifacts_bucket, release_prefix(release_id) + rel)

    files: dict[str, dict[str, Any]] = manifest["files"]
    req_meta = files[release.MWAA_REQUIREMENTS]
    requirements = Item(
        targets.dags_bucket,
        REQUIREMENTS_KEY,
        req_meta["sha256"],
        req_meta["size"],
        source(release.MWAA_REQUIREMENTS),
        "text/plain",
    )
    plugins = None
    if release.MWAA_PLUGINS in files:
        meta = files[release.MWAA_PLUGINS]
        plugins = Item(
            targets.dags_bucket,
            PLUGINS_KEY,
            meta["sha256"],
            meta["size"],
            source(release.MWAA_PLUGINS),
            "application/zip",
        )
    dags = [
        Item(
            targets.dags_bucket, rel, meta["sha256"], meta["size"], source(rel), _content_type(rel)
        )
        for rel, meta in sorted(files.items())
        if rel.startswith(DAGS_PREFIX)
    ]
    pointer = pointer_document(targets, manifest, release_id)
    dags.append(
        Item(
            targets.dags_bucket,
            RELEASE_POINTER_KEY,
            hashlib.sha256(pointer).hexdigest(),
            len(pointer),
            pointer,
            "application/json",
        )
    )
    return requirements, plugins, dags


# --- Airflow Variable and MWAA ---------------------------------------------------------------


def set_release_variable(session: Any, targets: Targets, value: str, report: Report) -> None:
    name = targets.release_parameter_name
    if not name:
        log.warning(
            "no Terraform output release_parameter_name: the Airflow Variable "
            "eventlake_release_uri is not updated (set it to %s)",
            value,
        )
        return
    ssm = session.client("ssm")
    try:
        current = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        current = None
    if current == value:
        return
    kwargs: dict[str, Any] = {
        "Name": name,
        "Value": value,
        "Type": "SecureString",
        "Overwrite": True,
    }
    if targets.kms_key_arn:
        kwargs["KeyId"] = targets.kms_key_arn
    ssm.put_parameter(**kwargs)
    report.variable_changed = True
    log.info("Airflow Variable eventlake_release_uri (%s) = %s", name, value)


def object_version(s3: Any, item: Item, written: dict[str, str | None]) -> str | None:
    """The VersionId of `item`'s object: as written now, or of the copy already there."""
    if item.key in written:
        return written[item.key]
    return (_head(s3, item.bucket, item.key) or {}).get("VersionId")


def update_mwaa_environment(
    session: Any,
    targets: Targets,
    requirements_version: str | None,
    plugins_version: str | None,
    report: Report,
) -> None:
    """Point MWAA at these object versions of requirements.txt and plugins.zip (one update,
    so the requirements never install against the plugins of another release)."""
    if not targets.mwaa_environment_name:
        log.warning(
            "no MWAA environment (output mwaa_environment_name): requirements and plugins "
            "not applied"
        )
        return
    if not requirements_version:
        log.warning(
            "s3://%s/%s has no version id (bucket not versioned): MWAA cannot be pointed at it",
            targets.dags_bucket,
            REQUIREMENTS_KEY,
        )
        return
    kwargs: dict[str, Any] = {
        "Name": targets.mwaa_environment_name,
        "RequirementsS3Path": REQUIREMENTS_KEY,
        "RequirementsS3ObjectVersion": requirements_version,
    }
    if plugins_version:
        kwargs["PluginsS3Path"] = PLUGINS_KEY
        kwargs["PluginsS3ObjectVersion"] = plugins_version
    else:
        log.warning(
            "this release has no %s: MWAA keeps its plugins (the requirements may not install "
            "without their wheels)",
            release.MWAA_PLUGINS,
        )
    session.client("mwaa").update_environment(**kwargs)
    report.mwaa_updated = True
    log.info(
        "MWAA %s updates to requirements version %s, plugins version %s (takes minutes)",
        targets.mwaa_environment_name,
        requirements_version,
        plugins_version,
    )


# --- the command ---------------------------------------------------------------------------


def deploy(
    targets: Targets,
    release_id: str,
    *,
    dist: Path | None = release.DEFAULT_DIST,
    use_published: bool = False,
    skip_mwaa_update: bool = False,
    session: Any | None = None,
) -> Report:
    """Publish the release and point the environment at it; see the module docstring.
    `session` (a boto3 session) defaults to one for the targets' region."""
    report = Report()
    # Verify the local build before touching AWS: a broken build never gets half-published.
    local_items: list[Item] = []
    manifest: dict[str, Any]
    if not use_published:
        if dist is None:
            raise DeployError("no --dist given and not --use-published")
        local_items, manifest = local_release(dist, release_id, targets)

    session = session or _session(targets)
    s3 = session.client("s3")
    check_bucket(s3, targets.artifacts_bucket, "artifacts_bucket", targets)
    check_bucket(s3, targets.dags_bucket, "dags_bucket", targets)

    if use_published:
        manifest = published_release(s3, targets, release_id)
        dist = None
    else:
        published = remote_manifest(s3, targets, release_id)
        if published is not None and published.get("files") != manifest["files"]:
            differing = sorted(
                k
                for k in set(published.get("files", {})) | set(manifest["files"])
                if published.get("files", {}).get(k) != manifest["files"].get(k)
            )
            raise DeployError(
                f"release {release_id} is already published at {release_uri(targets, release_id)}"
                f"/ with other content ({', '.join(differing[:5])}). Releases are immutable: "
                f"redeploy the published one with `eventlake deploy --env {targets.env} "
                f"--release-id {release_id} --use-published`"
            )
        if published is not None:
            # Same files: keep the published manifest (its build time) as it is.
            local_items = [i for i in local_items if not i.key.endswith("/" + release.MANIFEST)]
            report.unchanged.append(
                f"s3://{targets.artifacts_bucket}/{release_prefix(release_id)}{release.MANIFEST}"
            )
        sync(s3, local_items, report)

    requirements, plugins, dag_items = dag_bucket_items(targets, manifest, release_id, dist)
    # The wheels first: requirements.txt installs from them.
    mwaa_items = [plugins, requirements] if plugins is not None else [requirements]
    written = sync(s3, mwaa_items, report)
    sync(s3, dag_items, report)
    delete_stale(s3, targets.dags_bucket, DAGS_PREFIX, {i.key for i in dag_items}, report)
    set_release_variable(session, targets, release_uri(targets, release_id), report)
    if written and not skip_mwaa_update:
        update_mwaa_environment(
            session,
            targets,
            object_version(s3, requirements, written),
            object_version(s3, plugins, written) if plugins is not None else None,
            report,
        )
    return report


def main(args: argparse.Namespace, settings: Settings) -> int:
    targets = load_targets(args.env, args.outputs_json, args.tf_dir)
    report = deploy(
        targets,
        args.release_id,
        dist=args.dist,
        use_published=args.use_published,
        skip_mwaa_update=args.skip_mwaa_update,
    )
    uri = release_uri(targets, args.release_id)
    if not report.changed:
        print(
            f"eventlake deploy: no changes: release {args.release_id} is already deployed "
            f"to {args.env} ({uri}, {len(report.unchanged)} objects unchanged)"
        )
        return 0
    print(
        f"eventlake deploy: deployed release {args.release_id} to {args.env}: "
        f"{len(report.written)} object(s) written, {len(report.unchanged)} unchanged, "
        f"{len(report.deleted)} deleted; eventlake_release_uri "
        f"{'set to ' + uri if report.variable_changed else 'unchanged'}"
        + ("; MWAA is installing the new requirements and plugins" if report.mwaa_updated else "")
    )
    return 0
