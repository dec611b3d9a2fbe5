"""`python -m eventlake.tools.release`: the layout the DAG expects, the manifest, the MWAA file."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from eventlake.orchestration import emr
from eventlake.orchestration.dag_spec import DagSpec
from eventlake.settings import PROJECT_ROOT, load_settings
from eventlake.tools import release

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
    spec = DagSpec.from_settings(load_settings("aws"))
    driver = emr.job_driver(spec, "etl", "2026-01-01")["sparkSubmit"]
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
        "mwaa/plugins.zip",
        "dags/eventlake_daily.py",
        "dags/.airflowignore",
        "dags/eventlake/__init__.py",
        "dags/eventlake/orchestration/emr.py",
        "dags/eventlake/conf/aws.yaml",
    ):
        assert rel in files, rel
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert (built / "entrypoint.py").read_bytes() == (
        PROJECT_ROOT / "src" / "eventlake_submit.py"
    ).read_bytes()
    assert (built / "dags/eventlake_daily.py").read_bytes() == (
        PROJECT_ROOT / "dags" / "eventlake_daily.py"
    ).read_bytes()
    assert (built / "dags/.airflowignore").read_text() == "eventlake/\n"
    assert [e.path for e in release.verify_build(built, SHA)] == sorted(files)


def test_mwaa_requirements_install_offline_from_the_plugins_folder():
    assert release.mwaa_requirements("3.0.6", "3.12") == (
        "# MWAA (Airflow 3.0.6, Python 3.12) requirements of the\n"
        "# eventlake DAG's tasks.\n"
        "# Written by `python -m eventlake.tools.release`; do not edit here.\n"
        "# Installed offline from the wheels of plugins.zip, which MWAA unpacks at\n"
        "# /usr/local/airflow/plugins.\n"
        "--no-index\n"
        "--find-links /usr/local/airflow/plugins\n"
        "--constraint /usr/local/airflow/plugins/constraints.txt\n"
        "deltalake==1.6.6\n"
        "mlflow-skinny==3.0.1\n"
        "pyarrow==18.1.0\n"
        "sagemaker-mlflow==0.5.0\n"
    )


def parse_requirements(text: str) -> tuple[list[str], dict[str, str]]:
    """(option lines, {name: pinned version}) of a requirements file; comments dropped."""
    options, pins = [], {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-"):
            options.append(line)
            continue
        name, sep, version = line.partition("==")
        assert sep, f"not an exact pin: {line!r}"
        pins[name] = version
    return options, pins


def test_built_mwaa_requirements_name_no_internet_location(built):
    text = (built / "mwaa/requirements.txt").read_text()
    options, pins = parse_requirements(text)

    assert not re.search(r"https?://", text, flags=re.IGNORECASE)
    assert "--no-index" in options
    assert options == [
        "--no-index",
        "--find-links /usr/local/airflow/plugins",
        "--constraint /usr/local/airflow/plugins/constraints.txt",
    ]
    assert pins == {
        "deltalake": "1.6.6",
        "mlflow-skinny": "3.0.1",
        "pyarrow": "18.1.0",
        "sagemaker-mlflow": "0.5.0",
    }


def test_plugins_zip_holds_manylinux_wheels_and_the_committed_constraints(built):
    with zipfile.ZipFile(built / "mwaa/plugins.zip") as zf:
        names = zf.namelist()
        constraints = zf.read("constraints.txt")
    wheels = [n for n in names if n.endswith(".whl")]

    assert sorted(set(names) - set(wheels)) == ["constraints.txt"]
    assert (
        constraints
        == (PROJECT_ROOT / "requirements/mwaa-constraints-3.0.6-py3.12.txt").read_bytes()
    )
    # Every wheel runs on MWAA: pure Python, or CPython 3.12 (or the stable ABI) on
    # manylinux x86_64. None for another OS, machine or Python.
    for name in wheels:
        tags = name[: -len(".whl")].split("-")[-3:]
        python, abi, platform = tags
        assert platform == "any" or ("manylinux" in platform and platform.endswith("x86_64")), name
        assert abi in ("none", "abi3", "cp312"), name
        assert platform == "any" or abi == "abi3" or python == "cp312", name
    wanted = {
        # The requirements, and dependencies that MWAA's constraints pin (values read from
        # requirements/mwaa-constraints-3.0.6-py3.12.txt by hand).
        "deltalake-1.6.6-",
        "pyarrow-18.1.0-cp312-cp312-",
        "mlflow_skinny-3.0.1-",
        "sagemaker_mlflow-0.5.0-",
        "boto3-1.39.11-",
        "botocore-1.39.11-",
        "protobuf-4.25.8-",
        "pydantic-2.11.7-",
        # Not in the constraints: comes only from the zip.
        "databricks_sdk-",
    }
    for prefix in wanted:
        assert any(w.startswith(prefix) for w in wheels), prefix


def test_plugins_zip_wheels_agree_with_the_constraints(built, tmp_path):
    with zipfile.ZipFile(built / "mwaa/plugins.zip") as zf:
        zf.extractall(tmp_path)
    pins = release.wheel_pins(tmp_path)
    constraints = release.read_constraints(tmp_path / "constraints.txt")

    assert len(pins) == 49
    for name, version in pins.items():
        assert constraints.get(name, version) == version, name


def test_a_pin_that_the_constraints_contradict_fails_the_build(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("# header\nPyArrow==18.1.0\nboto3==1.39.11\n")
    pins = release.read_constraints(constraints)
    assert pins == {"pyarrow": "18.1.0", "boto3": "1.39.11"}

    with pytest.raises(release.BuildError) as exc:
        release.check_pins_agree(
            {"pyarrow": "21.0.0", "deltalake": "1.6.6"}, pins, str(constraints)
        )

    assert str(exc.value).startswith(
        f"pyarrow==21.0.0 (constraints: 18.1.0): pinned against MWAA's constraints {constraints}"
    )
    assert "eventlake.tools.release.MWAA_PACKAGES" in str(exc.value)


def test_a_constraints_line_without_an_exact_pin_is_refused(tmp_path):
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("boto3==1.39.11\nrequests>=2\n")

    with pytest.raises(release.BuildError, match=r"constraints.txt:2: 'requests>=2' is not an"):
        release.read_constraints(constraints)


def test_no_constraints_file_for_another_airflow_says_how_to_make_one():
    with pytest.raises(release.BuildError, match=r"make mwaa-constraints"):
        release.mwaa_constraints_file("3.9.9", "3.12")


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
    how = r"python -m eventlake\.tools\.release --release-id"
    with pytest.raises(release.BuildError, match=how):
        release.verify_build(tmp_path, SHA)


def test_verify_build_lists_a_missing_required_file(tmp_path):
    (tmp_path / "entrypoint.py").write_text("x\n")
    release.write_manifest(tmp_path, SHA, built_at="2026-01-01T00:00:00Z")

    with pytest.raises(release.BuildError) as exc:
        release.verify_build(tmp_path, SHA)

    message = str(exc.value)
    assert "pyspark_deps.tar.gz: not part of the build" in message
    assert "mwaa/requirements.txt: not part of the build" in message
    assert "mwaa/plugins.zip: not part of the build" in message
    assert "the eventlake wheel: not part of the build" in message


# --- the offline install, as MWAA does it -----------------------------------------------------


def mwaa_python() -> str | None:
    """A Python of MWAA's version (3.12) that runs: EVENTLAKE_MWAA_PYTHON, python3.12 on PATH,
    or a pyenv-installed 3.12 (pyenv's shim fails unless that version is selected)."""
    candidates = [os.environ.get("EVENTLAKE_MWAA_PYTHON"), shutil.which("python3.12")]
    if shutil.which("pyenv"):
        root = subprocess.run(
            ["pyenv", "root"], check=False, capture_output=True, text=True
        ).stdout.strip()
        candidates += sorted(str(p) for p in Path(root).glob("versions/3.12*/bin/python3.12"))
    for candidate in candidates:
        if not candidate:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            check=False,
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == release.MWAA_PYTHON_VERSION:
            return candidate
    return None


def unpacked_plugins(built: Path, tmp_path: Path) -> tuple[Path, Path]:
    """plugins.zip unpacked at tmp/plugins (standing for /usr/local/airflow/plugins) and the
    release's requirements.txt with that folder in place of MWAA's."""
    plugins = tmp_path / "plugins"
    with zipfile.ZipFile(built / "mwaa/plugins.zip") as zf:
        zf.extractall(plugins)
    text = (built / "mwaa/requirements.txt").read_text()
    assert text.count("/usr/local/airflow/plugins") == 3  # the comment, --find-links, -c
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(text.replace("/usr/local/airflow/plugins", str(plugins)))
    return plugins, requirements


def offline_env() -> dict[str, str]:
    """No pip configuration or index from the machine: only what the command line says."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


IMPORTS = (
    "import deltalake, pyarrow, mlflow, sagemaker_mlflow, importlib.metadata as m; "
    "print(' '.join(f'{p}=={m.version(p)}' for p in "
    "('deltalake', 'pyarrow', 'mlflow-skinny', 'sagemaker-mlflow', 'boto3')))"
)
# The gate's read (eventlake.io.lake_reader): a date filter through QueryBuilder,
# on the pyarrow MWAA's constraints pin (deltalake's own pyarrow extra asks for a newer one).
DELTA_READ = """
import datetime, sys
import pyarrow as pa
from deltalake import DeltaTable, write_deltalake
days = [datetime.date(2026, 1, 1), datetime.date(2026, 1, 2)]
table = pa.table({"processing_date": days, "run_id": ["a", "b"]})
write_deltalake(sys.argv[1], table, partition_by=["processing_date"])
# The quality gate's read (io/lake_reader.py): DataFusion, not a pyarrow dataset scan,
# whose threads abort the process at exit with this pyarrow most of the time.
from deltalake import QueryBuilder
sql = "SELECT * FROM t WHERE processing_date = DATE '2026-01-02'"
rows = QueryBuilder().register("t", DeltaTable(sys.argv[1])).execute(sql).read_all()
print(pa.table(rows).to_pylist())
"""


def test_mwaa_requirements_install_with_no_index_from_the_built_plugins(built, tmp_path):
    """`pip install --no-index --find-links <plugins> -r requirements.txt -c constraints` in a
    clean venv of MWAA's Python. Without a Python 3.12 here, pip resolves the same install for
    Python 3.12 on manylinux x86_64 without installing (--dry-run --target)."""
    plugins, requirements = unpacked_plugins(built, tmp_path)
    install = [
        "install",
        "--no-index",
        "--find-links",
        str(plugins),
        "-r",
        str(requirements),
        "-c",
        str(plugins / "constraints.txt"),
    ]
    python = mwaa_python()
    if python is not None and sys.platform == "linux" and os.uname().machine == "x86_64":
        venv = tmp_path / "venv"
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        done = subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", "install", "-q", *install[1:]],
            check=False,
            capture_output=True,
            text=True,
            env=offline_env(),
        )
        assert done.returncode == 0, done.stderr[-3000:]
        check = subprocess.run(
            [str(venv / "bin/python"), "-m", "pip", "check"],
            check=False,
            capture_output=True,
            text=True,
        )
        assert check.returncode == 0, check.stdout
        versions = subprocess.run(
            [str(venv / "bin/python"), "-c", IMPORTS],
            check=False,
            capture_output=True,
            text=True,
        )
        assert versions.returncode == 0, versions.stderr[-3000:]
        assert versions.stdout.split() == [
            "deltalake==1.6.6",
            "pyarrow==18.1.0",
            "mlflow-skinny==3.0.1",
            "sagemaker-mlflow==0.5.0",
            "boto3==1.39.11",
        ]
        for attempt in range(5):  # an abort at exit shows in some runs, not all
            table = tmp_path / f"etl_runs_{attempt}"
            read = subprocess.run(
                [str(venv / "bin/python"), "-c", DELTA_READ, str(table)],
                check=False,
                capture_output=True,
                text=True,
            )
            assert read.returncode == 0, read.stderr[-3000:]
            assert read.stdout.strip() == (
                "[{'processing_date': datetime.date(2026, 1, 2), 'run_id': 'b'}]"
            )
        return
    report = tmp_path / "report.json"
    platforms = [arg for tag in release.MWAA_PLATFORMS for arg in ("--platform", tag)]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            *install[:1],
            "--dry-run",
            "--ignore-installed",
            "--only-binary=:all:",
            *platforms,
            "--python-version",
            "3.12",
            "--implementation",
            "cp",
            "--target",
            str(tmp_path / "target"),
            *install[1:],
            "--report",
            str(report),
        ],
        check=False,
        capture_output=True,
        text=True,
        env=offline_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    resolved = {
        i["metadata"]["name"].lower(): i["metadata"]["version"]
        for i in json.loads(report.read_text())["install"]
    }
    assert len(resolved) == 49
    for name, version in {
        "deltalake": "1.6.6",
        "pyarrow": "18.1.0",
        "mlflow-skinny": "3.0.1",
        "sagemaker-mlflow": "0.5.0",
        "boto3": "1.39.11",
    }.items():
        assert resolved[name] == version


def test_write_zip_is_reproducible_and_stores_wheels(tmp_path):
    (tmp_path / "b-1.0-py3-none-any.whl").write_bytes(b"PK wheel bytes")
    (tmp_path / "constraints.txt").write_text("boto3==1.39.11\n")
    files = [
        ("constraints.txt", tmp_path / "constraints.txt"),
        ("b-1.0-py3-none-any.whl", tmp_path / "b-1.0-py3-none-any.whl"),
    ]

    release.write_zip(files, tmp_path / "a.zip", 1767225600)
    release.write_zip(list(reversed(files)), tmp_path / "b.zip", 1767225600)

    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == ["b-1.0-py3-none-any.whl", "constraints.txt"]
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}
    assert [i.compress_type for i in infos] == [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]
