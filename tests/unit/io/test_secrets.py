"""Where the ip hash key comes from: a local 0600 file, or Secrets Manager (moto server)."""

from __future__ import annotations

import dataclasses
import stat

import pytest

from eventlake.errors import ConfigurationError
from eventlake.io.secrets import LOCAL_KEY_FILE, ip_hash_key
from eventlake.settings import load_settings

SECRET = "s" * 40  # 40 bytes: zero-padded to the 64-byte block
# (s = 0x73) xor 0x36 = 0x45 for the key bytes, then 0x00 xor 0x36 for the padding.
INNER_PAD = b"\x45" * 40 + b"\x36" * 24


def test_local_key_is_generated_once_with_mode_0600_and_reused(state_home):
    settings = load_settings("local")
    first = ip_hash_key(settings)
    path = state_home / LOCAL_KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert len(text) == 64 and set(text) <= set("0123456789abcdef")
    second = ip_hash_key(settings)
    assert first.secret_forms() == second.secret_forms()
    assert path.read_text() == text
    assert repr(first) == f"HmacKey(source='key file {path}')"


def test_local_key_readable_by_others_is_refused(state_home):
    path = state_home / LOCAL_KEY_FILE
    path.parent.mkdir(parents=True)
    path.write_text("a" * 64)
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match=r"readable by other users.*chmod 600"):
        ip_hash_key(load_settings("local"))


def test_aws_without_a_secret_names_the_secret_to_create(state_home, monkeypatch):
    monkeypatch.delenv("EVENTLAKE_IP_HASH_SECRET", raising=False)
    with pytest.raises(ConfigurationError) as err:
        ip_hash_key(load_settings("aws"))
    message = str(err.value)
    assert "eventlake-<env>-ip-hash-key" in message
    assert "EVENTLAKE_IP_HASH_SECRET" in message and "eventlake_ip_hash_secret_arn" in message
    assert not (state_home / LOCAL_KEY_FILE).exists()


def test_aws_key_comes_from_secrets_manager(state_home, s3_env, monkeypatch):
    import boto3

    arn = boto3.client("secretsmanager").create_secret(
        Name="eventlake-dev-ip-hash-key", SecretString=SECRET
    )["ARN"]
    monkeypatch.setenv("EVENTLAKE_IP_HASH_SECRET", arn)
    settings = load_settings("aws")
    assert settings.etl.ip_hash_secret == arn
    key = ip_hash_key(settings)
    assert key.secret_forms()[0] == INNER_PAD
    assert repr(key) == f"HmacKey(source='Secrets Manager secret {arn}')"
    assert not (state_home / LOCAL_KEY_FILE).exists()


def test_missing_or_short_secret_is_a_clear_error_without_the_value(state_home, s3_env):
    import boto3

    settings = load_settings("aws")
    missing = dataclasses.replace(settings.etl, ip_hash_secret="eventlake-nowhere-ip-hash-key")
    with pytest.raises(ConfigurationError, match=r"ResourceNotFoundException.*does not exist"):
        ip_hash_key(dataclasses.replace(settings, etl=missing))

    boto3.client("secretsmanager").create_secret(Name="short-key", SecretString="hunter2-key")
    short = dataclasses.replace(settings.etl, ip_hash_secret="short-key")
    with pytest.raises(ConfigurationError) as err:
        ip_hash_key(dataclasses.replace(settings, etl=short))
    assert "11 bytes" in str(err.value) and "at least 32" in str(err.value)
    assert "hunter2" not in str(err.value)
