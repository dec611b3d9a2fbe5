"""A rehearsal of the release, as EMR Serverless runs it.

The release's own dependency archive (`eventlake.tools.release.build_deps_archive`: a relocatable
CPython 3.11 with `requirements/emr.lock` and the eventlake wheel installed) is unpacked as
./environment in a fresh directory that holds no project checkout, and the release's
`entrypoint.py` runs in it under `spark-submit` with PYSPARK_PYTHON and PYSPARK_DRIVER_PYTHON
= ./environment/bin/python, EVENTLAKE_ENV=aws, the buckets on moto S3 (s3:// through S3A) and
the ip hash key read from moto's Secrets Manager. The environment carries no PYTHONPATH and no
.venv; as on EMR, spark-submit adds only its own pyspark and py4j (the dev venv's pyspark
stands in for EMR's Spark runtime). So the jobs import eventlake, MLflow, boto3, OpenLineage,
pandas and pyarrow from the archive or fail: that is what this proves.

The archive's Python: python-build-standalone CPython 3.11 from `uv python install 3.11`, as
`make release` uses, when uv can download it (from GitHub). Where it cannot (this project's
development machines reach package registries only), the stand-in is the machine's pyenv
CPython 3.11, copied without its site-packages and made relocatable (its RUNPATHs rewritten to
$ORIGIN by patchelf). That stand-in is built for this machine's glibc and links the system's
OpenSSL, so with it the rehearsal proves the archive's contents (every import the jobs need,
from the archive and nowhere else), not that it runs on EMR's Amazon Linux 2023. Neither
available: skipped here, failed under CI=true.

The jobs, in order, one spark-submit each, as the DAG submits them to EMR:
`etl --date 2026-01-01`, then `train --date 2026-01-06` and `predict --date 2026-01-06` (the
champion). Between the ETL and training, the test loads 2026-01-02..06 itself with the same ETL
code (`run_etl` in the test's Spark session, the dev venv, against the same buckets): training
for D needs the lake's events of every day up to D (its holdout is 2 label days, validation 1,
and at least 200 training user-days), and a job run per day by the archive would only repeat
the first one, at a JVM start each (~40 s, ~5 min on a loaded machine). Every job's stdout and
stderr are kept under `<tmp>/logs/` and their tails printed, so a failure shows the job's error.

MLflow: on EMR the jobs reach the SageMaker MLflow tracking server by its ARN through the
archive's `sagemaker-mlflow` plugin. Here the ARN is the jobs' MLFLOW_TRACKING_URI too, and the
plugin's SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT sends its signed requests to a real `mlflow server`
on loopback (the dev venv's MLflow, not SageMaker's 3.0 server: the closest substitute that
runs here, as in tests/integration/test_mlflow_sagemaker_arn.py), whose artifact root is
`s3://<artifacts>/mlflow` on moto with no artifact proxy: the job writes the model's artifacts
to S3 itself, as against SageMaker's server.

Not rehearsed, with the reason: EMRFS (open-source Spark has none; S3A serves s3:// as
`eventlake.spark` sets it), the S3DynamoDBLogStore (its jar is not in the Ivy cache, so its
confs are left out), SageMaker's own MLflow server (above), and Spark unpacking
`spark.archives` itself (in local mode the driver's Python starts before Spark could unpack
anything, so the test unpacks it as EMR does, into ./environment).

Expected values are written by hand. ETL counts from the generator's defect log of the sample
(seed 7), as in tests/integration/test_etl_sample.py: 2026-01-01 holds 2500 records, 41 invalid
and 16 duplicates, so 2443 clean rows. Scored users: predict for D scores every user with an
event in D's 7-day window; counted from the raw files of dt=2026-01-01..06 alone (a short
script reading the JSON lines, not eventlake): 342 distinct well-formed user ids with an event
time (any of the sample's formats, in UTC) from 2025-12-31 to 2026-01-06.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from helpers.iam_coverage import Call, check, emr_job_bindings, record_calls
from helpers.tooling import missing_tool

from eventlake.settings import PROJECT_ROOT, load_settings
from eventlake.tools import release

pytestmark = [pytest.mark.spark, pytest.mark.s3, pytest.mark.slow]

SAMPLE_DIR = PROJECT_ROOT / "tests" / "fixtures" / "sample"
VENV_BIN = Path(sys.executable).parent
ACCOUNT = "123456789012"
RAW, LAKE, ARTIFACTS = (
    "eventlake-rehearsal-raw",
    "eventlake-rehearsal-lake",
    "eventlake-rehearsal-art",
)
# Six days, so that training for the sixth has its holdout (2 label days), validation (1)
# and enough training rows (>= training.MIN_TRAIN_ROWS = 200 user-days).
ETL_DAYS = [f"2026-01-0{d}" for d in range(1, 7)]
TRAIN_DAY = ETL_DAYS[-1]
MODEL_NAME = "eventlake-high-value"
TRACKING_ARN = "arn:aws:sagemaker:us-east-1:123456789012:mlflow-tracking-server/eventlake-rehearsal"
# Users scored for TRAIN_DAY: see the module docstring.
SCORED_USERS = 342
SECRET_NAME = "eventlake-rehearsal-ip-hash-key"
# Rehearse this pyspark_deps.tar.gz instead of building one.
ARCHIVE_VARIABLE = "EVENTLAKE_REHEARSAL_DEPS_ARCHIVE"
# What the EMR jobs import (etl, train, predict), run by the archive's Python.
PROBE = r"""
import json, os, sys
import eventlake, eventlake.jobs.etl, eventlake.jobs.train, eventlake.jobs.predict
import eventlake.io.secrets, eventlake.io.lineage, eventlake.io.registry
import boto3, mlflow, sagemaker_mlflow, openlineage.client, pandas, pyarrow, sklearn, yaml
import pyspark.sql, pyspark.ml
modules = sorted(
    {getattr(m, "__file__", None) for m in list(sys.modules.values())} - {None}
)
with open("/proc/self/maps") as fh:
    mapped = sorted({line.split(None, 5)[5].strip() for line in fh if len(line.split()) == 6})
