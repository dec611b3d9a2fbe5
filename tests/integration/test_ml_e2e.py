"""End to end on the shipped sample: ETL eight days, `eventlake train`, then load the champion by
its alias and `eventlake predict` / `eventlake evaluate` through the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "sample"
FIRST = date(2026, 1, 1)
TRAIN_DAY = date(2026, 1, 8)  # the first trainable date: label days 01-01..01-07
MODEL = "eventlake-high-value"


def test_sample_etl_train_load_by_alias_predict_evaluate(spark, state_home, monkeypatch, capsys):
    from deltalake import DeltaTable
    from mlflow import MlflowClient

    from eventlake import cli
    from eventlake.io.registry import load_model
    from eventlake.jobs.etl import run_etl
    from eventlake.settings import load_settings

    monkeypatch.setenv("EVENTLAKE_RAW_URI", f"file://{SAMPLE_DIR}")
    settings = load_settings("local")
    for offset in range((TRAIN_DAY - FIRST).days + 1):
        run_etl(settings, FIRST + timedelta(days=offset), spark=spark)
    capsys.readouterr()

    assert cli.main(["train", "--date", TRAIN_DAY.isoformat()]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["version"] == "1"
    assert summary["champion"] is True
    assert summary["holdout_roc_auc"] >= 0.75
    assert summary["holdout_pr_auc"] > summary["baseline_pr_auc"] + 0.1
    assert summary["pipeline_model_uri"].startswith(
        (state_home / "bucket" / "artifacts" / "models" / MODEL).as_uri()
    )

    uri = f"models:/{MODEL}@champion"
    client = MlflowClient()
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    model = load_model(uri)  # through MLflow, from the bucket
    assert type(model).__name__ == "PipelineModel"

    assert cli.main(["predict", "--date", TRAIN_DAY.isoformat(), "--model", uri]) == 0
    predicted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert predicted["rows"] > 300
    assert predicted["model_version"] == "1"
    table = spark.read.format("delta").load(str(state_home / "bucket" / "lake" / "predictions"))
    assert table.count() == predicted["rows"]
    assert table.filter("probability < 0 or probability > 1").count() == 0
    # Scoring is a lineage run: inputs the events table at the version read and the model
    # version, output the predictions table at the version written.
    lineage_file = state_home / "lineage" / "openlineage.jsonl"
    events = [json.loads(line) for line in lineage_file.read_text().splitlines()]
    score = [e for e in events if e["job"]["name"] == "eventlake.score"]
    assert [e["eventType"] for e in score] == ["START", "COMPLETE"]
    assert {e["run"]["runId"] for e in score} == {predicted["openlineage_run_id"]}
    done = score[1]
    lake = state_home / "bucket" / "lake"
    assert [(d["namespace"], d["name"]) for d in done["inputs"]] == [
        ("file", str(lake / "events")),
        ("mlflow", f"models:/{MODEL}/1"),
    ]
    # The version read is the table's latest, as its own log says.
    latest = DeltaTable(str(lake / "events")).version()
    assert done["inputs"][0]["facets"]["version"]["datasetVersion"] == str(latest)
    assert [(d["namespace"], d["name"]) for d in done["outputs"]] == [
        ("file", str(lake / "predictions"))
    ]
    assert done["outputs"][0]["facets"]["version"]["datasetVersion"] == "0"

    code = cli.main(["evaluate", "--model", uri, "--start", "2026-01-06", "--end", "2026-01-07"])
    assert code == 0
    evaluated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert evaluated["roc_auc"] == pytest.approx(summary["holdout_roc_auc"], abs=1e-4)
    assert evaluated["baseline_roc_auc"] == 0.5
    print(json.dumps({"train": summary, "evaluate": evaluated}))
