"""The only SparkSession builder: Delta Lake, S3A for s3:// URIs, UTC, sized for the machine."""

from __future__ import annotations

import hashlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

from eventlake.settings import CONF_DIR, Settings

LOG4J_CONF = CONF_DIR / "log4j2.properties"

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DELTA_PACKAGE = "io.delta:delta-spark_2.13:4.0.0"
# Must match the Hadoop client that pyspark 4.0.x bundles (3.4.1).
HADOOP_AWS_PACKAGE = "org.apache.hadoop:hadoop-aws:3.4.1"


S3_IMPL_CONF = "spark.hadoop.fs.s3.impl"


def packages(with_s3: bool = True) -> list[str]:
    """The Maven coordinates of the extra jars eventlake needs on top of pyspark's own."""
    return [DELTA_PACKAGE] + ([HADOOP_AWS_PACKAGE] if with_s3 else [])


def jars_manifest(settings: Settings, coordinates: list[str]) -> Path:
    """The file listing the jars Ivy resolved for these coordinates (written on first use)."""
    key = hashlib.sha256(",".join(coordinates).encode()).hexdigest()[:16]
    return Path(os.path.expanduser(settings.spark.ivy_dir)) / f"eventlake-jars-{key}.txt"


def resolved_jars(settings: Settings, coordinates: list[str]) -> list[str] | None:
    """The local jar files of an earlier resolution of these coordinates, if all still exist."""
    manifest = jars_manifest(settings, coordinates)
    try:
        jars = [line for line in manifest.read_text().splitlines() if line.strip()]
    except OSError:
        return None
    return jars if jars and all(Path(j).is_file() for j in jars) else None


def record_resolved_jars(settings: Settings, coordinates: list[str], spark_jars: str) -> None:
    """Write the manifest from a session's `spark.jars` (the jar URIs Ivy resolved)."""
    jars = [
        unquote(urlparse(j).path) if j.startswith("file:") else j for j in spark_jars.split(",")
    ]
    jars = [j for j in jars if j.endswith(".jar") and Path(j).is_file()]
    if not jars:
        return
    manifest = jars_manifest(settings, coordinates)
    manifest.parent.mkdir(parents=True, exist_ok=True)
    tmp = manifest.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("".join(f"{j}\n" for j in sorted(jars)))
    tmp.replace(manifest)


def local_jars(settings: Settings, with_s3: bool = True) -> list[str] | None:
    """The resolved jar files to put on a local session's class path, else None (resolve)."""
    if not settings.spark.resolve_packages or not (settings.spark.master or "").startswith("local"):
        return None
    return resolved_jars(settings, packages(with_s3))


def jar_confs(settings: Settings, with_s3: bool = True) -> dict[str, str]:
    """`spark.jars.packages` (resolved by Spark's Ivy into the cache dir), unless
    `jar_env` puts the jars of an earlier resolution on the class path instead."""
    if not settings.spark.resolve_packages or local_jars(settings, with_s3):
        return {}
    return {
        "spark.jars.packages": ",".join(packages(with_s3)),
        "spark.jars.ivy": os.path.expanduser(settings.spark.ivy_dir),
    }


def jar_env(settings: Settings, with_s3: bool = True) -> dict[str, str]:
    """Environment for launching a local Spark JVM with already-resolved jars.

    `SPARK_DIST_CLASSPATH` is appended *after* Spark's own jars (the AWS SDK bundle carries
    its own slf4j 1.7 and netty, which must not shadow Spark's; `spark.driver.extraClassPath`
    would put them first). Compared with `spark.jars.packages` this skips the Ivy resolution,
    the copy of every jar (the SDK bundle is 560 MB) into the session's temp dir, and PySpark
    putting the jars on `sys.path`, where every Python import scanned them (+8 s of imports
    per job).
    """
    jars = local_jars(settings, with_s3)
    if not jars:
        return {}
    current = [p for p in os.environ.get("SPARK_DIST_CLASSPATH", "").split(os.pathsep) if p]
    return {
        "SPARK_DIST_CLASSPATH": os.pathsep.join([*current, *(j for j in jars if j not in current)])
    }


