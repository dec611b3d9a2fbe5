"""eventlake's own OpenLineage facets (modelVersion, mlflowRun) validate against their schemas
in src/eventlake/contracts/facets/, and the validator refuses what those schemas refuse."""

from __future__ import annotations

import json

import pytest
from helpers.openlineage_schema import validate
from jsonschema import ValidationError


def _event() -> dict:
    from openlineage.client.event_v2 import Job, OutputDataset, Run, RunEvent, RunState
    from openlineage.client.serde import Serde

    from eventlake.io.lineage import mlflow_run_facet, model_version_facet

    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2026-01-08T03:00:00Z",
        run=Run(
            runId="0190a0a0-0000-7000-8000-000000000001",
            facets={"mlflowRun": mlflow_run_facet("abc", "1")},
        ),
        job=Job(namespace="eventlake", name="eventlake.train"),
        producer="https://github.com/eventlake/eventlake",
        outputs=[
            OutputDataset(
                namespace="mlflow",
                name="models:/eventlake-high-value/3",
                facets={"modelVersion": model_version_facet("3", ["champion"], None)},
            )
        ],
    )
    return json.loads(Serde.to_json(event))


def test_own_facets_validate_against_their_definitions():
    event = _event()
    assert sorted(validate(event)) == ["mlflowRun", "modelVersion"]
    url = event["run"]["facets"]["mlflowRun"]["_schemaURL"]
    assert url.endswith("/MlflowRunRunFacet.json#/$defs/MlflowRunRunFacet")


def test_a_facet_missing_a_required_field_is_refused():
    event = _event()
    del event["outputs"][0]["facets"]["modelVersion"]["aliases"]
    with pytest.raises(ValidationError, match="'aliases' is a required property"):
        validate(event)


def test_a_schema_url_without_a_definition_is_refused():
    # the file's top-level schema only describes {"modelVersion": ...}: anything would pass
    event = _event()
    facet = event["outputs"][0]["facets"]["modelVersion"]
    facet["_schemaURL"] = facet["_schemaURL"].partition("#")[0]
    del facet["aliases"]
    with pytest.raises(KeyError, match="names no definition"):
        validate(event)
