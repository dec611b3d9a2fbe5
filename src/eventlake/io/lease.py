"""One writer at a time: a lease on the lake, held by an ETL run from before it reads the lake
until after its last commit, and by a training for its whole run (jobs/train.run_train).

The lease is one small JSON object, `<lake-uri>/_lease.json`: owner, start time, expiry.

- Locally it is created with a hard link from a temporary file (atomic, fails if it exists).
- On S3 it is created with a conditional put (`If-None-Match: *`): exactly one of two
  concurrent puts succeeds, the other gets 412 Precondition Failed.

A second run polls until the lease is released, at most `wait_seconds`, then refuses with
LakeBusy naming the holder and when its lease expires. A lease past its expiry (its holder was
killed) is taken over: locally by renaming it away (one rename wins), on S3 by a put with
`If-Match: <its ETag>`. The new lease records the one it replaced, the takeover is logged, and
the taker's run record says so. The holder renews the lease every third of its time to live.

On AWS the lease orders eventlake's own runs; Delta's S3 DynamoDB LogStore is what protects
each commit.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from eventlake.errors import EventlakeError
from eventlake.io.bucket import join, local_path, s3_client, scheme, split_s3

log = logging.getLogger(__name__)

LEASE_NAME = "_lease.json"


class LakeBusy(EventlakeError):
    """Another run holds the lake's lease; the message names it and when it expires."""


@dataclass(frozen=True)
class LeaseInfo:
    owner: str
    token: str
    started_at: str  # ISO-8601 UTC
    expires_at: str
    took_over: dict[str, Any] | None = None

    @property
    def expired(self) -> bool:
        return datetime.fromisoformat(self.expires_at) <= datetime.now(UTC)

    def describe(self) -> str:
        return f"{self.owner} (since {self.started_at}, lease expires {self.expires_at})"


def _now() -> datetime:
    return datetime.now(UTC)


def _body(info: LeaseInfo) -> bytes:
    return json.dumps(asdict(info), sort_keys=True).encode()


def _parse(data: bytes) -> LeaseInfo | None:
    try:
        return LeaseInfo(**json.loads(data))
    except (TypeError, ValueError):
        return None  # being written, or not ours: treated as held


class _Store:
    """Create / read / replace / delete the lease object, each atomic."""

    def __init__(self, lake_uri: str) -> None:
        self.uri = join(lake_uri, LEASE_NAME)
        self.local = scheme(lake_uri) == "file"

    def create(self, info: LeaseInfo) -> str | None:
        """The new lease's version tag, or None when a lease exists."""
        if self.local:
            path = local_path(self.uri)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{LEASE_NAME}.{info.token}")
            tmp.write_bytes(_body(info))
            try:
                os.link(tmp, path)
            except FileExistsError:
                return None
            finally:
                tmp.unlink()
            return info.token
        from botocore.exceptions import ClientError

        bucket, key = split_s3(self.uri)
        try:
            resp = s3_client().put_object(Bucket=bucket, Key=key, Body=_body(info), IfNoneMatch="*")
        except ClientError as exc:
            if _status(exc) in (409, 412):
                return None
            raise
        return str(resp["ETag"])

    def read(self) -> tuple[LeaseInfo | None, str | None]:
        """(lease, version tag); (None, None) when there is none."""
        if self.local:
            try:
                data = local_path(self.uri).read_bytes()
            except FileNotFoundError:
                return None, None
            info = _parse(data)
            return info, info.token if info else "unreadable"
        from botocore.exceptions import ClientError

        bucket, key = split_s3(self.uri)
        try:
            resp = s3_client().get_object(Bucket=bucket, Key=key)
        except ClientError as exc:
            if _status(exc) == 404:
                return None, None
            raise
        return _parse(resp["Body"].read()), str(resp["ETag"])

    def replace(self, tag: str, info: LeaseInfo, takeover: bool) -> str | None:
        """Replace the lease whose version tag is `tag`; None when it changed meanwhile."""
        if self.local:
            path = local_path(self.uri)
            _, current_tag = self.read()
            if current_tag != tag:
                return None
            if not takeover:  # a renewal by the holder: overwrite in place, atomically
                tmp = path.with_name(f".{LEASE_NAME}.renew.{info.token}")
                tmp.write_bytes(_body(info))
                tmp.replace(path)
                return info.token
            aside = path.with_name(f".{LEASE_NAME}.replaced.{info.token}")
            try:
                os.rename(path, aside)  # one of two concurrent takers wins this
            except FileNotFoundError:
                return None
            moved = _parse(aside.read_bytes())
            aside.unlink()
            if (moved.token if moved else "unreadable") != tag:
                return None  # lost a race: the file we moved was someone else's
            return self.create(info)
        from botocore.exceptions import ClientError

        bucket, key = split_s3(self.uri)
        try:
            resp = s3_client().put_object(Bucket=bucket, Key=key, Body=_body(info), IfMatch=tag)
        except ClientError as exc:
            if _status(exc) in (404, 409, 412):
                return None
            raise
        return str(resp["ETag"])

    def delete(self, tag: str) -> None:
        if self.local:
            _, current_tag = self.read()
            if current_tag == tag:
                local_path(self.uri).unlink(missing_ok=True)
            return
        from botocore.exceptions import ClientError

        bucket, key = split_s3(self.uri)
        with contextlib.suppress(ClientError):  # taken over meanwhile: not ours to delete
            s3_client().delete_object(Bucket=bucket, Key=key, IfMatch=tag)


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


