"""`python -m eventlake.release`: the layout the DAG expects, the manifest, the MWAA file."""

from __future__ import annotations

import gzip
import json
import tarfile
from pathlib import Path

import pytest

from eventlake import release
from eventlake.orchestration import emr
from eventlake.settings import PROJECT_ROOT, load_settings

SHA = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real build (uv build of the repository) with a stand-in dependency archive."""
    tmp = tmp_path_factory.mktemp("release")
    archive = tmp / "deps.tar.gz"
    archive.write_bytes(b"stand-in for the packed Python environment")
    dist = tmp / "dist"
    assert (
        release.main(["--release-id", SHA, "--dist", str(dist), "--deps-archive", str(archive)])
        == 0
    )
    return dist


def test_release_layout_is_what_the_dag_reads(built):
    driver = emr.job_driver(load_settings("aws"), "etl", "2026-01-01")["sparkSubmit"]
    release_uri = "{{ ti.xcom_pull(task_ids='wait_for_raw_data', key='eventlake_release_uri') }}"
    assert driver["entryPoint"] == f"{release_uri}/entrypoint.py"
    assert (
        f"spark.archives={release_uri}/pyspark_deps.tar.gz#environment"
        in (driver["sparkSubmitParameters"])
    )
    assert (built / "entrypoint.py").is_file()
    assert (built / "pyspark_deps.tar.gz").is_file()


def test_release_files_and_manifest(built):
    manifest = json.loads((built / "manifest.json").read_text())
    files = set(manifest["files"])
    assert manifest["release_id"] == SHA
    assert manifest["format"] == 1
    for rel in (
        "entrypoint.py",
        "pyspark_deps.tar.gz",
        "eventlake-0.1.0-py3-none-any.whl",
        "mwaa/requirements.txt",
        "dags/eventlake_daily.py",
        "dags/.airflowignore",
        "dags/eventlake/__init__.py",
        "dags/eventlake/orchestration/emr.py",
        "dags/eventlake/conf/aws.yaml",
    ):
        assert rel in files, rel
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert (built / "entrypoint.py").read_bytes() == (
        PROJECT_ROOT / "src" / "eventlake" / "entrypoint.py"
    ).read_bytes()
    assert (built / "dags/eventlake_daily.py").read_bytes() == (
        PROJECT_ROOT / "dags" / "eventlake_daily.py"
    ).read_bytes()
    assert (built / "dags/.airflowignore").read_text() == "eventlake/\n"
    assert [e.path for e in release.verify_build(built, SHA)] == sorted(files)


def test_mwaa_requirements_are_constrained_and_pinned():
    assert release.mwaa_requirements("3.0.6", "3.12") == (
        "# MWAA (Airflow 3.0.6, Python 3.12) requirements of the\n"
        "# eventlake DAG's tasks. Written by `python -m eventlake.release`; do not edit here.\n"
        '--constraint "https://raw.githubusercontent.com/apache/airflow/constraints-3.0.6/'
        'constraints-3.12.txt"\n'
        "deltalake==1.6.6\n"
        "mlflow-skinny==3.0.1\n"
        "sagemaker-mlflow==0.5.0\n"
    )


def test_write_tar_gz_is_reproducible_and_rooted_at_the_environment(tmp_path):
    src = tmp_path / "environment"
    (src / "bin").mkdir(parents=True)
    (src / "bin" / "python3.11").write_text("#!interpreter\n")
    (src / "bin" / "python").symlink_to("python3.11")
    (src / "lib").mkdir()
    (src / "lib" / "mod.py").write_text("X = 1\n")

    release.write_tar_gz(src, tmp_path / "a.tar.gz", 1767225600)
    release.write_tar_gz(src, tmp_path / "b.tar.gz", 1767225600)

    assert (tmp_path / "a.tar.gz").read_bytes() == (tmp_path / "b.tar.gz").read_bytes()
    with gzip.open(tmp_path / "a.tar.gz") as gz, tarfile.open(fileobj=gz) as tar:
        members = {m.name: m for m in tar.getmembers()}
    assert sorted(members) == ["bin", "bin/python", "bin/python3.11", "lib", "lib/mod.py"]
    assert members["bin/python"].issym() and members["bin/python"].linkname == "python3.11"
    assert {m.mtime for m in members.values()} == {1767225600}
    assert {(m.uid, m.gid) for m in members.values()} == {(0, 0)}


def test_verify_build_without_a_manifest_says_how_to_build(tmp_path):
    with pytest.raises(release.BuildError, match=r"python -m eventlake\.release --release-id"):
        release.verify_build(tmp_path, SHA)


def test_verify_build_lists_a_missing_required_file(tmp_path):
    (tmp_path / "entrypoint.py").write_text("x\n")
    release.write_manifest(tmp_path, SHA, built_at="2026-01-01T00:00:00Z")

    with pytest.raises(release.BuildError) as exc:
        release.verify_build(tmp_path, SHA)

    message = str(exc.value)
    assert "pyspark_deps.tar.gz: not part of the build" in message
    assert "mwaa/requirements.txt: not part of the build" in message
    assert "the eventlake wheel: not part of the build" in message
