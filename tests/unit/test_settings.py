"""Settings: env selection, overrides, and errors that name the file."""

from __future__ import annotations

import pytest

from eventlake.errors import ConfigurationError
from eventlake.settings import load_settings


def test_local_defaults_live_under_the_state_dir(state_home):
    settings = load_settings("local")
    assert settings.raw_uri == f"file://{state_home}/bucket/raw"
    assert settings.lake_uri == f"file://{state_home}/bucket/lake"
    assert settings.etl.max_reject_ratio == 0.2
    assert settings.spark.resolve_packages is True


def test_environment_overrides_uris(state_home, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_LAKE_URI", "s3://lake/x")
    assert load_settings("local").lake_uri == "s3://lake/x"


def test_aws_env_takes_buckets_from_the_environment(state_home, monkeypatch):
    settings = load_settings("aws")
    assert settings.raw_uri == "s3://UNSET-EVENTLAKE_RAW_URI/raw"  # invalid on purpose
    assert settings.spark.resolve_packages is False
    monkeypatch.setenv("EVENTLAKE_RAW_URI", "s3://eventlake-prod-raw-123456789012/raw")
    assert load_settings("aws").raw_uri == "s3://eventlake-prod-raw-123456789012/raw"


def test_unknown_env_and_unknown_keys_are_refused(tmp_path, state_home):
    with pytest.raises(ConfigurationError, match="no configuration for environment 'nope'"):
        load_settings("nope")
    bad = tmp_path / "bad.yaml"
    bad.write_text("raw_uri: a\nlake_uri: b\nartifacts_uri: c\netl: {max_reject: 1}\n")
    with pytest.raises(
        ConfigurationError, match=r"bad\.yaml \[etl\]: unknown keys \['max_reject'\]"
    ):
        load_settings("local", conf_file=bad)


def test_missing_key_names_the_file(tmp_path, state_home):
    bad = tmp_path / "short.yaml"
    bad.write_text("raw_uri: a\n")
    with pytest.raises(ConfigurationError, match=r"short\.yaml: missing required key 'lake_uri'"):
        load_settings("local", conf_file=bad)
