"""The duplicates table's commits are reconciled with their Delta commit metrics, like the
events and quarantine commits (issue 14). Expected rows and versions are written by hand."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import event, write_jsonl

from eventlake.io.lake import Lake
from eventlake.io.paths import table_uri
from eventlake.jobs.etl import run_etl
from eventlake.jobs.etl_accounting import reconcile_duplicates
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D1 = date(2026, 1, 5)
D2 = date(2026, 1, 6)


def _settings(root: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EVENTLAKE_HOME", str(root / "home"))
    return load_settings("local").replace(
        raw_uri=f"file://{root}/raw", lake_uri=f"file://{root}/lake"
    )


def _drop(root: Path, day: date, lines: list) -> None:
    folder = root / "raw" / f"dt={day}"
    shutil.rmtree(folder, ignore_errors=True)
    write_jsonl(folder / "part-0.jsonl.gz", lines)


def test_duplicates_commits_are_reconciled_and_the_check_can_fire(spark, tmp_path, monkeypatch):
    settings = _settings(tmp_path, monkeypatch)
    uri = table_uri(settings, "duplicates")
    _drop(tmp_path, D1, [event("x"), event("a")])
    _drop(tmp_path, D2, [event("x"), event("b"), event("b")])

    # D2: b's second copy; the table is made (version 0), the commit is version 1.
    second = run_etl(settings, D2, spark=spark)
    assert (second.duplicates_removed, second.duplicates_version) == (1, 1)
    assert second.duplicates_rows_written == 1
    # D1: its x wins, D2's x moves from events to duplicates (a lake row, not D1's own).
    first = run_etl(settings, D1, spark=spark)
    assert (first.duplicates_removed, first.duplicates_version) == (0, 2)
    assert first.duplicates_rows_written == 1
    # D1 rerun without x: D2's x is rewritten in duplicates (version 3), restored to events,
    # and leaves duplicates (version 4, no rows written).
    _drop(tmp_path, D1, [event("a")])
    rerun = run_etl(settings, D1, spark=spark)
    assert (rerun.rows_restored, rerun.duplicates_version) == (1, 4)
    assert rerun.duplicates_rows_written == 1
    runs = spark.read.format("delta").load(
        table_uri(settings, "etl_runs").replace("file://", "file:")
    )
    record = runs.where(f"run_id = '{rerun.run_id}'").first()
    assert (record["duplicates_version"], record["duplicates_rows_written"]) == (4, 1)

    # How the check fails: it compares the rows the run counted (duplicates_removed, from the
    # run's flagged rows, plus the contest's moves, collected before the commit) with what
    # the commit's _delta_log entry says it wrote. A run whose count disagrees with the
    # commit — here D2's run as if it had counted no duplicate, while its commit (version 1)
    # wrote b's copy — is reported, naming the commit and both numbers.
    short = dataclasses.replace(second, duplicates_removed=0)
    lake = Lake(spark, settings.lake_uri)
    message = reconcile_duplicates(short, lake, [(0, 1, 0)])
    assert message is not None
    assert f"the duplicates commit (version 1 of {uri}) wrote 1 rows" in message
    assert "the run counted duplicates_removed 0 + 0 other dates' copies" in message
    assert reconcile_duplicates(dataclasses.replace(second), lake, [(0, 1, 0)]) is None
