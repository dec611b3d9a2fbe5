"""Unknown fields are kept (issue 13): the `_rescued` column, its per-field counts in
`etl_runs`, the drift policy's other actions, and a lake made before the column existed.

Expected maps and counts are written by hand from the lines below.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from helpers.rawfiles import CSV_HEADER, csv_row, event, write_gz

from eventlake.jobs import validate_output
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)


def _line(event_id: str, extra_json: str = "", **fields) -> bytes:
    """An event's JSON line, with `extra_json` (raw JSON text of more fields) appended."""
    text = json.dumps(event(event_id, **fields))
    return (text[:-1] + (", " + extra_json if extra_json else "") + "}").encode()


JSON_LINES = [
    _line("r01", '"x_new": "s", "score": 1.5, "meta": {"a": [1, true]}, "gone": null'),
    _line("r02"),
    _line("r03", '"Event_ID": "other"'),  # the contract's names are case-sensitive
    _line("r04", '"x_new": 7', event_type="hover"),  # quarantined by another rule
]
# Extra CSV columns are rescued too, as JSON strings (CSV has no types); empty is null.
CSV = CSV_HEADER + ",campaign,ref\n" + csv_row("c01") + ",spring,\n" + csv_row("c02") + ",7,x\n"


def _settings(root: Path, monkeypatch, **drift):
    monkeypatch.setenv("EVENTLAKE_HOME", str(root / "home"))
    settings = load_settings("local").replace(
        raw_uri=f"file://{root}/raw", lake_uri=f"file://{root}/lake"
    )
    return dataclasses.replace(settings, etl=dataclasses.replace(settings.etl, drift_policy=drift))


def _table(spark, root: Path, name: str):
    return spark.read.format("delta").load(f"file:{root}/lake/{name}")


