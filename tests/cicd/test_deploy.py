"""`eventlake deploy` against moto's server mode: release, DAG bucket, Variable, idempotence."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from eventlake.cli import main as cli
from eventlake.tools import release

pytestmark = pytest.mark.s3

SHA1 = "1111111111111111111111111111111111111111"
SHA2 = "2222222222222222222222222222222222222222"
ARTIFACTS = "eventlake-prod-artifacts"
DAGS = "eventlake-prod-dags"
PARAMETER = "/eventlake/prod/variables/eventlake_release_uri"

FILES_V1 = {
    "entrypoint.py": b"print('entry point v1')\n",
    "pyspark_deps.tar.gz": b"not really a tarball, v1",
    "eventlake-0.1.0-py3-none-any.whl": b"not really a wheel, v1",
    "mwaa/requirements.txt": b"deltalake==1.6.6\n",
    "mwaa/plugins.zip": b"not really a zip of wheels",
    "dags/eventlake_daily.py": b"# the DAG, v1\n",
    "dags/.airflowignore": b"eventlake/\n",
    "dags/eventlake/__init__.py": b"",
    "dags/eventlake/old_module.py": b"# only in v1\n",
}
FILES_V2 = {
    "entrypoint.py": b"print('entry point v2')\n",
    "pyspark_deps.tar.gz": b"not really a tarball, v2",
    "eventlake-0.1.0-py3-none-any.whl": b"not really a wheel, v2",
    "mwaa/requirements.txt": b"deltalake==1.6.6\n",
    "mwaa/plugins.zip": b"not really a zip of wheels",
    "dags/eventlake_daily.py": b"# the DAG, v2\n",
    "dags/.airflowignore": b"eventlake/\n",
    "dags/eventlake/__init__.py": b"",
}


def make_dist(root: Path, release_id: str, files: dict[str, bytes]) -> Path:
    dist = root / f"dist-{release_id[:4]}"
    for rel, data in files.items():
        (dist / rel).parent.mkdir(parents=True, exist_ok=True)
        (dist / rel).write_bytes(data)
    release.write_manifest(dist, release_id, built_at="2026-01-02T03:04:05Z")
    return dist


@pytest.fixture
def aws(s3_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Buckets and the Variable's parameter as Terraform leaves them; outputs JSON on disk."""
    import urllib.request

    import boto3

    # The moto server lives for the whole session: start each test from an empty account.
    urllib.request.urlopen(urllib.request.Request(f"{s3_env}/moto-api/reset", method="POST"))
    monkeypatch.delenv("EVENTLAKE_DEPLOY_OUTPUTS", raising=False)
    for name in ("ARTIFACTS_BUCKET", "DAGS_BUCKET", "REGION", "RELEASE_PARAMETER_NAME"):
        monkeypatch.delenv(f"EVENTLAKE_{name}", raising=False)
    s3 = boto3.client("s3", region_name="us-east-1")
    ssm = boto3.client("ssm", region_name="us-east-1")
    for bucket in (ARTIFACTS, DAGS):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    ssm.put_parameter(
        Name=PARAMETER,
        Value=f"s3://{ARTIFACTS}/releases/none",
        Type="SecureString",
        Overwrite=True,
    )
    outputs = {
        "artifacts_bucket": {"value": ARTIFACTS, "type": "string", "sensitive": False},
        "dags_bucket": {"value": DAGS, "type": "string", "sensitive": False},
        "region": {"value": "us-east-1", "type": "string", "sensitive": False},
        "release_parameter_name": {"value": PARAMETER, "type": "string", "sensitive": False},
        "mwaa_environment_name": {"value": None, "type": "string", "sensitive": False},
    }
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps(outputs))
    return {"s3": s3, "ssm": ssm, "outputs": path, "tmp": tmp_path}