@dataclass
class Lease:
    lake_uri: str
    info: LeaseInfo
    tag: str

    @property
    def took_over(self) -> dict[str, Any] | None:
        return self.info.took_over


def _new_info(owner: str, ttl_seconds: float, took_over: LeaseInfo | None = None) -> LeaseInfo:
    start = _now()
    return LeaseInfo(
        owner=owner,
        token=uuid.uuid4().hex,
        started_at=start.isoformat(),
        expires_at=(start + timedelta(seconds=ttl_seconds)).isoformat(),
        took_over=asdict(took_over) if took_over else None,
    )


def default_owner(what: str) -> str:
    return f"{what} on {socket.gethostname()} pid {os.getpid()}"


def acquire(
    lake_uri: str, owner: str, ttl_seconds: float, wait_seconds: float, poll_seconds: float = 1.0
) -> Lease:
    """Take the lake's lease (module docstring); LakeBusy after `wait_seconds`."""
    store = _Store(lake_uri)
    deadline = time.monotonic() + wait_seconds
    waited = False
    while True:
        info = _new_info(owner, ttl_seconds)
        tag = store.create(info)
        if tag is not None:
            return Lease(lake_uri, info, tag)
        held, held_tag = store.read()
        if held is None and held_tag is None:
            continue  # released between our create and read
        if held is not None and held.expired and held_tag is not None:
            info = _new_info(owner, ttl_seconds, took_over=held)
            tag = store.replace(held_tag, info, takeover=True)
            if tag is not None:
                log.warning("took over the expired lease on %s of %s", lake_uri, held.describe())
                return Lease(lake_uri, info, tag)
            continue
        if time.monotonic() >= deadline:
            holder = held.describe() if held else "an unreadable lease object"
            raise LakeBusy(
                f"the lake {lake_uri} is in use by {holder}; waited {wait_seconds:g} s "
                f"(etl.lease_wait_seconds). Retry when that run ends or its lease expires; "
                f"an expired lease is taken over automatically."
            )
        if not waited:
            log.info("lake %s is leased by %s; waiting", lake_uri, held.describe() if held else "?")
            waited = True
        time.sleep(poll_seconds)


def renew(lease: Lease, ttl_seconds: float) -> bool:
    """Push the expiry forward; False when the lease is no longer ours."""
    expires = (_now() + timedelta(seconds=ttl_seconds)).isoformat()
    info = LeaseInfo(
        lease.info.owner, lease.info.token, lease.info.started_at, expires, lease.info.took_over
    )
    tag = _Store(lease.lake_uri).replace(lease.tag, info, takeover=False)
    if tag is None:
        return False
    lease.info, lease.tag = info, tag
    return True


def release(lease: Lease) -> None:
    _Store(lease.lake_uri).delete(lease.tag)


@contextlib.contextmanager
def hold(lake_uri: str, owner: str, ttl_seconds: float, wait_seconds: float) -> Iterator[Lease]:
    """Hold the lease for the block, renewed in the background every ttl/3."""
    lease = acquire(lake_uri, owner, ttl_seconds, wait_seconds)
    stop = threading.Event()

    def keep_alive() -> None:
        while not stop.wait(ttl_seconds / 3):
            try:
                renewed = renew(lease, ttl_seconds)
            except Exception as exc:  # a transient S3 or disk error: try at the next third
                log.warning("could not renew the lease on %s (%s); trying again", lake_uri, exc)
                continue
            if not renewed:
                log.error("lost the lease on %s (taken over after it expired)", lake_uri)
                return

    thread = threading.Thread(target=keep_alive, name="eventlake-lease", daemon=True)
    thread.start()
    try:
        yield lease
    finally:
        stop.set()
        thread.join(timeout=30)
        release(lease)
