"""A job's OpenLineage events name the run that started it (`parent`, with its `root`)."""

from __future__ import annotations

import dataclasses
import json

import pytest

from eventlake.errors import ConfigurationError
from eventlake.io.lineage import LineageRun
from eventlake.settings import load_settings

TASK_RUN = "01a2355a-2cf5-703c-a1e2-ed0d9e2ca661"
DAG_RUN = "01a23559-a8f7-7f3e-acbb-eacfe5d50fbe"
JOB_RUN = "01a2356b-0000-7000-8000-000000000001"


def _events(path):
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_job_events_carry_the_parent_task_run_and_its_dag_run_as_root(state_home, monkeypatch):
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", f"eventlake/eventlake_daily.etl/{TASK_RUN}")
    monkeypatch.setenv("OPENLINEAGE_ROOT_PARENT_ID", f"eventlake/eventlake_daily/{DAG_RUN}")
    settings = load_settings("local")
    run = LineageRun(settings, "eventlake.etl", JOB_RUN)
    run.start([], [])
    run.complete([], [])
    events = _events(state_home / "lineage" / "openlineage.jsonl")
    assert [e["eventType"] for e in events] == ["START", "COMPLETE"]
    for event in events:
        parent = event["run"]["facets"]["parent"]
        # (the client writes each run and job with its own, empty, facets)
        assert parent["run"] == {"runId": TASK_RUN, "facets": {}}
        assert parent["job"] == {
            "namespace": "eventlake",
            "name": "eventlake_daily.etl",
            "facets": {},
        }
        assert parent["root"]["run"] == {"runId": DAG_RUN, "facets": {}}
        assert parent["root"]["job"] == {
            "namespace": "eventlake",
            "name": "eventlake_daily",
            "facets": {},
        }


def test_a_job_run_at_a_terminal_has_no_parent_facet(state_home):
    settings = load_settings("local")
    assert settings.lineage.parent_run is None
    LineageRun(settings, "eventlake.etl", JOB_RUN).start([], [])
    (event,) = _events(state_home / "lineage" / "openlineage.jsonl")
    assert "parent" not in event["run"].get("facets", {})


def test_a_parent_without_root_has_no_root(state_home):
    settings = load_settings("local")
    lineage = dataclasses.replace(settings.lineage, parent_run=f"other-ns/some.dag.task/{TASK_RUN}")
    LineageRun(settings.replace(lineage=lineage), "eventlake.train", JOB_RUN).start([], [])
    (event,) = _events(state_home / "lineage" / "openlineage.jsonl")
    parent = event["run"]["facets"]["parent"]
    assert parent["job"] == {"namespace": "other-ns", "name": "some.dag.task", "facets": {}}
    assert "root" not in parent or parent["root"] is None


@pytest.mark.parametrize(
    "value",
    ["eventlake/eventlake_daily.etl", "eventlake/eventlake_daily.etl/not-a-uuid", f"/x/{TASK_RUN}"],
)
def test_a_malformed_parent_id_is_a_configuration_error_naming_it(state_home, monkeypatch, value):
    monkeypatch.setenv("OPENLINEAGE_PARENT_ID", value)
    with pytest.raises(ConfigurationError, match=r"lineage.parent_run is .*namespace/name/run_id"):
        load_settings("local")