def deploy(aws: dict[str, Any], release_id: str, *extra: str, dist: Path | None = None) -> int:
    args = ["deploy", "--env", "prod", "--release-id", release_id]
    args += ["--outputs-json", str(aws["outputs"])]
    if dist is not None:
        args += ["--dist", str(dist)]
    return cli([*args, *extra])


def keys(s3: Any, bucket: str, prefix: str = "") -> list[str]:
    resp = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(o["Key"] for o in resp.get("Contents", []))


def body(s3: Any, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()  # type: ignore[no-any-return]


def variable(aws: dict[str, Any]) -> dict[str, Any]:
    return aws["ssm"].get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]


def snapshot(aws: dict[str, Any]) -> dict[str, Any]:
    """Every object version (key, version, ETag, LastModified) and the Variable's version."""
    out: dict[str, Any] = {}
    for bucket in (ARTIFACTS, DAGS):
        resp = aws["s3"].list_object_versions(Bucket=bucket)
        out[bucket] = sorted(
            (v["Key"], v["VersionId"], v["ETag"], v["LastModified"].isoformat())
            for v in resp.get("Versions", [])
        ) + sorted((d["Key"], d["VersionId"]) for d in resp.get("DeleteMarkers", []))
    out["variable"] = variable(aws)["Version"]
    return out


def test_deploy_uploads_the_release_under_its_sha(aws, capsys):
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)

    assert deploy(aws, SHA1, dist=dist) == 0

    prefix = f"releases/{SHA1}/"
    assert keys(aws["s3"], ARTIFACTS) == sorted(
        prefix + rel
        for rel in [
            "manifest.json",
            "entrypoint.py",
            "pyspark_deps.tar.gz",
            "eventlake-0.1.0-py3-none-any.whl",
            "mwaa/requirements.txt",
            "mwaa/plugins.zip",
            "dags/eventlake_daily.py",
            "dags/.airflowignore",
            "dags/eventlake/__init__.py",
            "dags/eventlake/old_module.py",
        ]
    )
    assert body(aws["s3"], ARTIFACTS, prefix + "entrypoint.py") == b"print('entry point v1')\n"
    manifest = json.loads(body(aws["s3"], ARTIFACTS, prefix + "manifest.json"))
    assert manifest["release_id"] == SHA1
    assert manifest["built_at"] == "2026-01-02T03:04:05Z"
    # sha256sum of the file's 24 bytes, computed once by hand.
    assert manifest["files"]["entrypoint.py"] == {
        "sha256": "09aa56d9244454822a741476ccb258c43f96cd34efc55da3562b29aa96cc94f7",
        "size": 24,
    }
    head = aws["s3"].head_object(Bucket=ARTIFACTS, Key=prefix + "entrypoint.py")
    assert head["Metadata"] == {
        "sha256": "09aa56d9244454822a741476ccb258c43f96cd34efc55da3562b29aa96cc94f7"
    }
    assert "deployed release " + SHA1 in capsys.readouterr().out


