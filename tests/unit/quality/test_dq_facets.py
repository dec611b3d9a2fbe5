"""The OpenLineage data-quality facets, in a real client RunEvent, against the spec's schemas."""

from __future__ import annotations

import copy

import pytest
from helpers.openlineage_schema import validate
from jsonschema import ValidationError

from eventlake.quality.facets import assertions_facet, metrics_facets

ROWS = [
    ("rows_clean", "all", 200.0),
    ("null_rate.product_id", "all", 0.25),
    ("null_rate.amount", "all", 0.95),
    ("amount_p50", "all", 12.5),
    ("amount_p95", "all", 80.0),
    ("amount_p99", "all", 99.0),
    ("amount_min", "all", 0.5),
    ("amount_max", "all", 120.25),
]
CHECKS = [
    {
        "check": "null_rate",
        "metric": "null_rate.product_id",
        "segment": "event_type=click",
        "severity": "fail",
        "outcome": "fail",
        "value": 0.6,
        "baseline": 0.0,
        "baseline_kind": "median of the last 14 days (9 runs)",
    },
    {
        "check": "volume_all",
        "metric": "rows_read",
        "segment": "all",
        "severity": "fail",
        "outcome": "no_history",
        "value": 210.0,
        "baseline": None,
        "baseline_kind": None,
    },
]


def _event():
    from openlineage.client.event_v2 import (
        InputDataset,
        Job,
        OutputDataset,
        Run,
        RunEvent,
        RunState,
    )
    from openlineage.client.serde import Serde

    events_f, quarantine_f = metrics_facets(ROWS, 190, 7, 2, 40960, 2048)
    asserted = assertions_facet({"missing_user_id": 3}, {"missing_user_id": "quarantine"}, CHECKS)
    event = RunEvent(
        eventType=RunState.COMPLETE,
        eventTime="2026-01-01T00:00:00+00:00",
        run=Run(runId="01a2356b-bb6c-7d17-927b-f94ff09f10ca"),
        job=Job(namespace="eventlake", name="eventlake.etl"),
        producer="https://github.com/eventlake/eventlake",
        inputs=[InputDataset(namespace="file", name="/raw/dt=2026-01-01", inputFacets=asserted)],
        outputs=[
            OutputDataset(namespace="file", name="/lake/events", facets=events_f),
            OutputDataset(namespace="file", name="/lake/quarantine", facets=quarantine_f),
        ],
    )
    return Serde.to_dict(event)


def test_quality_facets_validate_and_carry_the_numbers():
    event = _event()
    assert sorted(validate(event)) == [
        "dataQualityAssertions",
        "dataQualityMetrics",
        "dataQualityMetrics",
    ]
    events = event["outputs"][0]["facets"]["dataQualityMetrics"]
    assert (events["rowCount"], events["bytes"], events["fileCount"]) == (190, 40960, 2)
    assert events["columnMetrics"]["product_id"]["nullCount"] == 50  # 0.25 of 200
    assert events["columnMetrics"]["amount"]["nullCount"] == 190
    assert events["columnMetrics"]["amount"]["quantiles"] == {
        "0.5": 12.5,
        "0.95": 80.0,
        "0.99": 99.0,
    }
    assert (events["columnMetrics"]["amount"]["min"], events["columnMetrics"]["amount"]["max"]) == (
        0.5,
        120.25,
    )
    quarantine = event["outputs"][1]["facets"]["dataQualityMetrics"]
    assert (quarantine["rowCount"], quarantine["bytes"]) == (7, 2048)
    assertions = event["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"]
    by_name = {a["name"]: a for a in assertions}
    user = by_name["rule:missing_user_id"]
    assert (user["success"], user["column"], user["actual"]) == (False, "user_id", "3")
    assert by_name["rule:malformed_record"]["success"] is True
    assert "column" not in by_name["rule:malformed_record"]
    anomaly = by_name["anomaly:null_rate:null_rate.product_id:event_type=click"]
    assert (anomaly["success"], anomaly["column"], anomaly["severity"]) == (
        False,
        "product_id",
        "fail",
    )
    # a check without history asserts nothing
    assert not [n for n in by_name if n.startswith("anomaly:volume_all")]


def test_schema_validation_can_fail():
    event = _event()
    broken = copy.deepcopy(event)
    del broken["inputs"][0]["inputFacets"]["dataQualityAssertions"]["assertions"][0]["success"]
    with pytest.raises(ValidationError):
        validate(broken)
    broken = copy.deepcopy(event)
    broken["outputs"][0]["facets"]["dataQualityMetrics"]["rowCount"] = "190"
    with pytest.raises(ValidationError):
        validate(broken)