def spark_confs(settings: Settings, with_s3: bool = True, jars: bool = True) -> dict[str, str]:
    """Every Spark conf eventlake sets, as a plain dict (also used for EMR Serverless submits,
    with `jars=False`: EMR brings its own Delta and S3 jars)."""
    confs: dict[str, str] = {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.catalog.spark_catalog": "org.apache.spark.sql.delta.catalog.DeltaCatalog",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": str(settings.spark.shuffle_partitions),
        "spark.sql.adaptive.enabled": "true",
        # Coalesce shuffle partitions to the advisory size (64 MB), not to the core count: a
        # 1M-event day gets ~6 partitions, a 4M one ~25, a test a single one. (With 4 fixed
        # partitions the 4M-event ETL ran out of a 4 GB heap writing the events.)
        "spark.sql.adaptive.coalescePartitions.parallelismFirst": "false",
        # ... also in cached plans (the ETL persists its classified rows).
        "spark.sql.optimizer.canChangeCachedPlanOutputPartitioning": "true",
        "spark.ui.showConsoleProgress": "false",
        # PySpark 4 records the Python call site of every DataFrame/Column function for error
        # messages: ~5 extra JVM round trips per call. Building the ETL's plan took 1.4 s per
        # run with it and 0.8 s without (x14 days in `make run`). Errors still name the
        # failing expression and the job; only the Python line of the Column is missing.
        "spark.python.sql.dataFrameDebugging.enabled": "false",
        # A whole-stage-codegen method over HotSpot's 8,000-byte limit runs interpreted: the
        # ETL's classify stage generated one that C1 and C2 both failed to compile even with
        # -XX:-DontCompileHugeMethods (JFR: "out of virtual registers", "out of nodes"). At
        # 8000, Spark's documented value for HotSpot, such a stage runs its operators one by
        # one with compiled expression code instead (1M events, fresh process, idle machine:
        # 222 s against 230 s, one round each; under load 47-50 s against 60-76 s for the
        # classify stage at 300k rows, since the failed compiles no longer take a core for
        # 15 s each). Spark logs the plan when it falls back;
        # that logger is kept at ERROR (conf/log4j2.properties, emr.configuration_overrides),
        # since the plan holds the ip-hash key's pads as literals.
        "spark.sql.codegen.hugeMethodLimit": "8000",
        "spark.ui.enabled": str(settings.spark.ui).lower(),
        "spark.databricks.delta.retentionDurationCheck.enabled": "true",
        # s3:// URIs go through S3A, as s3a:// would (open-source Spark has no s3:// file
        # system; `eventlake.orchestration.emr` drops this on EMR, where EMRFS serves s3://).
        S3_IMPL_CONF: "org.apache.hadoop.fs.s3a.S3AFileSystem",
    }
    if settings.spark.delta_snapshot_partitions:
        # Tasks per Delta log replay (default 50): 4 cut the ETL's Delta-log time from
        # 14-19 s to 2-5 s in the local bench.
        confs["spark.databricks.delta.snapshotPartitions"] = str(
            settings.spark.delta_snapshot_partitions
        )
    if settings.spark.driver_java_options:
        # In local mode the driver JVM runs the tasks too. HotSpot does not compile methods
        # over 8,000 bytes of bytecode, and the ETL's generated projection is one of them.
        # A driver this project launches also logs through its own Log4j file, at the
        # settings' level from its first line on (conf/log4j2.properties).
        confs["spark.driver.defaultJavaOptions"] = " ".join(
            [
                settings.spark.driver_java_options,
                f"-Dlog4j2.configurationFile={LOG4J_CONF.as_uri()}",
                f"-Deventlake.spark.log.level={log_level(settings)}",
            ]
        )
    if jars:
        confs.update(jar_confs(settings, with_s3))
    confs.update(spark_confs_s3_only(settings))
    return confs