def test_deploy_points_the_dag_bucket_and_the_variable_at_the_sha(aws):
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)

    assert deploy(aws, SHA1, dist=dist) == 0

    assert keys(aws["s3"], DAGS) == [
        "dags/.airflowignore",
        "dags/eventlake/__init__.py",
        "dags/eventlake/old_module.py",
        "dags/eventlake_daily.py",
        "dags/eventlake_release.json",
        "plugins.zip",
        "requirements.txt",
    ]
    assert body(aws["s3"], DAGS, "dags/eventlake_daily.py") == b"# the DAG, v1\n"
    assert body(aws["s3"], DAGS, "requirements.txt") == b"deltalake==1.6.6\n"
    assert body(aws["s3"], DAGS, "plugins.zip") == b"not really a zip of wheels"
    pointer = json.loads(body(aws["s3"], DAGS, "dags/eventlake_release.json"))
    assert pointer["release_id"] == SHA1
    assert pointer["target"] == "aws"
    # what the DAG files are declared with at parse time (no conf or Variable read there)
    spec = pointer["dag_spec"]
    assert (spec["target"], spec["schedule"], spec["catchup"]) == ("aws", "0 3 * * *", False)
    assert spec["maintenance_schedule"] == "0 12 * * *"
    assert spec["job_confs"]["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert "spark.hadoop.fs.s3.impl" not in spec["job_confs"]  # EMRFS serves s3:// on EMR
    assert pointer["release_uri"] == f"s3://{ARTIFACTS}/releases/{SHA1}"
    assert variable(aws)["Value"] == f"s3://{ARTIFACTS}/releases/{SHA1}"


def test_deploy_twice_with_the_same_sha_changes_nothing(aws, capsys):
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)
    assert deploy(aws, SHA1, dist=dist) == 0
    before = snapshot(aws)
    capsys.readouterr()

    assert deploy(aws, SHA1, dist=dist) == 0

    assert snapshot(aws) == before
    assert f"no changes: release {SHA1} is already deployed to prod" in capsys.readouterr().out


def test_deploy_of_a_new_sha_replaces_the_dags_and_keeps_the_old_release(aws):
    assert deploy(aws, SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1)) == 0

    assert deploy(aws, SHA2, dist=make_dist(aws["tmp"], SHA2, FILES_V2)) == 0

    assert keys(aws["s3"], DAGS, "dags/") == [
        "dags/.airflowignore",
        "dags/eventlake/__init__.py",
        "dags/eventlake_daily.py",
        "dags/eventlake_release.json",
    ]
    assert body(aws["s3"], DAGS, "dags/eventlake_daily.py") == b"# the DAG, v2\n"
    assert json.loads(body(aws["s3"], DAGS, "dags/eventlake_release.json"))["release_id"] == SHA2
    assert variable(aws)["Value"] == f"s3://{ARTIFACTS}/releases/{SHA2}"
    assert f"releases/{SHA1}/manifest.json" in keys(aws["s3"], ARTIFACTS)


def test_deploy_use_published_rolls_back_without_a_local_build(aws, capsys):
    assert deploy(aws, SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1)) == 0
    assert deploy(aws, SHA2, dist=make_dist(aws["tmp"], SHA2, FILES_V2)) == 0

    assert deploy(aws, SHA1, "--use-published", dist=aws["tmp"] / "nothing-here") == 0

    assert body(aws["s3"], DAGS, "dags/eventlake_daily.py") == b"# the DAG, v1\n"
    assert body(aws["s3"], DAGS, "dags/eventlake/old_module.py") == b"# only in v1\n"
    assert json.loads(body(aws["s3"], DAGS, "dags/eventlake_release.json"))["release_id"] == SHA1
    assert variable(aws)["Value"] == f"s3://{ARTIFACTS}/releases/{SHA1}"
    capsys.readouterr()

    assert deploy(aws, SHA1, "--use-published") == 0
    assert "no changes" in capsys.readouterr().out


def test_deploy_missing_bucket_names_it_and_says_what_to_do(aws, capsys):
    aws["s3"].delete_bucket(Bucket=DAGS)
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)

    assert deploy(aws, SHA1, dist=dist) == 1

    err = capsys.readouterr().err
    assert f"bucket '{DAGS}' (Terraform output dags_bucket of env prod" in err
    assert "terraform -chdir=infra/terraform apply -var-file=envs/prod.tfvars" in err
    assert keys(aws["s3"], ARTIFACTS) == []


def test_deploy_without_a_build_says_how_to_build(aws, capsys):
    assert deploy(aws, SHA1, dist=aws["tmp"] / "no-build") == 1

    err = capsys.readouterr().err
    assert "manifest.json is missing" in err
    assert f"python -m eventlake.tools.release --release-id <git sha> --dist {aws['tmp']}" in err


