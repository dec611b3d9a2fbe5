"""A run killed (SIGKILL, a real child process) between its quarantine and events commits: the
gate must not report the older run; a second run meanwhile is refused by the lease, and the
rerun takes the dead run's expired lease over."""

from __future__ import annotations

import dataclasses
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import yaml
from helpers.rawfiles import event, write_jsonl

from eventlake.errors import GateFailed
from eventlake.io.lake_reader import read_all_etl_dates
from eventlake.io.lease import LakeBusy
from eventlake.jobs.etl import run_etl
from eventlake.orchestration.tasks import check_quality_gate
from eventlake.settings import CONF_DIR, load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D1 = date(2026, 1, 5)


def _commits(log_dir: Path) -> set[str]:
    return {p.name for p in log_dir.glob("*.json")} if log_dir.is_dir() else set()


def test_killed_run_between_commits_is_never_reported_as_the_old_run(spark, tmp_path, monkeypatch):
    conf = yaml.safe_load((CONF_DIR / "local.yaml").read_text())
    conf["etl"] = {"lease_ttl_seconds": 6}
    conf_file = tmp_path / "conf.yaml"
    conf_file.write_text(yaml.safe_dump(conf))
    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EVENTLAKE_CONF_FILE", str(conf_file))
    settings = load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )
    day_dir = tmp_path / "raw" / f"dt={D1}"
    write_jsonl(day_dir / "a.jsonl.gz", [event("k1"), event("k2")])
    old = run_etl(settings, D1, spark=spark)
    assert check_quality_gate(settings, D1.isoformat())["run_id"] == old.run_id

    write_jsonl(day_dir / "b.jsonl.gz", [event("k3"), "{"])  # a quarantine row to commit
    quarantine_log = tmp_path / "lake" / "quarantine" / "_delta_log"
    events_log = tmp_path / "lake" / "events" / "_delta_log"
    quarantine_before, events_before = _commits(quarantine_log), _commits(events_log)
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "eventlake.cli",
            "etl",
            "--date",
            D1.isoformat(),
            "--raw-uri",
            settings.raw_uri,
            "--lake-uri",
            settings.lake_uri,
            "--max-reject-ratio",
            "0.9",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 600
        while not (tmp_path / "lake" / "_lease.json").exists():
            assert child.poll() is None and time.monotonic() < deadline, "child never started"
            time.sleep(0.05)
        # A second run meanwhile: refused, naming the holder, before touching any table.
        busy = settings.replace(etl=dataclasses.replace(settings.etl, lease_wait_seconds=0.5))
        with pytest.raises(LakeBusy, match=r"in use by eventlake etl --date 2026-01-05 on .* pid"):
            run_etl(busy, D1, spark=spark)
        while _commits(quarantine_log) == quarantine_before:
            assert child.poll() is None and time.monotonic() < deadline, "child ended early"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    assert _commits(events_log) == events_before, "the child reached its events commit"

    with pytest.raises(GateFailed, match="recorded no etl_runs row: it was killed") as err:
        check_quality_gate(settings, D1.isoformat())
    assert old.run_id not in str(err.value)
    assert read_all_etl_dates(settings) == []

    from eventlake.io.lake import Lake
    from eventlake.ml.data import etl_gate

    assert not etl_gate(Lake(spark, settings.lake_uri), D1).passed

    rerun = run_etl(
        settings, D1, max_reject_ratio=0.9, spark=spark
    )  # waits for the dead lease to expire
    assert "took over the expired lake lease of eventlake etl --date 2026-01-05" in rerun.message
    assert rerun.rows_clean == 3
    assert check_quality_gate(settings, D1.isoformat())["run_id"] == rerun.run_id
    assert etl_gate(Lake(spark, settings.lake_uri), D1).run_id == rerun.run_id
