"""How Spark's extra jars reach a session: Ivy the first time, the recorded files after."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from eventlake.settings import load_settings
from eventlake.spark import jar_env, record_resolved_jars, spark_confs

PACKAGES = "io.delta:delta-spark_2.13:4.0.0,org.apache.hadoop:hadoop-aws:3.4.1"


def local_settings(ivy_dir, master="local[2]"):
    settings = load_settings("local")
    spark = dataclasses.replace(settings.spark, ivy_dir=str(ivy_dir), master=master)
    return dataclasses.replace(settings, spark=spark)


def fake_jars(tmp_path, names):
    paths = []
    for name in names:
        path = tmp_path / "jars" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"PK")
        paths.append(str(path))
    return paths


def test_first_session_resolves_the_packages_with_ivy(state_home, tmp_path):
    settings = local_settings(tmp_path / "ivy")
    confs = spark_confs(settings)
    assert confs["spark.jars.packages"] == PACKAGES
    assert confs["spark.jars.ivy"] == str(tmp_path / "ivy")
    assert jar_env(settings) == {}


def test_recorded_jars_go_after_sparks_own_class_path(state_home, tmp_path, monkeypatch):
    settings = local_settings(tmp_path / "ivy")
    delta, aws = fake_jars(tmp_path, ["delta.jar", "aws-bundle.jar"])
    record_resolved_jars(
        settings, PACKAGES.split(","), f"file://{delta},file://{aws},spark://host/not-a-file"
    )
    monkeypatch.setenv("SPARK_DIST_CLASSPATH", "/opt/hadoop/conf")

    confs = spark_confs(settings)
    assert not any(key.startswith("spark.jars") for key in confs)
    assert "spark.driver.extraClassPath" not in confs
    assert jar_env(settings) == {"SPARK_DIST_CLASSPATH": f"/opt/hadoop/conf:{aws}:{delta}"}


def test_a_deleted_jar_means_resolving_again(state_home, tmp_path):
    settings = local_settings(tmp_path / "ivy")
    (delta,) = fake_jars(tmp_path, ["delta.jar"])
    record_resolved_jars(settings, PACKAGES.split(","), f"file://{delta}")
    (tmp_path / "jars" / "delta.jar").unlink()
    assert spark_confs(settings)["spark.jars.packages"] == PACKAGES
    assert jar_env(settings) == {}


def test_a_cluster_master_always_resolves(state_home, tmp_path):
    """Worker nodes do not have this machine's Ivy cache."""
    settings = local_settings(tmp_path / "ivy", master="spark://cluster:7077")
    (delta,) = fake_jars(tmp_path, ["delta.jar"])
    record_resolved_jars(settings, PACKAGES.split(","), f"file://{delta}")
    assert spark_confs(settings)["spark.jars.packages"] == PACKAGES
    assert jar_env(settings) == {}


def test_emr_confs_carry_no_jar_settings(state_home, tmp_path):
    confs = spark_confs(local_settings(tmp_path / "ivy"), jars=False)
    assert not any("jars" in key or "ClassPath" in key for key in confs)
    assert confs["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"


def test_local_driver_jvm_may_compile_huge_generated_methods(state_home, tmp_path):
    confs = spark_confs(local_settings(tmp_path / "ivy"))
    options = confs["spark.driver.defaultJavaOptions"].split(" ")
    assert options[0] == "-XX:-DontCompileHugeMethods"


def test_local_driver_logs_through_the_packaged_log4j_file_at_the_settings_level(
    state_home, tmp_path
):
    settings = local_settings(tmp_path / "ivy")
    quiet = settings.replace(spark=dataclasses.replace(settings.spark, log_level="ERROR"))
    options = spark_confs(quiet)["spark.driver.defaultJavaOptions"].split(" ")
    conf_file = Path(__file__).parents[2] / "src" / "eventlake" / "conf" / "log4j2.properties"
    assert options[1:] == [
        f"-Dlog4j2.configurationFile=file://{conf_file}",
        "-Deventlake.spark.log.level=ERROR",
    ]
    # Unset (a DAG task's job): WARN, Spark's usual level.
    assert spark_confs(settings)["spark.driver.defaultJavaOptions"].endswith(
        " -Deventlake.spark.log.level=WARN"
    )


def test_codegen_falls_back_below_the_jit_limit_and_never_logs_its_plan(spark):
    """A whole-stage-codegen method over HotSpot's 8,000 bytes would run interpreted; when a
    stage falls back, Spark logs its plan with the literals (the ETL's holds the ip-hash
    pads), so that logger stays at ERROR even when Spark's level is raised to INFO."""
    log_manager = spark._jvm.org.apache.logging.log4j.LogManager
    assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "8000"
    before = log_manager.getRootLogger().getLevel().toString()
    spark.sparkContext.setLogLevel("INFO")
    try:
        root = log_manager.getRootLogger().getLevel().toString()
        codegen = log_manager.getLogger("org.apache.spark.sql.execution.WholeStageCodegenExec")
        level = codegen.getLevel().toString()
    finally:
        spark.sparkContext.setLogLevel(before)
    assert (root, level) == ("INFO", "ERROR")


def test_aws_settings_leave_the_driver_jvm_options_to_emr(state_home):
    confs = spark_confs(load_settings("aws"), jars=False)
    assert "spark.driver.defaultJavaOptions" not in confs
    assert "spark.driver.extraJavaOptions" not in confs


def test_a_session_leaves_no_jar_on_sys_path(spark):
    """Whether the session took its jars from Ivy or from the record, no jar is left on
    sys.path, where every import and MLflow's package lookups would scan it."""
    import sys

    from eventlake.settings import load_settings
    from eventlake.spark import get_spark

    assert get_spark(load_settings()) is spark
    assert [p for p in sys.path if p.endswith(".jar")] == []


def test_the_suite_evaluates_interpreted_and_the_jobs_compile(spark, state_home):
    """The suite's Spark defaults (tests/fixtures/spark-conf) reach the session; the jobs'
    own confs, local and on EMR, leave Spark's codegen on."""
    assert spark.conf.get("spark.sql.codegen.factoryMode") == "NO_CODEGEN"
    assert spark.conf.get("spark.sql.codegen.wholeStage") == "false"
    for env in ("local", "aws"):
        confs = spark_confs(load_settings(env), jars=False)
        assert "spark.sql.codegen.factoryMode" not in confs
        assert "spark.sql.codegen.wholeStage" not in confs