def test_deploy_refuses_a_build_that_changed_after_its_manifest(aws, capsys):
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)
    (dist / "entrypoint.py").write_bytes(b"print('edited by hand')\n")
    (dist / "stray.txt").write_bytes(b"x")

    assert deploy(aws, SHA1, dist=dist) == 1

    err = capsys.readouterr().err
    assert "entrypoint.py: changed since the build" in err
    assert "stray.txt: not in the manifest" in err
    assert keys(aws["s3"], ARTIFACTS) == []
    assert keys(aws["s3"], DAGS) == []


def test_deploy_refuses_a_build_of_another_sha(aws, capsys):
    dist = make_dist(aws["tmp"], SHA2, FILES_V2)

    assert deploy(aws, SHA1, dist=dist) == 1

    assert f"was built for release '{SHA2}', not '{SHA1}'" in capsys.readouterr().err


def test_deploy_refuses_to_overwrite_a_published_release(aws, capsys):
    assert deploy(aws, SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1)) == 0
    other = dict(FILES_V1, **{"entrypoint.py": b"print('other build of the same sha')\n"})
    (aws["tmp"] / "again").mkdir()

    assert deploy(aws, SHA1, dist=make_dist(aws["tmp"] / "again", SHA1, other)) == 1

    err = capsys.readouterr().err
    assert "already published" in err
    assert "entrypoint.py" in err
    assert "--use-published" in err
    assert body(aws["s3"], ARTIFACTS, f"releases/{SHA1}/entrypoint.py") == FILES_V1["entrypoint.py"]


def test_deploy_missing_output_names_it(aws, capsys):
    aws["outputs"].write_text(json.dumps({"artifacts_bucket": {"value": ARTIFACTS}}))

    assert deploy(aws, SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1)) == 1

    err = capsys.readouterr().err
    assert "Terraform output(s) dags_bucket missing" in err
    assert "EVENTLAKE_DAGS_BUCKET" in err


class StubbedMwaa:
    """A boto3 session whose S3 and SSM are moto's and whose MWAA client (no emulator has
    MWAA) is botocore's Stubber, recording each UpdateEnvironment's parameters."""

    def __init__(self) -> None:
        import boto3
        from botocore.stub import Stubber

        self.mwaa = boto3.client(
            "mwaa", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
        )
        self.stub = Stubber(self.mwaa)
        self.updates: list[dict[str, Any]] = []
        self.mwaa.meta.events.register(
            "provide-client-params.mwaa.UpdateEnvironment",
            lambda params, **_: self.updates.append(dict(params)),
        )

    def expect_update(self) -> None:
        arn = "arn:aws:airflow:us-east-1:123456789012:environment/eventlake-prod"
        self.stub.add_response("update_environment", {"Arn": arn})

    def client(self, name: str) -> Any:
        import boto3

        return self.mwaa if name == "mwaa" else boto3.client(name, region_name="us-east-1")


def mwaa_targets() -> Any:
    from eventlake.tools import deploy as deploy_module

    return deploy_module.Targets(
        env="prod",
        artifacts_bucket=ARTIFACTS,
        dags_bucket=DAGS,
        region="us-east-1",
        release_parameter_name=PARAMETER,
        mwaa_environment_name="eventlake-prod",
    )


def version_of(aws: dict[str, Any], key: str) -> str:
    return aws["s3"].head_object(Bucket=DAGS, Key=key)["VersionId"]  # type: ignore[no-any-return]


def test_deploy_points_mwaa_at_the_uploaded_requirements_and_plugins_versions(aws):
    from eventlake.tools import deploy as deploy_module

    session = StubbedMwaa()
    session.expect_update()
    dist = make_dist(aws["tmp"], SHA1, FILES_V1)

    with session.stub:
        report = deploy_module.deploy(mwaa_targets(), SHA1, dist=dist, session=session)
        session.stub.assert_no_pending_responses()

    assert report.mwaa_updated is True
    assert session.updates == [
        {
            "Name": "eventlake-prod",
            "RequirementsS3Path": "requirements.txt",
            "RequirementsS3ObjectVersion": version_of(aws, "requirements.txt"),
            "PluginsS3Path": "plugins.zip",
            "PluginsS3ObjectVersion": version_of(aws, "plugins.zip"),
        }
    ]


