"""The lake lease: one holder, a clear refusal naming it, takeover of an expired lease; on a
local folder and on S3 (moto server, conditional puts)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import boto3
import pytest

from eventlake.io import lease


def _lake(tmp_path: Path) -> str:
    return f"file://{tmp_path}/lake"


def test_acquire_second_run_is_refused_naming_the_holder_and_expiry(tmp_path):
    first = lease.acquire(_lake(tmp_path), "run A", ttl_seconds=600, wait_seconds=0)
    with pytest.raises(lease.LakeBusy) as err:
        lease.acquire(_lake(tmp_path), "run B", ttl_seconds=600, wait_seconds=0.3, poll_seconds=0.1)
    message = str(err.value)
    assert "in use by run A" in message
    assert f"lease expires {first.info.expires_at}" in message
    assert "waited 0.3 s" in message
    lease.release(first)
    second = lease.acquire(_lake(tmp_path), "run B", ttl_seconds=600, wait_seconds=0)
    assert second.info.owner == "run B" and second.took_over is None


def test_acquire_waits_for_a_release(tmp_path):
    import threading

    first = lease.acquire(_lake(tmp_path), "run A", ttl_seconds=600, wait_seconds=0)
    threading.Timer(0.5, lease.release, args=(first,)).start()
    started = time.monotonic()
    second = lease.acquire(
        _lake(tmp_path), "run B", ttl_seconds=600, wait_seconds=10, poll_seconds=0.1
    )
    assert 0.4 < time.monotonic() - started < 5
    assert second.info.owner == "run B"


def test_expired_lease_is_taken_over_and_recorded(tmp_path):
    dead = lease.acquire(_lake(tmp_path), "killed run", ttl_seconds=1, wait_seconds=0)
    time.sleep(1.2)
    taker = lease.acquire(_lake(tmp_path), "run B", ttl_seconds=600, wait_seconds=0)
    assert taker.took_over["owner"] == "killed run"
    assert taker.took_over["token"] == dead.info.token
    stored = json.loads((tmp_path / "lake" / "_lease.json").read_text())
    assert stored["owner"] == "run B" and stored["took_over"]["owner"] == "killed run"
    lease.release(dead)  # the dead holder's late release must not free the new lease
    assert (tmp_path / "lake" / "_lease.json").exists()


def test_renew_pushes_the_expiry_and_fails_once_taken_over(tmp_path):
    held = lease.acquire(_lake(tmp_path), "run A", ttl_seconds=1, wait_seconds=0)
    first_expiry = held.info.expires_at
    time.sleep(1.1)
    assert lease.renew(held, ttl_seconds=600)
    assert held.info.expires_at > first_expiry
    with pytest.raises(lease.LakeBusy):
        lease.acquire(_lake(tmp_path), "run B", ttl_seconds=600, wait_seconds=0)


def test_s3_lease_conditional_put_refuses_and_takes_over(s3_env):
    boto3.client("s3", endpoint_url=s3_env).create_bucket(Bucket="lease-test")
    lake = "s3://lease-test/lake"
    first = lease.acquire(lake, "run A", ttl_seconds=5, wait_seconds=0)
    with pytest.raises(lease.LakeBusy, match="in use by run A"):
        lease.acquire(lake, "run B", ttl_seconds=600, wait_seconds=0)
    time.sleep(5.2)
    taker = lease.acquire(lake, "run B", ttl_seconds=600, wait_seconds=0)
    assert taker.took_over["owner"] == "run A"
    lease.release(first)  # conditional delete on the old ETag: a no-op
    body = boto3.client("s3", endpoint_url=s3_env).get_object(
        Bucket="lease-test", Key="lake/_lease.json"
    )
    assert json.loads(body["Body"].read())["owner"] == "run B"
    lease.release(taker)
    again = lease.acquire(lake, "run C", ttl_seconds=600, wait_seconds=0)
    assert again.took_over is None


def test_holder_keeps_renewing_after_a_failed_renewal(tmp_path, monkeypatch, caplog):
    """A renewal that raises (a transient S3 error) is logged and tried again at the next
    third of the time to live: the lease does not silently run out under a live holder."""
    real = lease.renew
    calls = []

    def flaky(held, ttl_seconds):
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise OSError("connection reset")
        return real(held, ttl_seconds)

    monkeypatch.setattr(lease, "renew", flaky)
    with lease.hold(_lake(tmp_path), "run A", ttl_seconds=0.6, wait_seconds=0) as held:
        first_expiry = held.info.expires_at
        time.sleep(1.0)  # renewals at ~0.2 s (fails), ~0.4 s, ~0.6 s, ~0.8 s
        stored = json.loads((tmp_path / "lake" / "_lease.json").read_text())
        assert len(calls) >= 3
        assert stored["expires_at"] > first_expiry
        assert stored["token"] == held.info.token
    assert "could not renew the lease" in caplog.text and "connection reset" in caplog.text
    assert not (tmp_path / "lake" / "_lease.json").exists()  # released at the end
