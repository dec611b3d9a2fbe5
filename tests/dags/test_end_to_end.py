"""The real thing on the shipped sample: backfill idempotency, then `airflow dags test`.

One module-scoped lake keeps this affordable on a 2-core machine: 2026-01-01..03 are
backfilled twice (idempotency), 2026-01-04..07 once, and then Airflow runs the whole DAG for
2026-01-08, the first date the DAG trains for (a full 7-day window of loaded days before it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from helpers.dag_paths import DAG_ID, SAMPLE
from helpers.openlineage_schema import validate

pytestmark = [pytest.mark.slow, pytest.mark.spark]

DAYS = [f"2026-01-{d:02d}" for d in range(1, 9)]
IDEMPOTENCY_DAYS = DAYS[:3]
RUN_COLUMNS = ("_run_id", "_ingested_at")  # differ per run by design


def _table(lake: Path, name: str):
    """A Delta table as sorted pandas rows, without the per-run columns."""
    from deltalake import DeltaTable

    df = DeltaTable(str(lake / name)).to_pandas()
    df = df.drop(columns=[c for c in RUN_COLUMNS if c in df.columns])
    key = [c for c in ("event_id", "raw_record", "processing_date") if c in df.columns]
    df = df.astype({c: "string" for c in df.columns if df[c].dtype == object})
    return df.sort_values(key).reset_index(drop=True)


@pytest.fixture(scope="module")
def lake_home(tmp_path_factory):
    """EVENTLAKE_HOME with the sample's first five days in the raw bucket, backfilled."""
    from eventlake.settings import load_settings
    from eventlake.tools.backfill import backfill

    home = tmp_path_factory.mktemp("e2e") / "home"
    raw = home / "bucket" / "raw"
    raw.mkdir(parents=True)
    for day in DAYS:
        shutil.copytree(SAMPLE / f"dt={day}", raw / f"dt={day}")
    (home / "mlflow").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EVENTLAKE_HOME", str(home))
        mp.setenv("EVENTLAKE_TARGET", "local")
        mp.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{home}/mlflow/mlflow.db")
        for var in ("EVENTLAKE_RAW_URI", "EVENTLAKE_LAKE_URI", "EVENTLAKE_ARTIFACTS_URI"):
            mp.delenv(var, raising=False)
        settings = load_settings()
        lake = home / "bucket" / "lake"
        first = backfill(
            settings, IDEMPOTENCY_DAYS[0], IDEMPOTENCY_DAYS[-1], skip_train=True, in_process=True
        )
        snapshots = [{name: _table(lake, name) for name in ("events", "quarantine")}]
        second = backfill(
            settings, IDEMPOTENCY_DAYS[0], IDEMPOTENCY_DAYS[-1], skip_train=True, in_process=True
        )
        snapshots.append({name: _table(lake, name) for name in ("events", "quarantine")})
        rest = backfill(settings, DAYS[3], DAYS[6], skip_train=True, in_process=True)
        yield {
            "home": home,
            "lake": lake,
            "results": (first, second, rest),
            "snapshots": snapshots,
            "settings": settings,
        }


def test_backfill_three_days_twice_gives_the_same_tables(lake_home):
    from deltalake import DeltaTable

    first, second, rest = lake_home["results"]
    assert [r["status"] for r in first + second + rest] == ["succeeded"] * 10
    assert [r["date"] for r in first] == IDEMPOTENCY_DAYS
    assert [r["gate"]["rows_clean"] for r in first] == [r["gate"]["rows_clean"] for r in second]
    before, after = lake_home["snapshots"]
    for name in ("events", "quarantine"):
        assert len(after[name]) > 0
        assert before[name].equals(after[name]), name
    runs = DeltaTable(str(lake_home["lake"] / "etl_runs")).to_pandas()
    # etl_runs is the run log: one row per run, so two per re-run date.
    assert sorted(runs["processing_date"].astype(str)) == sorted(IDEMPOTENCY_DAYS * 2 + DAYS[3:7])


def test_every_row_read_is_accounted_for(lake_home):
    for result in lake_home["results"][0]:
        gate = result["gate"]
        assert gate["rows_read"] == (
            gate["rows_clean"] + gate["rows_quarantined"] + gate["duplicates_removed"]
        )


