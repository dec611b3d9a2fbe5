"""The DagSpec: what the DAG files are declared with, made from settings, read back as JSON."""

from __future__ import annotations

import json

import pytest

from eventlake.errors import ConfigurationError
from eventlake.orchestration.dag_spec import DagSpec, dag_spec
from eventlake.settings import load_settings


def test_local_spec_of_the_shipped_conf():
    spec = DagSpec.from_settings(load_settings("local"))
    assert spec == DagSpec(
        target="local",
        schedule="0 3 * * *",
        catchup=False,
        maintenance_schedule="0 12 * * *",
        ready_objects=(),
        lineage_namespace="eventlake",
        lineage_url=None,
        job_confs={},
    )


def test_aws_spec_carries_the_jobs_spark_confs_without_s3a():
    spec = DagSpec.from_settings(load_settings("aws"))
    assert spec.target == "aws"
    assert spec.job_confs["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert spec.job_confs["spark.sql.session.timeZone"] == "UTC"
    assert "spark.hadoop.fs.s3.impl" not in spec.job_confs
    assert not any(key.startswith("spark.jars") for key in spec.job_confs)


def test_json_round_trip():
    spec = DagSpec(
        target="aws",
        schedule="15 2 * * *",
        catchup=True,
        maintenance_schedule="0 11 * * *",
        ready_objects=("_SUCCESS", "manifest.json"),
        lineage_namespace="shop",
        lineage_url="https://marquez.internal:5000",
        job_confs={"spark.sql.extensions": "x", "spark.sql.shuffle.partitions": "8"},
    )
    assert DagSpec.from_json(spec.to_json(), "test") == spec
    assert json.loads(spec.to_json())["ready_objects"] == ["_SUCCESS", "manifest.json"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"catchup": "no"}, "catchup is not true or false"),
        ({"schedule": ""}, "schedule is not a non-empty string"),
        ({"ready_objects": "_SUCCESS"}, "ready_objects is not a list"),
        ({"job_confs": {"spark.sql.shuffle.partitions": 8}}, "job_confs is not an object"),
        ({"extra": 1}, "unknown ['extra']"),
    ],
)
def test_a_bad_field_is_named(change, message):
    doc = {
        "target": "local",
        "schedule": "0 3 * * *",
        "catchup": False,
        "maintenance_schedule": "0 12 * * *",
        "ready_objects": [],
        "lineage_namespace": "eventlake",
        "lineage_url": None,
        "job_confs": {},
        **change,
    }
    with pytest.raises(ConfigurationError, match="the DAG spec in EVENTLAKE_DAG_SPEC") as info:
        DagSpec.from_doc(doc, "EVENTLAKE_DAG_SPEC")
    assert message in str(info.value)


def test_a_missing_field_is_named():
    with pytest.raises(ConfigurationError, match=r"missing \['catchup'\]"):
        DagSpec.from_doc(
            {
                "target": "local",
                "schedule": "0 3 * * *",
                "maintenance_schedule": "0 12 * * *",
                "ready_objects": [],
                "lineage_namespace": "eventlake",
                "lineage_url": None,
                "job_confs": {},
            },
            "x",
        )


def test_env_is_not_json(monkeypatch, tmp_path):
    monkeypatch.setenv("EVENTLAKE_DAG_SPEC", "target=aws")
    with pytest.raises(ConfigurationError, match="EVENTLAKE_DAG_SPEC is not readable JSON"):
        dag_spec(tmp_path)


def test_cli_prints_the_spec_for_a_target(capsys, monkeypatch):
    from eventlake.cli import main

    monkeypatch.delenv("EVENTLAKE_TARGET", raising=False)
    monkeypatch.delenv("EVENTLAKE_ENV", raising=False)
    assert main(["dag-spec", "--target", "aws"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["target"] == "aws"
    assert doc["job_confs"]["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert main(["dag-spec"]) == 0
    assert json.loads(capsys.readouterr().out)["target"] == "local"
