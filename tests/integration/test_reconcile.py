"""A late file: run D, add a file to dt=D/, reconcile reports D and its rerun loads the file."""

from __future__ import annotations

import argparse
import json
from datetime import date

import pytest
from helpers.rawfiles import event, write_jsonl

from eventlake.jobs import reconcile
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D1 = date(2026, 1, 5)


def test_reconcile_reports_a_late_file_and_the_rerun_loads_it(spark, state_home, capsys):
    settings = load_settings("local")
    day_dir = state_home / "bucket" / "raw" / f"dt={D1}"
    write_jsonl(day_dir / "a.jsonl.gz", [event("r1")])
    first = run_etl(settings, D1, spark=spark)
    assert reconcile.drift(settings) == []

    late = write_jsonl(day_dir / "b.jsonl.gz", [event("r2")])
    args = argparse.Namespace(since="2026-01-01", run=False, raw_uri=None, lake_uri=None)
    assert reconcile.main(args, settings) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert lines == [
        {
            "changed": {
                "processing_date": "2026-01-05",
                "run_id": first.run_id,
                "added": [f"file://{late}"],
                "removed": [],
                "changed": [],
            }
        },
        {"changed_dates": ["2026-01-05"]},
    ]
    assert reconcile.drift(settings, since=date(2026, 1, 6)) == []

    # The maintenance DAG's daily check (maintenance.reconcile_days = 30 back from its date).
    with pytest.raises(reconcile.RawChanged) as raised:
        reconcile.check(settings, date(2026, 1, 10))
    assert str(raised.value) == (
        "raw files changed after the last successful ETL run of 1 date(s): 2026-01-05 "
        f"(run {first.run_id}: 1 added, 0 removed, 0 changed). Rerun them in date order with "
        "`eventlake reconcile --since 2026-01-05 --run`"
    )
    assert reconcile.check(settings, date(2026, 2, 5)) == {
        "since": "2026-01-06",
        "changed_dates": [],
    }

    rerun = run_etl(settings, D1, spark=spark)
    assert rerun.rows_clean == 2
    assert reconcile.drift(settings) == []
    assert reconcile.check(settings, date(2026, 1, 10))["changed_dates"] == []
