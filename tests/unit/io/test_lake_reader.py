"""io/lake_reader: the one builder of deltalake's location and storage options."""

from __future__ import annotations

import dataclasses

from eventlake.io.lake_reader import location, storage_options
from eventlake.settings import AwsSettings, load_settings


def _with_aws(endpoint: str | None, region: str | None):  # type: ignore[no-untyped-def]
    return dataclasses.replace(load_settings("aws"), aws=AwsSettings(endpoint, region))


def test_a_local_s3_api_server_over_http_is_allowed_plain_http() -> None:
    settings = _with_aws("http://127.0.0.1:5000", "eu-west-1")
    assert storage_options(settings) == {
        "AWS_ENDPOINT_URL": "http://127.0.0.1:5000",
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "eu-west-1",
    }


def test_an_https_endpoint_keeps_tls_required() -> None:
    settings = _with_aws("https://s3.eu-west-1.amazonaws.com", None)
    assert storage_options(settings) == {
        "AWS_ENDPOINT_URL": "https://s3.eu-west-1.amazonaws.com",
        "AWS_ALLOW_HTTP": "false",
    }


def test_aws_itself_needs_only_the_region() -> None:
    assert storage_options(_with_aws(None, "us-east-1")) == {"AWS_REGION": "us-east-1"}


def test_location_of_an_s3a_uri_is_its_s3_url_and_of_a_file_uri_its_path() -> None:
    settings = _with_aws("http://127.0.0.1:5000", None)
    assert location("s3a://lake/lake/etl_runs", settings) == (
        "s3://lake/lake/etl_runs",
        {"AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_ALLOW_HTTP": "true"},
    )
    assert location("file:///tmp/lake/events", settings) == ("/tmp/lake/events", {})
