"""Build a release: everything `eventlake deploy` publishes for one commit, plus its manifest.

`python -m eventlake.tools.release --release-id SHA [--dist dist/release]` writes::

    dist/release/
      manifest.json                     release id, build time, sha256 and size of every file
      eventlake-<version>-py3-none-any.whl
      entrypoint.py                     EMR Serverless entryPoint (the wheel's eventlake_submit.py)
      pyspark_deps.tar.gz               Python + eventlake + deps, for `spark.archives`
      mwaa/requirements.txt             MWAA requirements: offline (--no-index), constrained, pinned
      mwaa/plugins.zip                  the wheels they install and MWAA's constraints file
      dags/eventlake_daily.py           the DAG files of the repository's dags/ folder
      dags/.airflowignore               keeps the DAG processor out of dags/eventlake/
      dags/eventlake/...                the package source, importable by the DAG on MWAA

The layout is the one under `s3://<artifacts>/releases/<SHA>/`, so `entrypoint.py` and
`pyspark_deps.tar.gz` are where `eventlake.orchestration.emr` looks for them.

Dependency archive: EMR Serverless cannot `pip install` at job start, and `--py-files` zips
only carry pure Python (pyarrow, pandas, numpy and psutil are compiled). So the archive is a
whole relocatable Python (a python-build-standalone CPython 3.11, as uv installs it) with
eventlake and its dependencies installed into it, for x86_64 manylinux_2_28 (EMR's Amazon
Linux 2023 has glibc 2.34). `spark.archives=<release>/pyspark_deps.tar.gz#environment` unpacks
it on the driver and every executor and PYSPARK_PYTHON=./environment/bin/python runs it. A venv
packed with venv-pack would hold only a symlink to the build machine's interpreter, which does
not exist on EMR. pyspark and py4j are removed from the archive: EMR puts its own (matching
the runtime) on PYTHONPATH. `--deps-archive FILE` takes an archive built elsewhere instead
(e.g. in an Amazon Linux container).

MWAA dependencies: MWAA's VPC has no internet, so `mwaa/requirements.txt` installs with
`--no-index --find-links /usr/local/airflow/plugins` (where MWAA unpacks `plugins.zip`) against
the constraints file inside that zip. The zip holds every wheel of the requirements' closure,
resolved against MWAA's constraints (`requirements/mwaa-constraints-<airflow>-py<python>.txt`)
and downloaded as binaries only for MWAA's platform and Python (`pip download --only-binary`).
Packages MWAA's image already has at the constrained version stay as they are; the others come
from the zip. `--mwaa-only` builds just these two files (CI's offline install check).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eventlake.errors import EventlakeError, InputError

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
MANIFEST_FORMAT = 1
ENTRYPOINT = "entrypoint.py"
DEPS_ARCHIVE = "pyspark_deps.tar.gz"  # the name eventlake.orchestration.emr.DEPS_ARCHIVE uses
MWAA_REQUIREMENTS = "mwaa/requirements.txt"
MWAA_PLUGINS = "mwaa/plugins.zip"
DAGS_DIR = "dags"
AIRFLOWIGNORE = "dags/.airflowignore"
DEFAULT_DIST = Path("dist/release")

# EMR Serverless application architecture (infra/terraform/modules/compute) and glibc floor.
ARCHIVE_PYTHON = "3.11"
ARCHIVE_PLATFORM = "x86_64-manylinux_2_28"
ARCHIVE_EXCLUDE = ("pyspark", "py4j")
# Parts of a CPython install that a Spark job never uses (CPython's own tests are ~100 MB).
ARCHIVE_PRUNE = (
    "include",
    "share",
    "lib/python3.11/test",
    "lib/python3.11/idlelib",
    "lib/python3.11/tkinter",
    "lib/python3.11/turtledemo",
    "lib/python3.11/ensurepip",
)

# MWAA: the Airflow version of infra/terraform/modules/orchestration and the Python of its image
# (3.12.10 in the 3.0.6 image: infra/README.md, "Orchestration", says where that was read).
MWAA_AIRFLOW_VERSION = "3.0.6"
MWAA_PYTHON_VERSION = "3.12"
# MWAA's image: Amazon Linux 2023 (glibc 2.34) on x86_64. pip matches `--platform` tags
# exactly, so every manylinux tag that glibc 2.34 runs is named (and the legacy aliases).
MWAA_PLATFORMS = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)),
    "manylinux2014_x86_64",
    "manylinux2010_x86_64",
    "manylinux1_x86_64",
)
# Where MWAA unpacks plugins.zip on its scheduler, workers and web server.
MWAA_PLUGINS_DIR = "/usr/local/airflow/plugins"
MWAA_CONSTRAINTS_NAME = "constraints.txt"  # inside plugins.zip
# What the DAG's tasks import beyond MWAA's image (Airflow, the amazon provider, boto3, PyYAML):
# the etl_runs reader (deltalake, its results handed to pyarrow), the registry client
# (mlflow-skinny) and SageMaker's MLflow auth plugin. Pinned exactly. A package that MWAA's
# constraints also pin must have their version (the build checks it): pyarrow is 18.1.0 there,
# so deltalake's `pyarrow` extra (pyarrow>=21) is not asked for. eventlake itself is not
# installed: the DAG imports the package from dags/eventlake/, and its wheel's dependencies
# (pyspark, the full mlflow, pandas>=2.2 against the constraints' 2.1.4) do not belong on MWAA.
MWAA_PACKAGES: dict[str, str] = {
    "deltalake": "1.6.6",
    "pyarrow": "18.1.0",
    # The client line of the tracking server (see the `aws` extra in pyproject.toml).
    "mlflow-skinny": "3.0.1",
    "sagemaker-mlflow": "0.5.0",
}
# The EMR archive's dependencies: eventlake[aws] (sagemaker-mlflow, the MLflow client pin),
# resolved for ARCHIVE_PLATFORM and hash-pinned by `make lock`.
ARCHIVE_EXTRA = "aws"
ARCHIVE_LOCK = "requirements/emr.lock"


class BuildError(EventlakeError):
    """The release could not be built, or a built release is not what its manifest says."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the release root, forward slashes
    sha256: str
    size: int


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def release_files(dist: Path) -> list[Path]:
    """Every file of a release folder except the manifest, sorted by relative path."""
    files = [
        p for p in dist.rglob("*") if p.is_file() and p.relative_to(dist).as_posix() != MANIFEST
    ]
    return sorted(files, key=lambda p: p.relative_to(dist).as_posix())