def test_airflow_dags_test_runs_the_whole_dag(lake_home):
    """`airflow dags test eventlake_daily 2026-01-08`, local target, then read lake + registry."""
    from deltalake import DeltaTable
    from mlflow import MlflowClient

    from eventlake.tools.airflow_home import airflow_env, executable, migrate, task_states

    settings = lake_home["settings"]
    migrate(settings)
    proc = subprocess.run(
        [executable("airflow"), "dags", "test", DAG_ID, DAYS[7]],
        env=airflow_env(settings),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert task_states(settings, DAYS[7]) == {
        "wait_for_raw_data": "success",
        "etl": "success",
        "quality_gate": "success",
        "train": "success",
        "promotion_outcome": "success",
        "score": "success",
        "monitor": "success",
    }
    # Lineage: Airflow's OpenLineage provider wrote the DAG run and its task runs into the
    # jobs' own file; the day's ETL, training and scoring runs name their task run as parent and the
    # DAG run as root.
    lines = Path(settings.lineage.file_path).read_text().splitlines()
    events = [json.loads(line) for line in lines]
    airflow = [e for e in events if e["job"]["name"].split(".")[0] == DAG_ID]
    dag_runs = {e["run"]["runId"] for e in airflow if e["job"]["name"] == DAG_ID}
    assert len(dag_runs) == 1
    task_runs = {e["job"]["name"]: e["run"]["runId"] for e in airflow if e["job"]["name"] != DAG_ID}
    tasks = ("etl", "quality_gate", "train", "score", "monitor")
    assert {f"{DAG_ID}.{t}" for t in tasks} <= set(task_runs)
    for job, task in (
        ("eventlake.etl", "etl"),
        ("eventlake.train", "train"),
        ("eventlake.score", "score"),
        ("eventlake.monitor", "monitor"),
    ):
        (run,) = {
            e["run"]["runId"]
            for e in events
            if e["job"]["name"] == job and "parent" in e["run"].get("facets", {})
        }
        parents = [e["run"]["facets"]["parent"] for e in events if e["run"]["runId"] == run]
        assert {p["run"]["runId"] for p in parents} == {task_runs[f"{DAG_ID}.{task}"]}, job
        assert {p["job"]["name"] for p in parents} == {f"{DAG_ID}.{task}"}
        assert {p["job"]["namespace"] for p in parents} == {"eventlake"}
        assert {p["root"]["run"]["runId"] for p in parents} == dag_runs
        assert {p["root"]["job"]["name"] for p in parents} == {DAG_ID}
    # Every run has one START and one terminal event; every parent named is a run in the file;
    # and the day's chain is connected, raw folder to predictions (`eventlake lineage`).
    from eventlake.io.lineage_chain import chain
    from eventlake.io.lineage_chain import runs as lineage_runs

    views = lineage_runs(events)
    for view in views.values():
        # `airflow dags test` runs the DAG run without the scheduler, so the provider sends
        # only the DAG run's terminal event; every other run starts with START.
        if view.job != DAG_ID:
            assert view.states[0] == "START", view
        assert [s for s in view.states if s in ("COMPLETE", "FAIL", "ABORT")] == [view.state]
        if view.parent:
            assert view.parent.rsplit("/", 1)[1] in views, view
    day_chain = chain(events, DAYS[7])
    assert day_chain.links() == dict.fromkeys(day_chain.links(), True)
    # Every event, the provider's and the jobs', is valid against the spec's schemas: the
    # core RunEvent and each facet's own schema (tests/helpers/openlineage_schema.py).
    checked = set()
    for event in events:
        checked.update(validate(event))
    assert {"parent", "schema", "version", "modelVersion", "mlflowRun", "airflow"} <= checked
    assert day_chain.scored_model_trainer.run_id == day_chain.train.run_id  # version 1 scored
    lake = lake_home["lake"]
    runs = DeltaTable(str(lake / "etl_runs")).to_pandas()
    day_runs = runs[runs["processing_date"].astype(str) == DAYS[7]]
    assert len(day_runs) == 1
    assert bool(day_runs.iloc[0]["gate_passed"]) is True
    events = DeltaTable(str(lake / "events")).to_pandas(columns=["processing_date"])
    assert sorted(events["processing_date"].astype(str).unique()) == DAYS
    client = MlflowClient(tracking_uri=settings.tracking_uri)
    versions = client.search_model_versions("name='eventlake-high-value'")
    assert [str(v.version) for v in versions] == ["1"]
    # The first version has no champion to beat.
    champion = client.get_model_version_by_alias("eventlake-high-value", "champion")
    assert str(champion.version) == "1"
    # score: the champion scored the date's users into <lake>/predictions.
    predictions = DeltaTable(str(lake / "predictions")).to_pandas()
    assert set(predictions["as_of_date"].astype(str)) == {DAYS[7]}
    assert set(predictions["model_version"]) == {"1"}
    assert len(predictions) > 0
    # monitor: the first scored day has no predictions of the day before to judge, so the
    # realized rows say so; drift is judged: 35 features (33 numeric, 2 categorical) and the scores.
    monitoring = DeltaTable(str(lake / "model_monitoring")).to_pandas()
    assert set(monitoring["date"].astype(str)) == {DAYS[7]}
    realized = monitoring[monitoring["kind"] == "realized"]
    assert len(realized) == 8
    assert set(realized["status"]) == {"insufficient"}
    assert realized["detail"].str.startswith(f"no predictions for {DAYS[6]}").all()
    drifted = monitoring[monitoring["kind"] != "realized"]
    assert len(drifted) == 36
    assert set(drifted["model_version"]) == {"1"}
    assert set(drifted["status"]) <= {"ok", "breach"}
    # promotion_outcome wrote the day's run report again, with the training section: the
    # version trained for the date and the gate's decision (no champion before it).
    run_id = day_runs.iloc[0]["run_id"]
    page = (
        Path(settings.artifacts_uri.removeprefix("file://"))
        / "reports"
        / DAYS[7]
        / f"{run_id}.html"
    ).read_text()
    training = re.sub(r"<[^>]+>", " ", page.split('id="training"', 1)[1].split("<h2>", 1)[0])
    assert re.search(r"Model\s+eventlake-high-value\s+version 1\b", training), training
    assert "promoted to champion" in training
    assert "aliases now: champion = 1, challenger = 1" in training
    # The monitor task's post_execute wrote it once more: its lineage section is the day's
    # whole chain, the runs named by the ids the lineage file holds.
    import html

    tree = html.unescape(page.split('<pre id="lineage">', 1)[1].split("</pre>", 1)[0])
    for job, view in (
        ("eventlake.etl", day_chain.etl),
        ("eventlake.train", day_chain.train),
        ("eventlake.score", day_chain.score),
        ("eventlake.monitor", day_chain.monitor),
    ):
        assert f"{job}  run {view.run_id}  COMPLETE" in tree, tree
    assert tree.splitlines()[-1] == "  connected: yes", tree


def test_dags_test_failed_gate_stops_training(lake_home, tmp_path):
    """The DAG's real chain on a day that fails its gate: the real ETL job (spark-submit, no
    stand-in) records the verdict and its task succeeds; quality_gate fails the run and
    train never starts.

    The gate is made strict for this run only, through a conf file the task resolves into its
    settings (EVENTLAKE_CONF_FILE): the sample day's ~1.6 % quarantined rows exceed 0.5 %.
    """
    import yaml
    from deltalake import DeltaTable

    from eventlake.settings import CONF_DIR
    from eventlake.tools.airflow_home import airflow_env, executable, migrate, task_states

    settings = lake_home["settings"]
    day = "2026-01-09"
    shutil.copytree(SAMPLE / f"dt={day}", lake_home["home"] / "bucket" / "raw" / f"dt={day}")
    conf = yaml.safe_load((CONF_DIR / "local.yaml").read_text())
    conf["etl"] = {"max_reject_ratio": 0.005}
    conf_file = tmp_path / "strict-gate.yaml"
    conf_file.write_text(yaml.safe_dump(conf))
    migrate(settings)
    proc = subprocess.run(
        [executable("airflow"), "dags", "test", DAG_ID, day],
        env={**airflow_env(settings), "EVENTLAKE_CONF_FILE": str(conf_file)},
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output[-4000:]
    assert task_states(settings, day) == {
        "wait_for_raw_data": "success",
        "etl": "success",
        "quality_gate": "failed",
        "train": "upstream_failed",
        "promotion_outcome": "upstream_failed",
        "score": "upstream_failed",
        "monitor": "upstream_failed",
    }, output[-4000:]
    assert f"quality gate failed for {day}" in output
    assert "exceeds max_reject_ratio 0.005" in output
    lake = lake_home["lake"]
    runs = DeltaTable(str(lake / "etl_runs")).to_pandas()
    day_runs = runs[runs["processing_date"].astype(str) == day]
    assert [(r.status, bool(r.gate_passed), r.max_reject_ratio) for r in day_runs.itertuples()] == [
        ("gate_failed", False, 0.005)
    ]
    events = DeltaTable(str(lake / "events")).to_pandas(columns=["processing_date"])
    assert day not in set(events["processing_date"].astype(str))


def test_dags_test_refuses_a_date_param_that_is_not_a_date(lake_home):
    """conf {"date": "../../x"}: Airflow refuses to create the run, so no task starts."""
    from eventlake.tools.airflow_home import airflow_env, executable, migrate, task_states

    settings = lake_home["settings"]
    migrate(settings)
    proc = subprocess.run(
        [executable("airflow"), "dags", "test", DAG_ID, "2026-01-10", "-c", '{"date": "../../x"}'],
        env=airflow_env(settings),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert "Invalid input for param date: '../../x' does not match" in proc.stdout + proc.stderr
    assert task_states(settings, "2026-01-10") == {}