print(json.dumps({
    "eventlake": eventlake.__file__,
    "prefix": sys.prefix,
    "base_prefix": sys.base_prefix,
    "executable": sys.executable,
    "path": sys.path,
    "modules": modules,
    "mapped": [m for m in mapped if m.startswith("/")],
}))
"""


# --- the archive's Python ---------------------------------------------------------------------


def pyenv_python311() -> Path | None:
    """The prefix of a pyenv-installed CPython 3.11, if this machine has one."""
    roots = [os.environ.get("PYENV_ROOT"), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        for prefix in sorted(Path(root).glob("versions/3.11.*"), reverse=True):
            if (prefix / "bin" / "python3.11").is_file() and (prefix / "lib").is_dir():
                return prefix
    return None


def is_linked_elf(path: Path) -> bool:
    """An ELF executable or shared object (object files such as config-*/python.o have no
    dynamic section to patch)."""
    with path.open("rb") as fh:
        head = fh.read(18)
    return head[:4] == b"\x7fELF" and int.from_bytes(head[16:18], "little") in (2, 3)


def relocatable_copy(prefix: Path, dest: Path) -> Path:
    """A copy of a CPython install at `dest` that refers to no file of `prefix`.

    The packages pip put into its site-packages are left out (the archive gets exactly the
    lock's), and so are the parts `build_deps_archive` prunes anyway. Every ELF file's RUNPATH
    entries inside `prefix` become $ORIGIN-relative (pyenv links its python and extension
    modules with -rpath <prefix>/lib, so the copy would load the original's libpython).
    """
    site = f"lib/python{release.ARCHIVE_PYTHON}/site-packages"
    pruned = {(prefix / p).resolve() for p in release.ARCHIVE_PRUNE}

    def ignore(folder: str, names: list[str]) -> list[str]:
        here = Path(folder).resolve()
        if here == (prefix / site).resolve():
            return [n for n in names if n != "README.txt"]
        return [n for n in names if (here / n) in pruned or n == "__pycache__"]

    shutil.copytree(prefix, dest, symlinks=True, ignore=ignore)
    patchelf = VENV_BIN / "patchelf"
    original = str(prefix.resolve())
    for path in sorted(dest.rglob("*")):
        if path.is_symlink() or not path.is_file() or not is_linked_elf(path):
            continue
        rpath = subprocess.run(
            [str(patchelf), "--print-rpath", str(path)], check=True, capture_output=True, text=True
        ).stdout.strip()
        if original not in rpath:
            continue
        entries = []
        for entry in rpath.split(":"):
            if entry == original or entry.startswith(original + "/"):
                target = dest / os.path.relpath(entry, original)
                entries.append("$ORIGIN/" + os.path.relpath(target, path.parent))
            else:
                entries.append(entry)
        subprocess.run([str(patchelf), "--set-rpath", ":".join(entries), str(path)], check=True)
    return dest


def archive_python(tmp: Path) -> tuple[Path, str]:
    """(prefix of the CPython to pack, what it is): python-build-standalone through uv, else
    the pyenv stand-in; skip (fail under CI) when neither can be had."""
    try:
        return release.standalone_python(), "python-build-standalone (uv python install 3.11)"
    except (release.BuildError, subprocess.CalledProcessError) as exc:
        standalone_error = str(exc)
    prefix = pyenv_python311()
    if prefix is not None and (VENV_BIN / "patchelf").exists():
        copy = relocatable_copy(prefix, tmp / "python311")
        return copy, f"stand-in: relocatable copy of {prefix} (this machine's glibc)"
    reason = (
        "no relocatable CPython 3.11 for the archive: `uv python install 3.11` failed "
        f"({standalone_error}) and there is no pyenv 3.11 (with patchelf from `make setup`)"
    )
    missing_tool(reason)


# --- the run, as EMR does it ------------------------------------------------------------------


def clean_env(workdir: Path, extra: dict[str, str]) -> dict[str, str]:
    """A job's environment: no PYTHONPATH, no venv on PATH, a HOME of its own."""
    java = shutil.which("java")
    path = [str(Path(java).resolve().parent)] if java else []
    path += ["/usr/local/bin", "/usr/bin", "/bin"]
    env = {
        "PATH": os.pathsep.join(path),
        "HOME": str(workdir / "home"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
    }
    if os.environ.get("JAVA_HOME"):
        env["JAVA_HOME"] = os.environ["JAVA_HOME"]
    (workdir / "home").mkdir(exist_ok=True)
    env.update(extra)
    return env


def spark_submit_confs(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The confs eventlake.orchestration.emr sends to EMR, less what only EMR serves."""
    from eventlake.orchestration import emr
    from eventlake.orchestration.dag_spec import DagSpec
    from eventlake.spark import S3_IMPL_CONF

    confs = emr.emr_spark_confs(DagSpec.from_settings(settings), run_name="eventlake-rehearsal")
    # EMR-only: its Delta jar folder (--jars instead), the archive (unpacked by the test), the
    # driver env (set as the process's environment), the DynamoDB LogStore (its jar is not
    # served here) and EMRFS (S3A serves s3://, as eventlake.spark sets it off EMR).
    dropped = ("spark.jars", "spark.archives", "spark.delta.logStore.")
    confs = {
        k: v
        for k, v in confs.items()
        if not k.startswith(dropped)
        and not k.startswith(emr.DDB_LOG_STORE_PREFIX)
        and not k.startswith("spark.emr-serverless.driverEnv.")
    }
    confs[S3_IMPL_CONF] = "org.apache.hadoop.fs.s3a.S3AFileSystem"
    assert not [v for v in confs.values() if "{{" in v or "@" in v], confs
    return confs


def submit(workdir: Path, dist: Path, jars: list[str], confs: dict[str, str], env, *args):  # type: ignore[no-untyped-def]
    """`spark-submit <release>/entrypoint.py <args>` from `workdir`; returns (result, seconds)."""
    spark_home = Path(__import__("pyspark").__file__).parent
    cmd = [
        str(spark_home / "bin" / "spark-submit"),
        "--master",
        "local[2]",
        "--driver-memory",
        "2g",
        "--jars",
        ",".join(jars),
        *(a for k, v in confs.items() for a in ("--conf", f"{k}={v}")),
        str(dist / release.ENTRYPOINT),
        *args,
    ]
    started = time.monotonic()
    done = subprocess.run(
        cmd,
        cwd=workdir,
        env={**env, "SPARK_HOME": str(spark_home)},
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return done, time.monotonic() - started


def storage_options(endpoint: str) -> dict[str, str]:
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }


@pytest.fixture(scope="module")
def release_dist(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, float]]:
    """The release's wheel, entry point and deps archive, built by eventlake.tools.release."""
    tmp = tmp_path_factory.mktemp("rehearsal-build")
    times: dict[str, float] = {}
    dist = tmp / "dist"
    dist.mkdir()
    epoch = release.source_date_epoch(PROJECT_ROOT)
    started = time.monotonic()
    wheel = release.build_wheel(PROJECT_ROOT, dist, epoch)
    release.extract_entry_point(wheel, dist / release.ENTRYPOINT)
    given = os.environ.get(ARCHIVE_VARIABLE)
    if given:
        # An archive built elsewhere (`python -m eventlake.tools.release --deps-archive` takes one,
        # e.g. from an Amazon Linux container): rehearsed as it is.
        shutil.copy2(given, dist / release.DEPS_ARCHIVE)
        what = f"given by {ARCHIVE_VARIABLE}: {given}"
    else:
        prefix, what = archive_python(tmp)
        release.build_deps_archive(wheel, dist / release.DEPS_ARCHIVE, epoch, python_prefix=prefix)
    times["build_s"] = time.monotonic() - started
    return dist, what, times


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A real `mlflow server` on loopback, started now and waited for only when training
    needs it (creating its SQLite schema takes a minute or two on a loaded machine, which the
    archive build and the ETL days overlap). Its artifact root is the artifacts bucket's
    `mlflow/` prefix on moto, served by nobody (`--no-serve-artifacts`): the job writes the
    model's artifacts to S3 itself, as against SageMaker's server."""
    exe = VENV_BIN / "mlflow"
    if not exe.exists():
        reason = f"mlflow not installed at {exe}; run `make setup`"
        missing_tool(reason)
    tmp = tmp_path_factory.mktemp("rehearsal-mlflow")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    log = tmp / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [
                str(exe),
                "server",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                "1",
                "--backend-store-uri",
                f"sqlite:///{tmp}/server.db",
                "--default-artifact-root",
                f"s3://{ARTIFACTS}/mlflow",
                "--no-serve-artifacts",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group: the server starts uvicorn workers, stopped with it.
            start_new_session=True,
            env={**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"},
        )
    yield f"http://127.0.0.1:{port}", log
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def wait_for(url: str, log: Path, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"mlflow server did not start on {url}:\n{log.read_text()[-3000:]}")


class Jobs:
    """The rehearsal's spark-submit runs: each one's stdout and stderr kept in a file under
    `logs/` and its tail printed (pytest shows it when the test fails), and its wall time."""

    def __init__(self, workdir: Path, dist: Path, jars: list[str], confs: dict[str, str], env):  # type: ignore[no-untyped-def]
        self.workdir, self.dist, self.jars, self.confs, self.env = workdir, dist, jars, confs, env
        self.logs = workdir.parent / "logs"
        self.logs.mkdir(exist_ok=True)
        self.times: dict[str, float] = {}

    def run(self, step: str, *args: str) -> subprocess.CompletedProcess:
        done, self.times[step] = submit(
            self.workdir, self.dist, self.jars, self.confs, self.env, *args
        )
        (self.logs / f"{step}.stdout").write_text(done.stdout)
        (self.logs / f"{step}.stderr").write_text(done.stderr)
        print(
            f"--- {step}: `{' '.join(args)}` exit {done.returncode} in {self.times[step]:.0f} s"
            f" (logs: {self.logs}/{step}.*)\nstdout:\n{done.stdout[-2000:]}\n"
            f"stderr (tail):\n{done.stderr[-4000:]}"
        )
        assert done.returncode == 0, (
            f"{step} exited {done.returncode}\nstdout:\n{done.stdout[-3000:]}\n"
            f"stderr:\n{done.stderr[-6000:]}"
        )
        return done


def last_json(stdout: str) -> dict:
    """The JSON summary a job prints last (train and predict print one)."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON summary in the job's stdout:\n{stdout[-2000:]}"
    return json.loads(lines[-1])


MOTO_ACCOUNT = "123456789012"  # moto's default account: the secret's ARN carries it


def mwaa_bindings() -> dict[str, object]:
    """The orchestration module's bucket and key inputs, as this test's moto resources."""
    return {
        "var.region": "us-east-1",
        "var.account_id": MOTO_ACCOUNT,
        "var.kms_key_arn": f"arn:aws:kms:us-east-1:{MOTO_ACCOUNT}:key/project",
        'var.bucket_arns["dags"]': "arn:aws:s3:::eventlake-rehearsal-dags",
        'var.bucket_arns["raw"]': f"arn:aws:s3:::{RAW}",
        'var.bucket_arns["lake"]': f"arn:aws:s3:::{LAKE}",
        'var.bucket_arns["artifacts"]': f"arn:aws:s3:::{ARTIFACTS}",
    }


# A build and four Spark drivers: ~6 minutes on an idle 2-core machine, 25 and more when it is
# shared (load 16-18 measured), beyond the suite's 20-minute default.
@pytest.mark.timeout(3000)
def test_release_archive_runs_etl_train_and_predict_as_emr_does(
    release_dist, mlflow_server, spark, s3_env, tmp_path
):
    import boto3
    from deltalake import DeltaTable
    from mlflow import MlflowClient

    from eventlake.spark import packages, resolved_jars

    dist, what, times = release_dist
    archive = dist / release.DEPS_ARCHIVE
    print(
        f"archive python: {what}; {archive.stat().st_size / 1e6:.1f} MB; built in "
        f"{times['build_s']:.0f} s"
    )
    tracking_url, tracking_log = mlflow_server

    # S3: the days' raw files, the lake and artifacts buckets; the ip hash key's secret.
    s3 = boto3.client("s3")
    for bucket in (RAW, LAKE, ARTIFACTS):
        s3.create_bucket(Bucket=bucket)
    for day in ETL_DAYS:
        for path in sorted((SAMPLE_DIR / f"dt={day}").glob("*.gz")):
            s3.upload_file(str(path), RAW, f"raw/dt={day}/{path.name}")
    secret_arn = boto3.client("secretsmanager").create_secret(
        Name=SECRET_NAME, SecretString="4f" * 32
    )["ARN"]

    # A directory with no checkout in it, and no way back to one.
    workdir = tmp_path / "emr"
    workdir.mkdir()
    assert not (workdir / "pyproject.toml").exists()
    started = time.monotonic()
    with tarfile.open(archive) as tar:
        tar.extractall(workdir / "environment", filter="tar")
    times["unpack_s"] = time.monotonic() - started

    job_env = {
        "EVENTLAKE_ENV": "aws",
        "EVENTLAKE_RAW_URI": f"s3://{RAW}/raw",
        "EVENTLAKE_LAKE_URI": f"s3://{LAKE}/lake",
        "EVENTLAKE_ARTIFACTS_URI": f"s3://{ARTIFACTS}",
        "EVENTLAKE_IP_HASH_SECRET": secret_arn,
        # As on EMR: the tracking server's ARN, which the archive's sagemaker-mlflow plugin
        # resolves and signs for; the plugin's custom endpoint sends it to the local server.
        "MLFLOW_TRACKING_URI": TRACKING_ARN,
        "SAGEMAKER_MLFLOW_CUSTOM_ENDPOINT": tracking_url,
        "OPENLINEAGE_NAMESPACE": "eventlake",
        "PYSPARK_PYTHON": "./environment/bin/python",
        "PYSPARK_DRIVER_PYTHON": "./environment/bin/python",
        "AWS_ENDPOINT_URL": s3_env,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    env = clean_env(workdir, job_env)
    # The jobs run Spark with their own confs, codegen on: not the suite's spark-defaults.conf.
    assert "SPARK_CONF_DIR" not in env

    # The archive's Python imports the jobs' modules from the archive, and maps no file of the
    # checkout, the dev venv or the CPython it was copied from.
    spark_home = Path(__import__("pyspark").__file__).parent
    pyspark_path = os.pathsep.join(
        str(p) for p in sorted((spark_home / "python/lib").glob("*.zip"))
    )
    probe = subprocess.run(
        [job_env["PYSPARK_PYTHON"], "-c", PROBE],
        cwd=workdir,
        env={**env, "PYTHONPATH": pyspark_path},  # what spark-submit gives the driver
        capture_output=True,
        text=True,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout)
    env_root = str((workdir / "environment").resolve())
    assert seen["eventlake"].startswith(env_root + "/lib/python3.11/site-packages/eventlake/")
    assert seen["prefix"] == seen["base_prefix"] == env_root
    elsewhere = [
        f
        for f in seen["modules"]
        if not f.startswith(env_root + "/") and not f.startswith(str(spark_home / "python/lib"))
    ]
    assert elsewhere == []
    # Native code: the archive's, and the system's C libraries (glibc, and for the pyenv
    # stand-in OpenSSL, zlib...), nothing else.
    foreign = [
        m
        for m in seen["mapped"]
        if not m.startswith((env_root + "/", "/usr/lib/", "/lib/", "/lib64/", "/usr/lib64/"))
    ]
    assert foreign == []
    # (The pyspark and py4j zips are the only files of the dev venv: EMR's Spark runtime.)
    spark_zips = str(spark_home / "python" / "lib") + "/"
    for forbidden in (str(PROJECT_ROOT), str(VENV_BIN.parent)):
        assert not [
            f
            for f in seen["modules"] + seen["mapped"]
            if f.startswith(forbidden) and not f.startswith(spark_zips)
        ]

    settings = load_settings("aws").replace(
        raw_uri=f"s3://{RAW}/raw", lake_uri=f"s3://{LAKE}/lake", artifacts_uri=f"s3://{ARTIFACTS}"
    )
    jars = resolved_jars(settings, packages(True))
    if not jars:
        reason = "the Delta and hadoop-aws jars are not in the Ivy cache: run `make jars`"
        missing_tool(reason)
    jobs = Jobs(workdir, dist, jars, spark_submit_confs(settings), env)

    # The ETL job of the first day, by the archive. The archive has no deltalake, so the job
    # leaves the run's page to the DAG's quality_gate task (MWAA's role writes it, below).
    jobs.run("etl", "etl", "--date", ETL_DAYS[0])
    assert s3.list_objects_v2(Bucket=ARTIFACTS, Prefix="reports/")["KeyCount"] == 0
    # The other days of the training window, loaded by the same ETL code in this process
    # (the test session's Spark, the dev venv): a job run per day by the archive would only
    # repeat the first one, at a JVM start and ~40 s each (~5 min on a loaded machine).
    from eventlake.jobs.etl import run_etl

    assert spark is not None  # the session run_etl reuses, pointed at moto by get_spark
    loader = settings.replace(etl=dataclasses.replace(settings.etl, ip_hash_secret=secret_arn))
    started = time.monotonic()
    calls: list[Call] = []
    with record_calls("emr-job", calls):  # the botocore calls the job's Python makes
        for day in ETL_DAYS[1:]:
            assert run_etl(loader, date.fromisoformat(day)).gate_passed
    times["etl_in_process_s"] = time.monotonic() - started
    # Every one of them is allowed by the EMR job role's Terraform policy (moto checks no IAM):
    # listing and reading the raw files for the record count, the ip hash key, the lake's
    # lease (conditional put, renew, delete) and the lineage events in the bucket.
    operations = {f"{c.service}:{c.operation}" for c in calls}
    for expected in (
        "s3:ListObjectsV2",
        "s3:GetObject",
        "s3:PutObject",
        "s3:DeleteObject",
        "secretsmanager:GetSecretValue",
    ):
        assert expected in operations, sorted(operations)
    # In the artifacts bucket the ETL writes its lineage events and, here only, where the dev
    # venv has deltalake, its run pages; nothing else.
    artifact_keys = [
        c.params["Key"]
        for c in calls
        if c.operation == "PutObject" and c.params["Bucket"] == ARTIFACTS
    ]
    assert [k for k in artifact_keys if k.startswith("lineage/")], artifact_keys
    for day in ETL_DAYS[1:]:
        assert [k for k in artifact_keys if k.startswith(f"reports/{day}/")], artifact_keys
    assert [k for k in artifact_keys if not k.startswith(("lineage/", "reports/"))] == []
    # The pages' calls (the reads of the run's tables by deltalake are not botocore's) are the
    # quality gate's on AWS, checked against MWAA's role below; the EMR job makes none of them.
    page_calls = [
        c
        for c in calls
        if c.params.get("Bucket") == ARTIFACTS
        and str(c.params.get("Key", c.params.get("Prefix", ""))).startswith("reports/")
    ]
    calls = [c for c in calls if c not in page_calls]
    checked = check(
        calls,
        {"emr-job": emr_job_bindings(RAW, LAKE, ARTIFACTS, MOTO_ACCOUNT, secret_arn)},
        MOTO_ACCOUNT,
    )
    print("\n".join(["IAM coverage of the EMR job role: calls checked", *checked]))
    opts = storage_options(s3_env)
    runs = DeltaTable(f"s3://{LAKE}/lake/etl_runs", storage_options=opts).to_pandas()
    first = runs[runs.processing_date.astype(str) == ETL_DAYS[0]]
    assert [
        (r.rows_read, r.rows_clean, r.rows_quarantined, r.duplicates_removed, r.gate_passed)
        for r in first.itertuples()
    ] == [(2500, 2443, 41, 16, True)]
    assert sorted(runs.processing_date.astype(str)) == ETL_DAYS
    assert runs.gate_passed.all()
    quarantine = DeltaTable(f"s3://{LAKE}/lake/quarantine", storage_options=opts).to_pandas()
    assert (quarantine.processing_date.astype(str) == ETL_DAYS[0]).sum() == 41

    # Training for the last day, by the archive, registering in the tracking server.
    wait_for(tracking_url, tracking_log)
    train = jobs.run("train", "train", "--date", TRAIN_DAY)
    summary = last_json(train.stdout)
    assert (summary["model"], summary["version"], summary["champion"]) == (
        MODEL_NAME,
        "1",
        True,
    )
    client = MlflowClient(tracking_uri=tracking_url)
    (version,) = client.search_model_versions(f"name = '{MODEL_NAME}'")
    assert version.version == "1"
    assert version.run_id == summary["run_id"]
    assert client.get_model_version_by_alias(MODEL_NAME, "champion").version == "1"
    assert version.tags["run_date"] == TRAIN_DAY
    # The PipelineModel in the bucket, where paths.model_uri puts it, and MLflow's copy of the
    # model under the server's artifact root: both written by the job to (moto) S3.
    model_prefix = f"models/{MODEL_NAME}/{summary['run_id']}/"
    assert summary["pipeline_model_uri"] == f"s3://{ARTIFACTS}/{model_prefix}".rstrip("/")
    pipeline_keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=ARTIFACTS, Prefix=model_prefix).get("Contents", [])
    ]
    assert f"{model_prefix}metadata/_SUCCESS" in pipeline_keys
    assert any(k.startswith(f"{model_prefix}stages/") for k in pipeline_keys)
    run = client.get_run(summary["run_id"])
    assert run.info.artifact_uri.startswith(f"s3://{ARTIFACTS}/mlflow/")
    mlflow_keys = s3.list_objects_v2(Bucket=ARTIFACTS, Prefix="mlflow/").get("KeyCount", 0)
    assert mlflow_keys > 0

    # Scoring the same day with the champion, by the archive.
    predict = jobs.run("predict", "predict", "--date", TRAIN_DAY)
    scored = last_json(predict.stdout)
    assert (scored["model_version"], scored["rows"]) == ("1", SCORED_USERS)
    predictions = DeltaTable(f"s3://{LAKE}/lake/predictions", storage_options=opts).to_pandas()
    assert len(predictions) == SCORED_USERS
    assert set(predictions.as_of_date.astype(str)) == {TRAIN_DAY}
    assert set(predictions.model_version) == {"1"}
    assert predictions.user_id.is_unique

    # The DAG's quality_gate task on this lake, as MWAA runs it (its execution role): the
    # verdict of the day's run in charge, and that run's page written into the artifacts
    # bucket; its PutObject is allowed by the MWAA role's policy.
    from eventlake.orchestration import tasks

    gate_calls: list[Call] = []
    with record_calls("mwaa-execution", gate_calls):
        verdict = tasks.quality_gate(settings, TRAIN_DAY)
    assert verdict["processing_date"] == TRAIN_DAY
    report_keys = [c.params["Key"] for c in gate_calls if c.operation == "PutObject"]
    assert f"reports/{TRAIN_DAY}/{verdict['run_id']}.html" in report_keys, report_keys
    mwaa_checked = check(gate_calls, {"mwaa-execution": mwaa_bindings()}, MOTO_ACCOUNT)
    print("\n".join(["IAM coverage of the MWAA role (quality_gate)", *mwaa_checked]))

    # Every job's OpenLineage events went through the bucket transport.
    jobs_with_events = {
        key.split("/")[1]
        for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=ARTIFACTS, Prefix="lineage/"
        )
        for key in (o["Key"] for o in page.get("Contents", []))
    }
    assert {"eventlake.etl", "eventlake.train", "eventlake.score"} <= jobs_with_events

    times.update({f"{k}_s": v for k, v in jobs.times.items()})
    print("rehearsal times (s): " + ", ".join(f"{k}={v:.0f}" for k, v in times.items()))