def test_deploy_with_new_requirements_keeps_the_unchanged_plugins_version(aws):
    from eventlake.tools import deploy as deploy_module

    session = StubbedMwaa()
    session.expect_update()
    session.expect_update()
    v2 = dict(FILES_V2, **{"mwaa/requirements.txt": b"deltalake==1.6.6\npyarrow==18.1.0\n"})

    with session.stub:
        deploy_module.deploy(
            mwaa_targets(), SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1), session=session
        )
        plugins_v1 = version_of(aws, "plugins.zip")
        report = deploy_module.deploy(
            mwaa_targets(), SHA2, dist=make_dist(aws["tmp"], SHA2, v2), session=session
        )

    assert f"s3://{DAGS}/plugins.zip" in report.unchanged
    assert f"s3://{DAGS}/requirements.txt" in report.written
    assert version_of(aws, "plugins.zip") == plugins_v1
    assert session.updates[1] == {
        "Name": "eventlake-prod",
        "RequirementsS3Path": "requirements.txt",
        "RequirementsS3ObjectVersion": version_of(aws, "requirements.txt"),
        "PluginsS3Path": "plugins.zip",
        "PluginsS3ObjectVersion": plugins_v1,
    }
    assert (
        session.updates[1]["RequirementsS3ObjectVersion"]
        != (session.updates[0]["RequirementsS3ObjectVersion"])
    )


def test_deploy_with_unchanged_requirements_and_plugins_does_not_update_mwaa(aws):
    from eventlake.tools import deploy as deploy_module

    session = StubbedMwaa()
    session.expect_update()  # the first deploy only
    with session.stub:
        deploy_module.deploy(
            mwaa_targets(), SHA1, dist=make_dist(aws["tmp"], SHA1, FILES_V1), session=session
        )
        report = deploy_module.deploy(
            mwaa_targets(), SHA2, dist=make_dist(aws["tmp"], SHA2, FILES_V2), session=session
        )

    assert len(session.updates) == 1
    assert report.mwaa_updated is False


def test_rollback_to_a_release_without_plugins_points_mwaa_at_its_requirements_only(aws):
    from eventlake.tools import deploy as deploy_module

    # A release published before releases carried mwaa/plugins.zip, uploaded as deploy did.
    old = {k: v for k, v in FILES_V1.items() if k != "mwaa/plugins.zip"}
    dist = make_dist(aws["tmp"], SHA1, old)
    manifest = json.loads((dist / "manifest.json").read_text())
    items = [
        deploy_module.Item(ARTIFACTS, f"releases/{SHA1}/{rel}", m["sha256"], m["size"], dist / rel)
        for rel, m in manifest["files"].items()
    ]
    raw = (dist / "manifest.json").read_bytes()
    items.append(
        deploy_module.Item(
            ARTIFACTS,
            f"releases/{SHA1}/manifest.json",
            release.sha256_file(dist / "manifest.json"),
            len(raw),
            raw,
        )
    )
    deploy_module.sync(aws["s3"], items, deploy_module.Report())
    session = StubbedMwaa()
    session.expect_update()

    with session.stub:
        report = deploy_module.deploy(
            mwaa_targets(), SHA1, dist=None, use_published=True, session=session
        )

    assert report.mwaa_updated is True
    assert "plugins.zip" not in keys(aws["s3"], DAGS)
    assert session.updates == [
        {
            "Name": "eventlake-prod",
            "RequirementsS3Path": "requirements.txt",
            "RequirementsS3ObjectVersion": version_of(aws, "requirements.txt"),
        }
    ]