@pytest.fixture(scope="module")
def rescued(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("rescue")
    with pytest.MonkeyPatch.context() as mp:
        settings = _settings(root, mp)
        day = root / "raw" / f"dt={D}"
        write_gz(day / "a.jsonl.gz", b"\n".join(JSON_LINES) + b"\n")
        write_gz(day / "b.csv.gz", CSV.encode())
        result = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
        events = {r["event_id"]: r["_rescued"] for r in _table(spark, root, "events").collect()}
        runs = _table(spark, root, "etl_runs").collect()
        schema_metrics = {
            (r["metric"], r["segment"]): r["value"]
            for r in _table(spark, root, "dq_metrics").collect()
            if r["metric"].startswith("unknown_field")
        }
        yield {
            "root": root,
            "settings": settings,
            "result": result,
            "events": events,
            "runs": runs,
            "schema_metrics": schema_metrics,
        }


def test_unknown_fields_go_to_rescued_as_json_text(rescued):
    assert rescued["events"] == {
        "r01": {"x_new": '"s"', "score": "1.5", "meta": '{"a":[1,true]}', "gone": "null"},
        "r02": None,
        "r03": {"Event_ID": '"other"'},
        "c01": {"campaign": '"spring"', "ref": "null"},
        "c02": {"campaign": '"7"', "ref": '"x"'},
    }


def test_rescued_fields_are_counted_per_field_and_warned(rescued):
    result = rescued["result"]
    expected = {
        "x_new": 2,
        "score": 1,
        "meta": 1,
        "gone": 1,
        "Event_ID": 1,
        "campaign": 2,
        "ref": 2,
    }
    assert result.rescued_fields == expected
    assert result.reason_counts["unknown_field"] == 5  # r01 r03 r04 c01 c02
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (6, 5, 1)
    (run,) = rescued["runs"]
    assert run["rescued_fields"] == expected
    # the schema metrics of dq_metrics: 7 unknown names, and each one's rows (issue 17)
    assert rescued["schema_metrics"] == {
        ("unknown_fields", "all"): 7.0,
        ("unknown_field_rows", "field=x_new"): 2.0,
        ("unknown_field_rows", "field=score"): 1.0,
        ("unknown_field_rows", "field=meta"): 1.0,
        ("unknown_field_rows", "field=gone"): 1.0,
        ("unknown_field_rows", "field=Event_ID"): 1.0,
        ("unknown_field_rows", "field=campaign"): 2.0,
        ("unknown_field_rows", "field=ref"): 2.0,
    }


def test_validate_output_passes_with_rescued(rescued, capsys):
    args = argparse.Namespace(lake_uri=rescued["settings"].lake_uri)
    assert validate_output.main(args, rescued["settings"]) == 0
    assert "schema matches the contract (25 columns" in capsys.readouterr().out


def test_drift_policy_quarantine_and_type_change_rescue(tmp_path, monkeypatch, spark):
    settings = _settings(
        tmp_path, monkeypatch, new_field="quarantine", type_change={"page": "rescue"}
    )
    day = tmp_path / "raw" / f"dt={D}"
    lines = [
        _line("n01", '"x_new": 1'),
        _line("n02", page=[1, 2]),
        _line("n03", user_id={"id": 1}),  # user_id's type change is still quarantined
        _line("n04"),
    ]
    write_gz(day / "a.jsonl.gz", b"\n".join(lines) + b"\n")
    result = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
    events = {
        r["event_id"]: (r["page"], r["_rescued"])
        for r in _table(spark, tmp_path, "events").collect()
    }
    assert events == {"n02": (None, {"page": "[1,2]"}), "n04": ("/p", None)}
    reasons = {r["event_id"]: r["reasons"] for r in _table(spark, tmp_path, "quarantine").collect()}
    assert reasons == {"n01": ["unknown_field"], "n03": ["invalid_type"]}
    assert result.reason_counts["rescued_type_change"] == 1
    assert result.rescued_fields == {"x_new": 1, "page": 1}


def test_drift_policy_fail_fails_the_run(tmp_path, monkeypatch, spark):
    settings = _settings(tmp_path, monkeypatch, new_field="fail")
    day = tmp_path / "raw" / f"dt={D}"
    write_gz(day / "a.jsonl.gz", _line("f01", '"x_new": 1') + b"\n" + _line("f02") + b"\n")
    result = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
    assert (result.status, result.gate_passed) == ("failed", False)
    assert "['unknown_field']" in result.message
    assert _table(spark, tmp_path, "events").count() == 0


def test_lake_made_before_the_column_gains_it(tmp_path, monkeypatch, spark):
    """events, duplicates and etl_runs written with the schemas of before `_rescued` and
    `rescued_fields`; a run then adds the columns in place and the old rows read null."""
    from pyspark.sql import types as T

    from eventlake.contracts.schemas import DUPLICATES_SCHEMA, ETL_RUNS_SCHEMA, EVENTS_SCHEMA
    from eventlake.io import lake

    settings = _settings(tmp_path, monkeypatch)
    lake_uri = settings.lake_uri

    def without(schema, name):
        return T.StructType([f for f in schema.fields if f.name != name])

    old = (
        "old1", "u1", "s1", datetime(2026, 1, 4, 10), date(2026, 1, 4), 10, "click",
        "engagement", None, None, "desktop", "linux", "DE", "/p", None, None, None, None,
        "4.2.1", False, date(2026, 1, 4), "file:///raw/x.jsonl.gz", "etl-0", datetime(2026, 1, 4),
    )  # fmt: skip
    # Made as the ETL of before made them (NOT NULL columns kept), without the new columns.
    old_events = without(EVENTS_SCHEMA, "_rescued")
    lake.ensure_table(spark, f"{lake_uri}/events", old_events, ("event_date",))
    lake.append(spark.createDataFrame([old], old_events), f"{lake_uri}/events")
    old_duplicates = without(DUPLICATES_SCHEMA, "_rescued")
    lake.ensure_table(spark, f"{lake_uri}/duplicates", old_duplicates, ("processing_date",))
    lake.ensure_table(spark, f"{lake_uri}/etl_runs", without(ETL_RUNS_SCHEMA, "rescued_fields"))
    day = tmp_path / "raw" / f"dt={D}"
    # old1 again (a cross-date duplicate of the old row) and a new row with an unknown field
    write_gz(
        day / "a.jsonl.gz",
        _line("old1", event_time="2026-01-04T10:00:00Z") + b"\n" + _line("new1", '"k": 2') + b"\n",
    )
    result = run_etl(settings, D, spark=spark)
    assert (result.rows_clean, result.duplicates_removed) == (1, 1)
    events = _table(spark, tmp_path, "events")
    assert events.columns[-1] == "_rescued"
    assert {r["event_id"]: r["_rescued"] for r in events.collect()} == {
        "old1": None,
        "new1": {"k": "2"},
    }
    assert "_rescued" in _table(spark, tmp_path, "duplicates").columns
    (run,) = _table(spark, tmp_path, "etl_runs").collect()
    assert run["rescued_fields"] == {"k": 1}
    args = argparse.Namespace(lake_uri=settings.lake_uri)
    assert validate_output.main(args, settings) == 0
