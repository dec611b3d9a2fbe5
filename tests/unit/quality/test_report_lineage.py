"""The run report's lineage section: the date's chain from a lineage file written by hand, and
what the page says when lineage cannot be read there."""

from __future__ import annotations

import dataclasses
import html
import json

from test_lineage_chain import EVENTS_LOG

from eventlake.quality.report import _lineage
from eventlake.quality.report_sections import lineage as _lineage_section
from eventlake.settings import load_settings


def _settings(tmp_path, monkeypatch, **lineage):
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path))
    settings = load_settings("local")
    return dataclasses.replace(settings, lineage=dataclasses.replace(settings.lineage, **lineage))


def test_the_section_shows_the_chain_of_the_date_from_the_lineage_file(tmp_path, monkeypatch):
    path = tmp_path / "openlineage.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in EVENTS_LOG))
    settings = _settings(tmp_path, monkeypatch, transport="file", file_path=str(path))

    page = _lineage_section(_lineage(settings, "2026-01-09"), "e9b")

    assert "This run's OpenLineage run id <code>e9b</code>" in page
    tree = html.unescape(page.split('<pre id="lineage">', 1)[1].split("</pre>", 1)[0])
    assert tree.splitlines()[0] == f"lineage of 2026-01-09 (from {path})"
    assert "  └─ eventlake.etl  run e9b  COMPLETE, parent eventlake_daily.etl/a1" in tree
    assert "        ├─ reads models:/m/1 (trained 2026-01-08 by run t8)" in tree
    assert tree.splitlines()[-1] == "  connected: yes"
    # the edges table: seven edges (no monitoring run on this date), all present
    assert page.count("<td>yes</td>") == 7
    assert "missing" not in page


def test_a_date_without_scoring_shows_its_missing_edges(tmp_path, monkeypatch):
    path = tmp_path / "openlineage.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in EVENTS_LOG if e["run"]["runId"] != "s9"))
    settings = _settings(tmp_path, monkeypatch, transport="file", file_path=str(path))

    page = _lineage_section(_lineage(settings, "2026-01-09"), "e9b")

    tree = html.unescape(page.split('<pre id="lineage">', 1)[1].split("</pre>", 1)[0])
    assert tree.splitlines()[-1] == (
        "  connected: no; missing events -> score, model -> score, score -> predictions"
    )
    assert page.count('<span class="fail">missing</span>') == 3


def test_http_lineage_is_named_without_its_url(tmp_path, monkeypatch):
    secret = "https://user:s3cret@lineage.example.com/api/v1/lineage?api_key=k3y"
    settings = _settings(tmp_path, monkeypatch, transport="http", url=secret)

    page = _lineage_section(_lineage(settings, "2026-01-09"), "e9b")

    assert "lineage goes to an HTTP endpoint (lineage.transport http)" in page
    assert "s3cret" not in page and "k3y" not in page and "example.com" not in page
    assert '<pre id="lineage">' not in page


def test_an_unreadable_lineage_file_is_said_by_its_error_class_only(tmp_path, monkeypatch):
    path = tmp_path / "openlineage.jsonl"
    path.write_text('{"not": "an event"}\n')  # no run, no job: the chain cannot be built
    settings = _settings(tmp_path, monkeypatch, transport="file", file_path=str(path))

    page = _lineage_section(_lineage(settings, "2026-01-09"), "e9b")

    assert "the lineage events could not be read (KeyError)" in page