def write_manifest(dist: Path, release_id: str, *, built_at: str | None = None) -> dict[str, Any]:
    """Checksum every file of `dist` into `dist/manifest.json`; returns the manifest."""
    manifest = {
        "format": MANIFEST_FORMAT,
        "release_id": release_id,
        "built_at": built_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "files": {
            p.relative_to(dist).as_posix(): {"sha256": sha256_file(p), "size": p.stat().st_size}
            for p in release_files(dist)
        },
    }
    (dist / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def load_manifest(dist: Path) -> dict[str, Any]:
    path = dist / MANIFEST
    if not path.is_file():
        raise BuildError(
            f"no release build at {dist} ({MANIFEST} is missing). Build it with "
            f"`python -m eventlake.tools.release --release-id <git sha> --dist {dist}`"
        )
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise BuildError(f"{path} is not valid JSON ({exc}); rebuild the release") from None
    if manifest.get("format") != MANIFEST_FORMAT or not isinstance(manifest.get("files"), dict):
        raise BuildError(f"{path} is not a format-{MANIFEST_FORMAT} release manifest; rebuild")
    return manifest


def verify_build(dist: Path, release_id: str) -> list[FileEntry]:
    """Check that `dist` is the build of `release_id` and that every file matches the manifest.

    Returns the files (manifest first is the caller's business). Raises BuildError naming every
    difference: a release built from another commit, a file changed, missing or added after
    the build.
    """
    manifest = load_manifest(dist)
    if manifest.get("release_id") != release_id:
        raise BuildError(
            f"{dist} was built for release {manifest.get('release_id')!r}, not {release_id!r}: "
            "rebuild with `python -m eventlake.tools.release "
            f"--release-id {release_id} --dist {dist}`"
        )
    listed: dict[str, dict[str, Any]] = manifest["files"]
    problems: list[str] = []
    entries: list[FileEntry] = []
    for rel, meta in sorted(listed.items()):
        path = dist / rel
        if not path.is_file():
            problems.append(f"{rel}: missing")
            continue
        digest = sha256_file(path)
        if digest != meta.get("sha256") or path.stat().st_size != meta.get("size"):
            problems.append(f"{rel}: changed since the build")
            continue
        entries.append(FileEntry(rel, digest, path.stat().st_size))
    extra = sorted({p.relative_to(dist).as_posix() for p in release_files(dist)} - set(listed))
    problems += [f"{rel}: not in the manifest" for rel in extra]
    for required in (ENTRYPOINT, DEPS_ARCHIVE, MWAA_REQUIREMENTS, MWAA_PLUGINS):
        if required not in listed:
            problems.append(f"{required}: not part of the build")
    if not any(rel.endswith(".whl") for rel in listed):
        problems.append("the eventlake wheel: not part of the build")
    if problems:
        raise BuildError(
            f"the build in {dist} does not match its manifest ({len(problems)} problem(s)): "
            + "; ".join(problems)
            + f". Rebuild with `python -m eventlake.tools.release --release-id {release_id}`"
        )
    return entries


# --- building ------------------------------------------------------------------------------


def _run(cmd: list[str], **kwargs: Any) -> None:
    log.info("$ %s", " ".join(cmd))
    try:
        subprocess.run(cmd, check=True, **kwargs)
    except FileNotFoundError:
        raise BuildError(f"{cmd[0]} is not installed; run `make setup`") from None
    except subprocess.CalledProcessError as exc:
        raise BuildError(f"`{' '.join(cmd)}` failed with exit code {exc.returncode}") from None


def _uv() -> str:
    here = Path(sys.executable).parent / "uv"
    return str(here) if here.exists() else (shutil.which("uv") or "uv")


def source_date_epoch(repo: Path) -> int:
    """The commit time (reproducible wheel and archive timestamps); now outside a git repo."""
    env = os.environ.get("SOURCE_DATE_EPOCH")
    if env:
        return int(env)
    try:
        out = subprocess.run(
            ["git", "-C", str(repo), "log", "-1", "--format=%ct"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        return int(out)
    except (OSError, subprocess.CalledProcessError, ValueError):
        return int(datetime.now(UTC).timestamp())


def build_wheel(repo: Path, out_dir: Path, epoch: int) -> Path:
    """`uv build` (an sdist, then the wheel from it, so no stray file of the tree gets in)."""
    with tempfile.TemporaryDirectory(prefix="eventlake-wheel-") as tmp:
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
        _run([_uv(), "build", "--quiet", "--out-dir", tmp, str(repo)], env=env)
        wheels = sorted(Path(tmp).glob("eventlake-*.whl"))
        if len(wheels) != 1:
            raise BuildError(f"expected one eventlake wheel from uv build, got {wheels}")
        out_dir.mkdir(parents=True, exist_ok=True)
        return Path(shutil.copy2(wheels[0], out_dir / wheels[0].name))


def unpack_package(wheel: Path, dest: Path) -> list[str]:
    """Extract the `eventlake/` package of the wheel (not its dist-info) below `dest`."""
    names = []
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.filename.startswith("eventlake/") and not info.is_dir():
                target = dest / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(zf.read(info))
                names.append(info.filename)
    if "eventlake/entrypoint.py" not in names:
        raise BuildError(f"{wheel.name} has no eventlake/entrypoint.py")
    return names


ENTRY_FILE = "eventlake_submit.py"  # the wheel's top-level file that spark-submit runs


def extract_entry_point(wheel: Path, target: Path) -> None:
    """Write the wheel's `eventlake_submit.py` to `target` (the release's `entrypoint.py`)."""
    with zipfile.ZipFile(wheel) as zf:
        try:
            target.write_bytes(zf.read(ENTRY_FILE))
        except KeyError:
            raise BuildError(f"{wheel.name} has no {ENTRY_FILE}") from None


def mwaa_requirements(
    airflow_version: str = MWAA_AIRFLOW_VERSION, python_version: str = MWAA_PYTHON_VERSION
) -> str:
    """requirements.txt for MWAA: no index, the wheels and constraints of plugins.zip, pins."""
    lines = [
        f"# MWAA (Airflow {airflow_version}, Python {python_version}) requirements of the",
        "# eventlake DAG's tasks.",
        "# Written by `python -m eventlake.tools.release`; do not edit here.",
        "# Installed offline from the wheels of plugins.zip, which MWAA unpacks at",
        f"# {MWAA_PLUGINS_DIR}.",
        "--no-index",
        f"--find-links {MWAA_PLUGINS_DIR}",
        f"--constraint {MWAA_PLUGINS_DIR}/{MWAA_CONSTRAINTS_NAME}",
        *(f"{name}=={version}" for name, version in sorted(MWAA_PACKAGES.items())),
    ]
    return "\n".join(lines) + "\n"


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name (`Flask_Babel` and `flask-babel` are one project)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def mwaa_constraints_file(
    airflow_version: str = MWAA_AIRFLOW_VERSION,
    python_version: str = MWAA_PYTHON_VERSION,
    repo: Path | None = None,
) -> Path:
    """The committed constraints of that MWAA Airflow and Python (`make mwaa-constraints`)."""
    from eventlake.settings import PROJECT_ROOT

    path = (
        (repo or PROJECT_ROOT)
        / "requirements"
        / (f"mwaa-constraints-{airflow_version}-py{python_version}.txt")
    )
    if not path.is_file():
        raise BuildError(
            f"no MWAA constraints file {path} for Airflow {airflow_version} and Python "
            f"{python_version}: write it with `make mwaa-constraints` (set MWAA_AIRFLOW and "
            "MWAA_PYTHON in the Makefile), see infra/README.md"
        )
    return path


def read_constraints(path: Path) -> dict[str, str]:
    """{canonical name: version} of every `name==version` line of a constraints file."""
    pins: dict[str, str] = {}
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.split("#", 1)[0].split(";", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        if not sep or not version.strip():
            raise BuildError(
                f"{path}:{number}: {raw.strip()!r} is not an exact `name==version` pin; "
                "regenerate the file with `make mwaa-constraints`"
            )
        pins[canonical_name(name.split("[", 1)[0].strip())] = version.strip()
    return pins


def check_pins_agree(pins: dict[str, str], constraints: dict[str, str], source: str) -> None:
    """Every pin that the constraints also pin has their version; BuildError lists the others."""
    clashes = [
        f"{name}=={version} (constraints: {constraints[canonical_name(name)]})"
        for name, version in sorted(pins.items())
        if canonical_name(name) in constraints and constraints[canonical_name(name)] != version
    ]
    if clashes:
        raise BuildError(
            f"{', '.join(clashes)}: pinned against MWAA's constraints {source}, so pip on MWAA "
            "would refuse the requirements. Pin the constraints' version in "
            "eventlake.tools.release.MWAA_PACKAGES"
        )


WHEEL_NAME = re.compile(r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$")


def wheel_pins(folder: Path) -> dict[str, str]:
    """{canonical name: version} of the wheels in a folder; BuildError on two of one project."""
    pins: dict[str, str] = {}
    for wheel in sorted(folder.glob("*.whl")):
        match = WHEEL_NAME.match(wheel.name)
        if not match:
            raise BuildError(f"{wheel.name} is not a wheel file name (name-version-tags.whl)")
        name = canonical_name(match["name"])
        if name in pins:
            raise BuildError(
                f"two wheels of {name} in {folder}: {pins[name]} and {match['version']}"
            )
        pins[name] = match["version"]
    return pins


def download_mwaa_wheels(
    dest: Path,
    constraints: Path,
    python_version: str = MWAA_PYTHON_VERSION,
    platforms: tuple[str, ...] = MWAA_PLATFORMS,
) -> dict[str, str]:
    """`pip download` MWAA_PACKAGES and their whole closure, binaries only, for MWAA's
    platform and Python, resolved against `constraints`; returns the wheels' pins."""
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="eventlake-mwaa-") as tmp:
        wanted = Path(tmp) / "requirements.txt"
        wanted.write_text("".join(f"{n}=={v}\n" for n, v in sorted(MWAA_PACKAGES.items())))
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--only-binary=:all:",
                *(arg for tag in platforms for arg in ("--platform", tag)),
                "--python-version",
                python_version,
                "--implementation",
                "cp",
                "--dest",
                str(dest),
                "-r",
                str(wanted),
                "-c",
                str(constraints),
            ]
        )
    pins = wheel_pins(dest)
    check_pins_agree(pins, read_constraints(constraints), str(constraints))
    missing = sorted(canonical_name(n) for n in MWAA_PACKAGES if canonical_name(n) not in pins)
    if missing:
        raise BuildError(f"pip download brought no wheel of {', '.join(missing)}")
    return pins


def write_zip(files: list[tuple[str, Path]], out: Path, epoch: int) -> None:
    """A reproducible zip: entries sorted by name, each stamped with `epoch` (UTC)."""
    stamp = max(datetime.fromtimestamp(epoch, UTC), datetime(1980, 1, 1, tzinfo=UTC))
    with zipfile.ZipFile(out, "w") as zf:
        for name, path in sorted(files):
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.external_attr = 0o644 << 16
            # Wheels are zip archives already: stored, not deflated again.
            info.compress_type = (
                zipfile.ZIP_STORED if name.endswith(".whl") else zipfile.ZIP_DEFLATED
            )
            zf.writestr(info, path.read_bytes())


def build_mwaa_files(
    dist: Path,
    epoch: int,
    *,
    airflow_version: str = MWAA_AIRFLOW_VERSION,
    python_version: str = MWAA_PYTHON_VERSION,
    repo: Path | None = None,
) -> dict[str, str]:
    """Write `mwaa/requirements.txt` and `mwaa/plugins.zip` (wheels + constraints) under
    `dist`; returns the pins of the wheels in the zip."""
    constraints = mwaa_constraints_file(airflow_version, python_version, repo)
    check_pins_agree(MWAA_PACKAGES, read_constraints(constraints), str(constraints))
    (dist / MWAA_REQUIREMENTS).parent.mkdir(parents=True, exist_ok=True)
    (dist / MWAA_REQUIREMENTS).write_text(mwaa_requirements(airflow_version, python_version))
    with tempfile.TemporaryDirectory(prefix="eventlake-wheels-") as tmp:
        wheels = Path(tmp)
        pins = download_mwaa_wheels(wheels, constraints, python_version)
        files = [(w.name, w) for w in wheels.glob("*.whl")]
        files.append((MWAA_CONSTRAINTS_NAME, constraints))
        write_zip(files, dist / MWAA_PLUGINS, epoch)
    log.info("%s: %d wheels and %s", MWAA_PLUGINS, len(pins), MWAA_CONSTRAINTS_NAME)
    return pins


def _tar_filter(epoch: int):  # type: ignore[no-untyped-def]
    def reset(info: tarfile.TarInfo) -> tarfile.TarInfo:
        info.mtime = epoch
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    return reset


def write_tar_gz(src: Path, out: Path, epoch: int) -> None:
    """A reproducible tar.gz of the contents of `src` (sorted, owner 0, gzip mtime 0)."""
    with (
        out.open("wb") as raw,
        gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in sorted(src.rglob("*"), key=lambda p: p.relative_to(src).as_posix()):
            tar.add(
                path,
                arcname=path.relative_to(src).as_posix(),
                recursive=False,
                filter=_tar_filter(epoch),
            )


def standalone_python(version: str = ARCHIVE_PYTHON) -> Path:
    """The prefix of a uv-managed (python-build-standalone, relocatable) CPython `version`."""
    uv = _uv()
    _run([uv, "python", "install", version])
    out = subprocess.run(
        [uv, "python", "find", "--managed-python", version],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    exe = Path(out)
    prefix = subprocess.run(
        [str(exe), "-c", "import sys; print(sys.base_prefix)"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return Path(prefix)


def build_deps_archive(
    wheel: Path,
    out: Path,
    epoch: int,
    python_prefix: Path | None = None,
    lock: Path | None = None,
) -> Path:
    """Copy a relocatable CPython, install the locked dependencies of eventlake[aws]
    (`requirements/emr.lock`) and the wheel into it, pack it."""
    from eventlake.settings import PROJECT_ROOT

    lock = lock or PROJECT_ROOT / ARCHIVE_LOCK
    if not lock.is_file():
        raise BuildError(f"no dependency lock at {lock}: write it with `make lock`")
    prefix = python_prefix or standalone_python()
    with tempfile.TemporaryDirectory(prefix="eventlake-env-") as tmp:
        env_dir = Path(tmp) / "environment"
        shutil.copytree(prefix, env_dir, symlinks=True)
        for marker in env_dir.glob("lib/python3*/EXTERNALLY-MANAGED"):
            marker.unlink()
        for part in ARCHIVE_PRUNE:
            shutil.rmtree(env_dir / part, ignore_errors=True)
        # PYSPARK_PYTHON is ./environment/bin/python (eventlake.orchestration.emr).
        if not (env_dir / "bin" / "python").exists():
            (env_dir / "bin" / "python").symlink_to(f"python{ARCHIVE_PYTHON}")
        python = env_dir / "bin" / f"python{ARCHIVE_PYTHON}"
        uv = _uv()
        target = [
            "--python",
            str(python),
            "--break-system-packages",
            "--python-platform",
            ARCHIVE_PLATFORM,
            "--python-version",
            ARCHIVE_PYTHON,
        ]
        # The dependencies exactly as locked (hashes checked), then the wheel on top of them.
        _run([uv, "pip", "install", "--quiet", *target, "--require-hashes", "-r", str(lock)])
        _run([uv, "pip", "install", "--quiet", *target, "--no-deps", str(wheel)])
        _run(
            [
                uv,
                "pip",
                "uninstall",
                "--quiet",
                "--python",
                str(python),
                "--break-system-packages",
                *ARCHIVE_EXCLUDE,
            ]
        )
        for cache in env_dir.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)
        write_tar_gz(env_dir, out, epoch)
    return out


def build_release(
    release_id: str,
    dist: Path = DEFAULT_DIST,
    *,
    repo: Path | None = None,
    deps_archive: Path | None = None,
    airflow_version: str = MWAA_AIRFLOW_VERSION,
    mwaa_python: str = MWAA_PYTHON_VERSION,
) -> dict[str, Any]:
    """Build every release file into a fresh `dist` and write its manifest."""
    from eventlake.settings import PROJECT_ROOT

    repo = (repo or PROJECT_ROOT).resolve()
    if not (repo / "pyproject.toml").is_file():
        raise InputError(f"{repo} is not the eventlake repository (no pyproject.toml)")
    if not release_id or any(c in release_id for c in "/\\ "):
        raise InputError(f"release id {release_id!r} must be a non-empty name without / or spaces")
    epoch = source_date_epoch(repo)
    if dist.exists():
        shutil.rmtree(dist)
    dist.mkdir(parents=True)

    wheel = build_wheel(repo, dist, epoch)
    unpack_package(wheel, dist / DAGS_DIR)
    extract_entry_point(wheel, dist / ENTRYPOINT)
    for dag_file in sorted((repo / "dags").glob("*.py")):
        shutil.copy2(dag_file, dist / DAGS_DIR / dag_file.name)
    # The package beside the DAG is importable (the DAG folder is on sys.path) but no DAG file.
    (dist / AIRFLOWIGNORE).write_text("eventlake/\n")
    build_mwaa_files(
        dist, epoch, airflow_version=airflow_version, python_version=mwaa_python, repo=repo
    )

    if deps_archive is not None:
        if not deps_archive.is_file():
            raise InputError(f"--deps-archive {deps_archive} does not exist")
        shutil.copy2(deps_archive, dist / DEPS_ARCHIVE)
    else:
        build_deps_archive(wheel, dist / DEPS_ARCHIVE, epoch, lock=repo / ARCHIVE_LOCK)

    for pycache in dist.rglob("__pycache__"):
        shutil.rmtree(pycache)
    built_at = datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = write_manifest(dist, release_id, built_at=built_at)
    log.info("release %s built in %s (%d files)", release_id, dist, len(manifest["files"]))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eventlake.tools.release", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--release-id", help="the git commit SHA of the build")
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="output folder (emptied)")
    parser.add_argument("--repo", type=Path, default=None, help="repository root")
    parser.add_argument(
        "--deps-archive",
        type=Path,
        default=None,
        help="use this pyspark_deps.tar.gz, built elsewhere",
    )
    parser.add_argument("--mwaa-airflow-version", default=MWAA_AIRFLOW_VERSION)
    parser.add_argument("--mwaa-python-version", default=MWAA_PYTHON_VERSION)
    parser.add_argument(
        "--mwaa-only",
        action="store_true",
        help=f"write only {MWAA_REQUIREMENTS} and {MWAA_PLUGINS} under --dist (no manifest)",
    )
    args = parser.parse_args(argv)
    if not args.mwaa_only and not args.release_id:
        parser.error("--release-id is required (except with --mwaa-only)")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.mwaa_only:
            from eventlake.settings import PROJECT_ROOT

            repo = (args.repo or PROJECT_ROOT).resolve()
            build_mwaa_files(
                args.dist,
                source_date_epoch(repo),
                airflow_version=args.mwaa_airflow_version,
                python_version=args.mwaa_python_version,
                repo=repo,
            )
            return 0
        build_release(
            args.release_id,
            args.dist,
            repo=args.repo,
            deps_archive=args.deps_archive,
            airflow_version=args.mwaa_airflow_version,
            mwaa_python=args.mwaa_python_version,
        )
    except EventlakeError as exc:
        print(f"eventlake release: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
