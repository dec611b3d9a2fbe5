"""The raw-name rules (io/names.py): what is a raw log, a partial upload, a marker, the conf's
ready marker and manifest; and the manifest's format and comparison. Expectations by hand."""

from __future__ import annotations

import pytest

from eventlake.errors import InputError
from eventlake.io.names import (
    ReadyRule,
    file_format,
    is_data,
    manifest_mismatch,
    parse_manifest,
    skip_reason,
)

DAY = "s3://b/raw/dt=2026-01-05/"
READY = ReadyRule(ready_marker="_SUCCESS", manifest="manifest.json")


@pytest.mark.parametrize(
    ("name", "marker_free", "with_ready"),
    [
        ("part-00000.jsonl.gz", None, None),
        ("PART.CSV.GZ", None, None),
        ("x.ndjson.gz", None, None),
        ("x.jsonl.gz._COPYING_", "partial_upload", "partial_upload"),
        ("x.csv.gz.tmp", "partial_upload", "partial_upload"),
        (".hidden.jsonl.gz", "hidden_or_marker", "hidden_or_marker"),
        ("_SUCCESS", "hidden_or_marker", "ready_marker"),
        ("_SUCCESS.tmp", "partial_upload", "partial_upload"),
        ("manifest.json", "unknown_suffix", "manifest"),
        ("notes.txt", "unknown_suffix", "unknown_suffix"),
    ],
)
def test_skip_reason_by_name(name, marker_free, with_ready):
    assert skip_reason(DAY + name) == marker_free
    assert skip_reason(DAY + name, READY) == with_ready
    assert is_data(DAY + name) is (marker_free is None)


def test_file_format_of_a_name():
    assert file_format(DAY + "a.json.gz") == "json"
    assert file_format(DAY + "a.csv.gz") == "csv"
    assert file_format(DAY + "a.csv") is None


def test_ready_rule_objects():
    assert ReadyRule().objects == ()
    assert ReadyRule(ready_marker="_SUCCESS").objects == ("_SUCCESS",)
    assert READY.objects == ("_SUCCESS", "manifest.json")


def test_parse_manifest_reads_names_and_sizes():
    text = (
        '{"files": [{"name": "a.jsonl.gz", "size": 10, "sha": "x"},'
        ' {"name": "b.csv.gz", "size": 0}]}'
    )
    assert parse_manifest(text, DAY + "m") == {"a.jsonl.gz": 10, "b.csv.gz": 0}
    assert parse_manifest(b'{"files": []}', DAY + "m") == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("{not json", "is not valid JSON"),
        ('["a.jsonl.gz"]', 'has no "files" list'),
        ('{"files": {"a.jsonl.gz": 1}}', 'has no "files" list'),
        ('{"files": [{"name": "a.jsonl.gz"}]}', "entry 0"),
        ('{"files": [{"name": "a.jsonl.gz", "size": "10"}]}', "entry 0"),
        ('{"files": [{"name": "a.jsonl.gz", "size": true}]}', "entry 0"),
        ('{"files": [{"name": "a.jsonl.gz", "size": -1}]}', "entry 0"),
        ('{"files": [{"name": "x/a.jsonl.gz", "size": 1}]}', "entry 0"),
        (
            '{"files": [{"name": "a.jsonl.gz", "size": 1}, {"name": "a.jsonl.gz", "size": 1}]}',
            "lists 'a.jsonl.gz' twice",
        ),
    ],
)
def test_parse_manifest_refuses_another_shape_naming_the_manifest(text, says):
    with pytest.raises(InputError, match="manifest s3://b/raw/dt=2026-01-05/m") as caught:
        parse_manifest(text, DAY + "m")
    assert says in str(caught.value)


def test_manifest_mismatch_names_each_file():
    listed = {"a.jsonl.gz": 10, "b.jsonl.gz": 20, "c.jsonl.gz": 30, "notes.txt": 1}
    found = {"a.jsonl.gz": 10, "b.jsonl.gz": 21, "d.jsonl.gz": 5}
    assert manifest_mismatch(listed, found) == (
        "listed but not raw log names (never read): notes.txt; missing: c.jsonl.gz; "
        "other size: b.jsonl.gz (manifest 20 bytes, found 21); not listed: d.jsonl.gz"
    )
    assert manifest_mismatch({"a.jsonl.gz": 10}, {"a.jsonl.gz": 10}) is None
    assert manifest_mismatch({}, {}) is None


def test_day_folder_is_the_hive_style_date_folder() -> None:
    from datetime import date

    from eventlake.io.names import day_folder

    assert day_folder(date(2026, 1, 5)) == "dt=2026-01-05"