def log_level(settings: Settings) -> str:
    """Spark's log level: the settings', else WARN (a DAG task's log; a terminal command sets
    it from the console's level, see `eventlake.console`)."""
    return settings.spark.log_level or "WARN"


def _drop_jar_paths() -> None:
    """Take jar files off `sys.path` (PySpark adds `spark.jars.packages` jars there as if they
    held Python code; importlib then scans them on every metadata lookup and import, MLflow's
    included). Only a session that resolved its jars through Ivy (the first on a machine,
    `eventlake jars`) has them: later ones take the recorded jars through `jar_env`. Done
    here, where a session is made or reused, so no job has to."""
    sys.path[:] = [p for p in sys.path if not p.endswith(".jar")]


def get_spark(settings: Settings, app_name: str = "eventlake") -> SparkSession:
    """Get or create the process's SparkSession. Reused across the steps of a run."""
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        apply_s3_endpoint(active, settings)
        _drop_jar_paths()
        return active
    builder = SparkSession.builder.appName(app_name)
    if settings.spark.master:
        builder = builder.master(settings.spark.master)
    if settings.spark.driver_memory:
        builder = builder.config("spark.driver.memory", settings.spark.driver_memory)
    confs = spark_confs(settings)
    for key, value in confs.items():
        builder = builder.config(key, value)
    # The JVM launcher reads these from this process's environment. Python workers (UDFs)
    # must run this interpreter, the one with eventlake installed, not `python3` on PATH.
    os.environ.update(jar_env(settings))
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    spark = builder.getOrCreate()
    _drop_jar_paths()
    if "spark.jars.packages" in confs:
        # First resolution on this machine: remember the jar files for the next sessions.
        record_resolved_jars(
            settings,
            confs["spark.jars.packages"].split(","),
            spark.sparkContext.getConf().get("spark.jars", ""),
        )
    spark.sparkContext.setLogLevel(log_level(settings))
    return spark


def apply_s3_endpoint(spark: SparkSession, settings: Settings) -> None:
    """Put these settings' S3 endpoint into a live session's Hadoop conf.

    Lets one long-lived session (tests, a reused driver) follow the endpoint of each job's
    settings.
    """
    confs = spark_confs_s3_only(settings)
    if not confs:
        return
    hconf = spark.sparkContext._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    for key, value in confs.items():
        hconf.set(key.removeprefix("spark.hadoop."), value)
    # The JVM read its environment when it started; credentials exported since then reach
    # S3A only through the live Hadoop conf. Held in memory, never logged or persisted.
    # Credentials are deliberately not Settings (which may be written to a job's settings
    # file): they are read from the AWS credential variables here, as the AWS SDKs do.
    for env_name, key in (
        ("AWS_ACCESS_KEY_ID", "fs.s3a.access.key"),
        ("AWS_SECRET_ACCESS_KEY", "fs.s3a.secret.key"),
        ("AWS_SESSION_TOKEN", "fs.s3a.session.token"),
    ):
        if os.environ.get(env_name):
            hconf.set(key, os.environ[env_name])
    for scheme in ("s3", "s3a"):
        hconf.set(f"fs.{scheme}.impl.disable.cache", "true")


def spark_confs_s3_only(settings: Settings) -> dict[str, str]:
    """S3A confs for a non-AWS S3 endpoint (`settings.aws.endpoint_url`), else none."""
    endpoint = settings.aws.endpoint_url
    if not endpoint:
        return {}
    return {
        "spark.hadoop.fs.s3a.endpoint": endpoint,
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": str(
            urlparse(endpoint).scheme == "https"
        ).lower(),
        "spark.hadoop.fs.s3a.endpoint.region": settings.aws.region or "us-east-1",
        # A local S3-API server has no multi-part change detection via version ids.
        "spark.hadoop.fs.s3a.change.detection.mode": "none",
    }
