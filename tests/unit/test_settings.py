"""Settings: env selection, base conf plus overrides, environment and Airflow Variables, and
errors that name the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from eventlake.errors import ConfigurationError
from eventlake.settings import Settings, load_settings, load_task_settings


def test_local_defaults_live_under_the_state_dir(state_home):
    settings = load_settings("local")
    assert settings.raw_uri == f"file://{state_home}/bucket/raw"
    assert settings.lake_uri == f"file://{state_home}/bucket/lake"
    assert settings.etl.max_reject_ratio == 0.2
    assert settings.spark.resolve_packages is True
    assert settings.lineage.file_path == f"{state_home}/lineage/openlineage.jsonl"
    assert settings.airflow.local_runner == "spark-submit"


def test_aws_conf_overrides_only_what_differs_from_base(state_home):
    settings = load_settings("aws")
    # from aws.yaml
    assert settings.etl.max_reject_ratio == 0.05
    assert (settings.spark.master, settings.spark.resolve_packages) == (None, False)
    assert settings.lineage.transport == "bucket"
    # from base.yaml
    assert settings.etl.high_value_threshold == 100
    assert settings.spark.shuffle_partitions == 64
    assert settings.ml.model_name == "eventlake-high-value"


def test_paths_come_from_the_conf_relative_to_the_working_directory(
    state_home, tmp_path, monkeypatch
):
    monkeypatch.delenv("EVENTLAKE_HOME")
    monkeypatch.chdir(tmp_path)
    settings = load_settings("local")
    assert settings.home == tmp_path / ".eventlake"
    assert settings.dags_dir == tmp_path / "dags"
    assert settings.sample_dir == tmp_path / "tests" / "fixtures" / "sample"
    monkeypatch.setenv("EVENTLAKE_SAMPLE_DIR", str(tmp_path / "other-sample"))
    assert load_settings("local").sample_dir == tmp_path / "other-sample"


def test_environment_overrides_uris(state_home, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_LAKE_URI", "s3://lake/x")
    assert load_settings("local").lake_uri == "s3://lake/x"


def test_environment_overrides_nested_settings(state_home, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow:5000")
    monkeypatch.setenv("EVENTLAKE_SPARK_LOG_LEVEL", "ERROR")
    monkeypatch.setenv("EVENTLAKE_LOCAL_RUNNER", "in-process")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:6000")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.delenv("AWS_REGION", raising=False)
    monkeypatch.setenv("OPENLINEAGE_URL", "http://marquez:5000")
    settings = load_settings("local")
    assert settings.tracking_uri == "http://mlflow:5000"
    assert settings.spark.log_level == "ERROR"
    assert settings.airflow.local_runner == "in-process"
    assert settings.aws.endpoint_url == "http://127.0.0.1:6000"  # the S3-specific one wins
    assert settings.aws.region == "eu-west-1"
    assert (settings.lineage.transport, settings.lineage.url) == ("http", "http://marquez:5000")


def test_aws_env_takes_buckets_from_the_environment(state_home, monkeypatch):
    settings = load_settings("aws")
    assert settings.raw_uri == "s3://UNSET-EVENTLAKE_RAW_URI/raw"  # invalid on purpose
    assert settings.spark.resolve_packages is False
    monkeypatch.setenv("EVENTLAKE_RAW_URI", "s3://eventlake-prod-raw-123456789012/raw")
    assert load_settings("aws").raw_uri == "s3://eventlake-prod-raw-123456789012/raw"


def test_task_settings_take_airflow_variables_after_the_environment(state_home, monkeypatch):
    variables = {
        "eventlake_target": "aws",
        "eventlake_lake_uri": "s3://eventlake-lake-123456789012/lake",
        "eventlake_raw_uri": "s3://eventlake-raw-123456789012/raw",
    }
    monkeypatch.delenv("EVENTLAKE_ENV", raising=False)
    monkeypatch.delenv("EVENTLAKE_TARGET", raising=False)
    monkeypatch.setenv("EVENTLAKE_RAW_URI", "s3://from-env/raw")
    settings = load_task_settings(variables.get)
    assert settings.env == "aws"  # the target's own conf when EVENTLAKE_ENV is unset
    assert settings.airflow.target == "aws"
    assert settings.lake_uri == "s3://eventlake-lake-123456789012/lake"
    assert settings.raw_uri == "s3://from-env/raw"  # the environment wins
    assert settings.etl.max_reject_ratio == 0.05


def test_settings_round_trip_through_json_for_a_job_process(state_home):
    settings = load_settings("local").replace(lake_uri="file:///task/lake")
    again = Settings.from_json(settings.to_json())
    assert again == settings
    assert isinstance(again.home, Path)


def test_unknown_env_and_unknown_keys_are_refused(tmp_path, state_home):
    with pytest.raises(ConfigurationError, match="no configuration for environment 'nope'"):
        load_settings("nope")
    with pytest.raises(ConfigurationError, match="no configuration for environment 'base'"):
        load_settings("base")
    bad = tmp_path / "bad.yaml"
    bad.write_text("raw_uri: a\nlake_uri: b\nartifacts_uri: c\netl: {max_reject: 1}\n")
    with pytest.raises(
        ConfigurationError, match=r"bad\.yaml \[etl\]: unknown keys \['max_reject'\]"
    ):
        load_settings("local", conf_file=bad)
    bad.write_text("raw_uri: a\nlake_uri: b\nartifacts_uri: c\nlake: x\n")
    with pytest.raises(ConfigurationError, match=r"bad\.yaml: unknown keys \['lake'\]"):
        load_settings("local", conf_file=bad)


def test_missing_key_names_the_file(tmp_path, state_home):
    bad = tmp_path / "short.yaml"
    bad.write_text("raw_uri: a\n")
    with pytest.raises(ConfigurationError, match=r"short\.yaml: missing required key 'lake_uri'"):
        load_settings("local", conf_file=bad)


def test_a_bad_target_names_where_it_came_from(state_home, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_TARGET", "gcp")
    with pytest.raises(ConfigurationError, match=r"eventlake_target is 'gcp' \(EVENTLAKE_TARGET"):
        load_settings("local")


def test_ready_marker_and_manifest_default_to_marker_free_and_are_checked(tmp_path, state_home):
    settings = load_settings("local")
    assert (settings.raw.ready_marker, settings.raw.manifest) == (None, None)
    assert load_settings("aws").raw.rule().objects == ()
    conf = tmp_path / "ready.yaml"
    conf.write_text(
        "raw_uri: a\nlake_uri: b\nartifacts_uri: c\n"
        "raw: {ready_marker: _SUCCESS, manifest: _manifest.json}\n"
    )
    assert load_settings("local", conf_file=conf).raw.rule().objects == (
        "_SUCCESS",
        "_manifest.json",
    )
    conf.write_text("raw_uri: a\nlake_uri: b\nartifacts_uri: c\nraw: {ready_marker: x/_SUCCESS}\n")
    with pytest.raises(ConfigurationError, match=r"raw\.ready_marker is 'x/_SUCCESS'"):
        load_settings("local", conf_file=conf)
    conf.write_text(
        "raw_uri: a\nlake_uri: b\nartifacts_uri: c\nraw: {ready_marker: m, manifest: m}\n"
    )
    with pytest.raises(ConfigurationError, match="are both 'm'"):
        load_settings("local", conf_file=conf)
