"""The EMR job's lineage endpoint: an HTTP transport configured for the DAG's tasks reaches
the job's driver environment; a URL holding credentials is refused, without being echoed."""

from __future__ import annotations

import dataclasses

import pytest

from eventlake.errors import ConfigurationError
from eventlake.orchestration.dag_spec import DagSpec
from eventlake.orchestration.emr import emr_spark_confs
from eventlake.settings import load_settings

KEY = "spark.emr-serverless.driverEnv.OPENLINEAGE_URL"


def _spec(transport: str, url: str | None) -> DagSpec:
    base = load_settings("aws")
    settings = base.replace(lineage=dataclasses.replace(base.lineage, transport=transport, url=url))
    return DagSpec.from_settings(settings)


def test_http_endpoint_goes_to_the_job():
    confs = emr_spark_confs(_spec("http", "https://marquez.internal:5000"))
    assert confs[KEY] == "https://marquez.internal:5000"


def test_bucket_transport_sends_no_url():
    assert KEY not in emr_spark_confs(_spec("bucket", None))


@pytest.mark.parametrize(
    "url",
    [
        "https://ol-user:s3cr3t-pw@marquez.internal/",
        "https://marquez.internal/api?api_key=s3cr3t-pw",
    ],
)
def test_credentials_in_the_url_are_refused_unechoed(url):
    with pytest.raises(ConfigurationError, match="holds credentials") as info:
        emr_spark_confs(_spec("http", url))
    assert "s3cr3t-pw" not in str(info.value)
    assert "https://marquez.internal/..." in str(info.value)


def test_not_an_http_url_is_refused():
    with pytest.raises(ConfigurationError, match="not an http"):
        emr_spark_confs(_spec("http", "marquez.internal:5000"))
