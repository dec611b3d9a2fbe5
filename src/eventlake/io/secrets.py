"""The ip hash key: where it lives, and how it is read. Its value is never logged or shown.

- `etl.ip_hash_secret` set (EVENTLAKE_IP_HASH_SECRET; on AWS the ARN of the Terraform-managed
  Secrets Manager secret `eventlake-<env>-ip-hash-key`, from the Airflow Variable
  `eventlake_ip_hash_secret_arn`): the secret's value, read once at job start with
  `GetSecretValue`.
- otherwise, with the `local` environment only: a random key generated on first use into
  `<state dir>/secrets/ip-hash.key` (file mode 0600), and read from there afterwards.
- otherwise (e.g. EVENTLAKE_ENV=aws without a secret): ConfigurationError, naming the secret
  to create, before the job reads any data.

The key is the secret's text (SecretString, UTF-8) or bytes (SecretBinary), at least 32 bytes.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path
from typing import Any

from eventlake.errors import ConfigurationError
from eventlake.settings import Settings
from eventlake.transforms.keyed_hash import HmacKey

log = logging.getLogger(__name__)

LOCAL_KEY_FILE = Path("secrets") / "ip-hash.key"
SECRET_NAME_PATTERN = "eventlake-<env>-ip-hash-key"
# A shorter key is refused: a short or guessable key makes the hash of an IPv4 address
# reversible by trying all 2^32 addresses with candidate keys.
MIN_KEY_BYTES = 32
# The HMAC pads are 64-byte binary literals of the ETL's query plan. Spark prints binary
# literals as 0x + 128 hex digits (X'...' in SQL text, e.g. generated column names); this
# pattern hides them in plan strings (explain, the UI's SQL tab, event logs, EMR's history).
PLAN_REDACTION = "(?:0x|X')[0-9A-Fa-f]{128}"
REDACTION_CONF = "spark.sql.redaction.string.regex"


def ip_hash_key(settings: Settings) -> HmacKey:
    """The deployment's ip hash key, from Secrets Manager or the local key file."""
    name = settings.etl.ip_hash_secret
    if name:
        value = _secrets_manager_value(name, settings.aws.region)
        return _checked(value, f"Secrets Manager secret {name}")
    if settings.env != "local":
        raise ConfigurationError(
            f"no ip hash key for environment {settings.env!r}: create the Secrets Manager "
            f"secret {SECRET_NAME_PATTERN} (infra/terraform creates it) and pass its ARN as "
            f"EVENTLAKE_IP_HASH_SECRET (the DAG sets it from the Airflow Variable "
            f"eventlake_ip_hash_secret_arn) or as etl.ip_hash_secret; nothing was read"
        )
    path = settings.home / LOCAL_KEY_FILE
    return _checked(local_key(path), f"key file {path}")


def _checked(secret: bytes, source: str) -> HmacKey:
    if len(secret) < MIN_KEY_BYTES:
        raise ConfigurationError(
            f"the ip hash key in {source} has {len(secret)} bytes; it needs at least "
            f"{MIN_KEY_BYTES} random bytes (e.g. 64 hex digits)"
        )
    return HmacKey(secret, source)


def local_key(path: Path) -> bytes:
    """The key in `path`; generated first (64 hex digits of randomness, mode 0600) if absent.

    Created under a temporary name and hard-linked into place, so two jobs starting at once
    agree on one key and nobody ever reads a half-written file.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w") as out:
                out.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(tmp, path)
                log.info("generated a new ip hash key in %s", path)
        finally:
            tmp.unlink(missing_ok=True)
    mode = path.stat().st_mode & 0o777
    if mode & 0o077:
        raise ConfigurationError(
            f"{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`"
        )
    return path.read_bytes().strip()


def _secrets_manager_value(secret_id: str, region: str | None) -> bytes:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    # boto3 finds the endpoint itself (AWS_ENDPOINT_URL[_SECRETS_MANAGER]), as for credentials.
    client: Any = boto3.client("secretsmanager", region_name=region)
    try:
        response = client.get_secret_value(SecretId=secret_id)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        hint = {
            "ResourceNotFoundException": f"it does not exist: create {SECRET_NAME_PATTERN}",
            "AccessDeniedException": "the job's role lacks secretsmanager:GetSecretValue on it",
        }.get(code, "check that it exists and that the job's role may read it")
        raise ConfigurationError(
            f"cannot read the ip hash key from Secrets Manager secret {secret_id} ({code}): "
            f"{hint}; nothing was read"
        ) from None
    except BotoCoreError as exc:
        raise ConfigurationError(
            f"cannot reach Secrets Manager for secret {secret_id}: {type(exc).__name__}"
        ) from None
    if response.get("SecretString") is not None:
        return str(response["SecretString"]).encode()
    if response.get("SecretBinary") is not None:
        return bytes(response["SecretBinary"])
    raise ConfigurationError(f"Secrets Manager secret {secret_id} has no value; set one")


def hide_plan_literals(spark: Any) -> None:
    """Add PLAN_REDACTION to the session's plan-string redaction (kept if already there)."""
    current = spark.conf.get(REDACTION_CONF, None)
    if current and PLAN_REDACTION in current:
        return
    spark.conf.set(REDACTION_CONF, f"{current}|{PLAN_REDACTION}" if current else PLAN_REDACTION)
