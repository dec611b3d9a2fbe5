"""Object access for `file://` and `s3://` URIs through one small interface.

S3 goes through boto3, which honours AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3 and takes
credentials from the environment or IAM. Spark reaches the same objects through S3A
(see eventlake.spark); both see the same URIs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlparse

from eventlake.errors import BucketError


@dataclass(frozen=True)
class ObjectInfo:
    uri: str
    size: int
    checksum: str  # sha256 of the bytes for files; the ETag for S3 objects


def join(base: str, *parts: str) -> str:
    """Join URI segments with single slashes."""
    out = base.rstrip("/")
    for part in parts:
        out += "/" + part.strip("/")
    return out


def split_s3(uri: str) -> tuple[str, str]:
    parsed = urlparse(uri)
    return parsed.netloc, parsed.path.lstrip("/")


def local_path(uri: str) -> Path:
    parsed = urlparse(uri)
    if parsed.scheme not in ("file", ""):
        raise BucketError(f"{uri} is not a file:// URI")
    return Path(parsed.path if parsed.scheme else uri)


def scheme(uri: str) -> str:
    s = urlparse(uri).scheme or "file"
    if s in ("s3", "s3a"):
        return "s3"
    if s != "file":
        raise BucketError(f"unsupported URI scheme {s!r} in {uri}: use file:// or s3://")
    return s


def s3_client() -> Any:
    """boto3's S3 client: it reads AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL itself, the same
    variables `Settings.aws.endpoint_url` comes from, so Spark and boto3 see one S3."""
    import boto3

    return boto3.client("s3")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def list_objects(prefix_uri: str) -> list[ObjectInfo]:
    """Every object below a prefix, sorted by URI. A missing prefix gives an empty list."""
    if scheme(prefix_uri) == "file":
        root = local_path(prefix_uri)
        if not root.exists():
            return []
        files = sorted(p for p in root.rglob("*") if p.is_file())
        return [
            ObjectInfo("file://" + str(p.resolve()), p.stat().st_size, _sha256(p)) for p in files
        ]
    bucket, key = split_s3(prefix_uri)
    prefix = key.rstrip("/") + "/" if key else ""
    client = s3_client()
    out: list[ObjectInfo] = []
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                out.append(
                    ObjectInfo(f"s3://{bucket}/{obj['Key']}", obj["Size"], obj["ETag"].strip('"'))
                )
    except client.exceptions.NoSuchBucket:
        raise BucketError(
            f"bucket {bucket!r} does not exist (listing {prefix_uri}); create it or fix the URI"
        ) from None
    return sorted(out, key=lambda o: o.uri)


def open_read(uri: str) -> IO[bytes]:
    """A binary stream of the object's bytes."""
    if scheme(uri) == "file":
        return local_path(uri).open("rb")
    bucket, key = split_s3(uri)
    body = s3_client().get_object(Bucket=bucket, Key=key)["Body"]
    return body  # type: ignore[no-any-return]


def read_bytes(uri: str) -> bytes:
    with open_read(uri) as fh:
        return fh.read()


def write_bytes(uri: str, data: bytes) -> None:
    if scheme(uri) == "file":
        path = local_path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return
    bucket, key = split_s3(uri)
    s3_client().put_object(Bucket=bucket, Key=key, Body=data)


def exists(uri: str) -> bool:
    if scheme(uri) == "file":
        return local_path(uri).exists()
    bucket, key = split_s3(uri)
    client = s3_client()
    resp = client.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1)
    return resp.get("KeyCount", 0) > 0


def to_spark_path(uri: str) -> str:
    """The path Spark and Delta use: s3:// maps to S3A by configuration; file:///p becomes
    Hadoop's canonical file:/p (Delta compares locations textually)."""
    if scheme(uri) == "file":
        return "file:" + str(local_path(uri).resolve())
    return uri
