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
    from mlflow import MlflowClient

    from eventlake import cli
    from eventlake.jobs.etl import run_etl
    from eventlake.ml.registry import load_model
    from eventlake.settings import load_settings
    from eventlake.spark import drop_jar_paths

    drop_jar_paths()
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

    code = cli.main(["evaluate", "--model", uri, "--start", "2026-01-06", "--end", "2026-01-07"])
    assert code == 0
    evaluated = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert evaluated["roc_auc"] == pytest.approx(summary["holdout_roc_auc"], abs=1e-4)
    assert evaluated["baseline_roc_auc"] == 0.5
    print(json.dumps({"train": summary, "evaluate": evaluated}))
