"""Train, register, gate, evaluate and predict against a real tmp lake and a real sqlite MLflow.

The lake is a small synthetic world written as Delta tables with the contract schemas: every
user browses daily; a "mission" is a day of searches and an expensive item left in the cart,
followed by a high-value purchase the next day (most of the time). So the last day's carts
predict tomorrow's label, and a model has a real signal to learn.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.iam_coverage import Call, check, emr_job_bindings, record_calls

pytestmark = pytest.mark.spark

START = date(2026, 1, 1)
DAYS = 14
TRAIN_DAY = START + timedelta(days=DAYS - 1)  # 2026-01-14
USERS = 60
MODEL = "eventlake-high-value"


def world_rows(seed: int = 7, users: int = USERS, days: int = DAYS, start: date = START):
    """Event tuples in EVENTS_SCHEMA order for the synthetic world (deterministic)."""
    from eventlake.contracts.schemas import EVENT_CATEGORY

    rng = random.Random(seed)
    rows = []
    ingested = datetime(2026, 2, 1)

    def event(uid, day, hour, etype, amount=None, product=None, device="mobile", country="US"):
        n = len(rows)
        ts = datetime(day.year, day.month, day.day, hour, rng.randrange(60))
        rows.append(
            (
                f"e{n:06d}",
                uid,
                f"{uid}-{day.isoformat()}",
                ts,
                day,
                hour,
                etype,
                EVENT_CATEGORY[etype],
                None if amount is None else Decimal(f"{amount:.2f}"),
                None if amount is None else "USD",
                device,
                "ios",
                country,
                "/p",
                product,
                None if product is None else "electronics",
                "h",
                "ua",
                "4.2.1",
                etype == "purchase" and amount is not None and amount >= 100,
                day,
                f"raw/dt={day.isoformat()}/part-0.json.gz",
                f"etl-{day.isoformat()}",
                ingested,
                None,  # _rescued
            )
        )

    for i in range(users):
        uid = f"u{i:03d}"
        propensity = 0.35 if i % 3 == 0 else 0.08
        device = ("mobile", "desktop", "tablet")[i % 3]
        country = ("US", "GB", "DE", "IN")[i % 4]
        buy_tomorrow = False
        for d in range(days):
            day = start + timedelta(days=d)
            hour = 8 + (i + d) % 12
            for _ in range(1 + rng.randrange(3)):
                event(uid, day, hour, "page_view", device=device, country=country)
            if rng.random() < 0.5:
                event(uid, day, hour, "click", device=device, country=country)
            if buy_tomorrow:
                if rng.random() < 0.85:
                    event(uid, day, hour, "add_to_cart", 150.0, f"p{i}", device, country)
                    event(uid, day, hour, "checkout", 150.0, f"p{i}", device, country)
                    event(uid, day, hour, "purchase", 150.0 + i, f"p{i}", device, country)
                buy_tomorrow = False
            elif rng.random() < propensity:  # research day: searches, a cart left behind
                event(uid, day, hour, "search", device=device, country=country)
                event(uid, day, hour, "add_to_cart", 180.0, f"p{i}", device, country)
                buy_tomorrow = True
            elif rng.random() < 0.04:  # an unplanned big purchase
                event(uid, day, hour, "purchase", 120.0, f"q{i}", device, country)
            elif rng.random() < 0.2:
                event(uid, day, hour, "checkout", 20.0, f"s{i}", device, country)
                event(uid, day, hour, "purchase", 20.0, f"s{i}", device, country)
    return rows


def etl_run_row(day: date, gate_passed: bool, finished: datetime, run_id: str | None = None):
    """A row of etl_runs, by column name (the table only grows)."""
    return {
        "run_id": run_id or f"etl-{day.isoformat()}",
        "processing_date": day,
        "status": "succeeded" if gate_passed else "gate_failed",
        "gate_passed": gate_passed,
        "message": None,
        "started_at": finished - timedelta(minutes=1),
        "finished_at": finished,
        "rows_read": 10,
        "rows_clean": 10,
        "rows_quarantined": 0,
        "duplicates_removed": 0,
        "quarantine_ratio": 0.0,
        "max_reject_ratio": 0.2,
        "reason_counts": {},
        "files": [],
        "skipped_files": [],
        "events_version": 0,
        "quarantine_version": 0,
        "events_rows_written": 10,
        "quarantine_rows_written": 0,
        "openlineage_run_id": "ol",
        "raw_uri": "file:///raw",
        "lake_uri": "file:///lake",
    }


def write_events(spark, lake: Path | str, rows, mode: str = "overwrite") -> None:
    from eventlake.contracts.schemas import EVENTS_SCHEMA

    (
        spark.createDataFrame(rows, EVENTS_SCHEMA)
        .write.format("delta")
        .mode(mode)
        .partitionBy("event_date")
        .save(f"{lake}/events")
    )


def write_etl_runs(spark, lake: Path | str, runs, mode: str = "append") -> None:
    from eventlake.contracts.schemas import ETL_RUNS_SCHEMA

    spark.createDataFrame(runs, ETL_RUNS_SCHEMA).write.format("delta").mode(mode).save(
        f"{lake}/etl_runs"
    )


@dataclass
class Env:
    home: Path
    lake: Path
    settings: object
    tracking_uri: str


def make_env(spark, root: Path, mp: pytest.MonkeyPatch, rows=None) -> Env:
    from eventlake.settings import load_settings

    home = root / "home"
    (home / "mlflow").mkdir(parents=True)
    mp.setenv("EVENTLAKE_HOME", str(home))
    for var in ("EVENTLAKE_RAW_URI", "EVENTLAKE_LAKE_URI", "EVENTLAKE_ARTIFACTS_URI"):
        mp.delenv(var, raising=False)
    tracking = f"sqlite:///{home}/mlflow/mlflow.db"
    mp.setenv("MLFLOW_TRACKING_URI", tracking)
    settings = load_settings("local")
    lake = home / "bucket" / "lake"
    write_events(spark, lake, world_rows() if rows is None else rows)
    finished = datetime(2026, 2, 1, 3)
    write_etl_runs(
        spark,
        lake,
        [etl_run_row(START + timedelta(days=d), True, finished) for d in range(DAYS)],
        mode="overwrite",
    )
    return Env(home, lake, settings, tracking)


def client():
    from mlflow import MlflowClient

    return MlflowClient()


def versions(name: str = MODEL) -> list[int]:
    return sorted(int(v.version) for v in client().search_model_versions(f"name = '{name}'"))


def alias(name: str, which: str) -> int:
    return int(client().get_model_version_by_alias(name, which).version)


def fast() -> dict:
    """Small data, small models: the gate logic is under test here, not model quality."""
    from eventlake.ml.pipeline import ModelParams

    return dict(min_train_rows=100, params=ModelParams(lr_max_iter=20, gbt_max_iter=5))


@pytest.fixture(scope="module")
def trained(spark, tmp_path_factory) -> Iterator[tuple[Env, object]]:
    """One lake and store, trained once for TRAIN_DAY; tests below read from it."""
    from eventlake.jobs.train import run_train

    mp = pytest.MonkeyPatch()
    env = make_env(spark, tmp_path_factory.mktemp("trained"), mp)
    result = run_train(env.settings, TRAIN_DAY, **fast())
    yield env, result
    mp.undo()


def test_train_first_version_becomes_champion(trained):
    _env, result = trained
    assert result.version == "1"
    assert result.promoted
    assert "first version" in result.reason
    assert versions() == [1]
    assert alias(MODEL, "champion") == 1
    assert alias(MODEL, "challenger") == 1
    assert alias_history(_env) == [
        ("challenger", None, "1", "train"),
        ("champion", None, "1", "train"),
    ]


def alias_history(
    env: Env, columns: tuple[str, ...] = ("alias", "from_version", "to_version", "actor")
) -> list[tuple]:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    rows = spark.read.format("delta").load(str(env.lake / "model_aliases")).collect()
    rows.sort(key=lambda r: r["changed_at"])
    return [tuple(r[c] for c in columns) for r in rows]


def test_train_quality_beats_baseline(trained):
    _, result = trained
    m = result.metrics
    assert m["holdout_roc_auc"] >= 0.75
    assert m["baseline_roc_auc"] == 0.5
    assert m["holdout_pr_auc"] > m["baseline_pr_auc"] + 0.2
    assert m["holdout_log_loss"] < m["baseline_log_loss"]


def test_train_saves_pipeline_model_in_bucket(trained, spark):
    from pyspark.ml import PipelineModel

    env, result = trained
    path = env.home / "bucket" / "artifacts" / "models" / MODEL / result.run_id
    assert result.model_uri == path.as_uri()
    assert (path / "metadata").is_dir()
    model = PipelineModel.load(path.as_uri())
    assert [type(s).__name__ for s in model.stages][:5] == [
        "ImputerModel",
        "StringIndexerModel",
        "OneHotEncoderModel",
        "VectorAssembler",
        "StandardScalerModel",
    ]


def test_train_logs_run_with_dataset_tags_and_model(trained):
    env, result = trained
    run = client().get_run(result.run_id)
    assert run.data.tags["run_date"] == "2026-01-14"
    assert len(run.data.tags["git_sha"]) >= 7
    etl_ids = run.data.tags["etl_run_ids"].split(",")
    assert "etl-2026-01-01" in etl_ids
    assert "etl-2026-01-14" in etl_ids
    assert run.data.tags["events_version"] == "0"
    assert run.data.params["window_days"] == "7"
    assert run.data.params["holdout_days"] == "2026-01-12..2026-01-13"
    for key in (
        "holdout_roc_auc",
        "holdout_pr_auc",
        "holdout_log_loss",
        "holdout_f1",
        "baseline_roc_auc",
        "baseline_pr_auc",
        "threshold",
    ):
        assert key in run.data.metrics
    dataset_inputs = run.inputs.dataset_inputs
    assert len(dataset_inputs) == 1
    source = json.loads(dataset_inputs[0].dataset.source)
    assert source["path"].endswith("/lake/events")
    assert str(source["delta_table_version"]) == "0"
    # MLflow's copy sits in the bucket too (the experiment's artifact location).
    assert run.info.artifact_uri.startswith((env.home / "bucket" / "artifacts" / "mlflow").as_uri())
    mlmodel = Path(run.info.artifact_uri.removeprefix("file://")) / "model" / "MLmodel"
    text = mlmodel.read_text()
    assert "spark:" in text
    assert "signature:" in text
    assert "saved_input_example_info" in text


def test_train_is_a_lineage_run_from_events_version_to_model_version(trained):
    env, result = trained
    lines = (env.home / "lineage" / "openlineage.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    train = [e for e in events if e["job"]["name"] == "eventlake.train"]
    assert [e["eventType"] for e in train] == ["START", "COMPLETE"]
    run_id = train[0]["run"]["runId"]
    assert train[1]["run"]["runId"] == run_id
    done = train[1]
    [events_in] = done["inputs"]
    assert (events_in["namespace"], events_in["name"].endswith("/lake/events")) == ("file", True)
    assert events_in["facets"]["version"]["datasetVersion"] == "0"
    [model_out] = done["outputs"]
    assert (model_out["namespace"], model_out["name"]) == ("mlflow", f"models:/{MODEL}/1")
    facet = model_out["facets"]["modelVersion"]
    assert (facet["version"], facet["aliases"]) == ("1", ["challenger", "champion"])
    assert facet["pipelineModelUri"] == result.model_uri
    assert done["run"]["facets"]["mlflowRun"]["runId"] == result.run_id
    assert client().get_run(result.run_id).data.tags["openlineage_run_id"] == run_id


def test_train_retry_registers_nothing(trained):
    from eventlake.jobs.train import run_train

    env, _ = trained
    again = run_train(env.settings, TRAIN_DAY, **fast())
    assert again.retried
    assert again.version == "1"
    assert "nothing registered" in again.reason
    assert versions() == [1]


def test_train_waits_for_the_lake_lease_then_refuses_naming_its_holder(trained):
    # Two trainings at once would both move the aliases: the second waits for the lake's
    # lease (held here by a hand-made holder), then refuses, registering nothing.
    import dataclasses

    from eventlake.io import lease
    from eventlake.jobs.train import run_train

    env, _ = trained
    settings = dataclasses.replace(
        env.settings, etl=dataclasses.replace(env.settings.etl, lease_wait_seconds=1.0)
    )
    held = lease.acquire(settings.lake_uri, "another training", 600, 0)
    try:
        with pytest.raises(lease.LakeBusy, match="another training"):
            run_train(settings, TRAIN_DAY, **fast())
    finally:
        lease.release(held)
    assert versions() == [1]


def test_evaluate_prints_metrics_with_json_last_line(trained, capsys):
    from eventlake import cli

    code = cli.main(
        [
            "evaluate",
            "--model",
            f"models:/{MODEL}@champion",
            "--start",
            "2026-01-12",
            "--end",
            "2026-01-13",
        ]
    )
    assert code == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    out = json.loads(last)
    _, result = trained
    assert out["roc_auc"] == pytest.approx(result.metrics["holdout_roc_auc"], abs=1e-6)
    assert out["baseline_roc_auc"] == 0.5
    assert out["model_version"] == "1"
    assert {"pr_auc", "log_loss", "precision", "recall", "f1"} <= set(out)


def test_predict_writes_table_idempotently_and_keeps_unknown_categories(trained, spark):
    from eventlake.jobs.predict import run_predict

    env, _ = trained
    uri = f"models:/{MODEL}@champion"
    first = run_predict(env.settings, TRAIN_DAY, uri)
    assert first["rows"] == USERS
    assert first["model_version"] == "1"
    run_predict(env.settings, TRAIN_DAY, uri)
    table = spark.read.format("delta").load(str(env.lake / "predictions"))
    assert table.count() == USERS  # replaced, not appended
    row = table.filter("user_id = 'u000'").first()
    assert row["as_of_date"] == TRAIN_DAY
    assert row["target_date"] == TRAIN_DAY + timedelta(days=1)
    assert 0.0 <= row["probability"] <= 1.0


def test_champion_scores_unknown_category_and_nulls(trained, spark):
    from eventlake.io.registry import load_model
    from eventlake.ml.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

    model = load_model(f"models:/{MODEL}@champion")
    cols = ["user_id", *NUMERIC_FEATURES, *CATEGORICAL_FEATURES]
    values = ["new", *([1.0] * len(NUMERIC_FEATURES)), "smart-fridge", None]
    values[cols.index("cart_to_purchase_ratio")] = None
    from pyspark.sql import types as T

    schema = T.StructType(
        [T.StructField("user_id", T.StringType())]
        + [T.StructField(c, T.DoubleType()) for c in NUMERIC_FEATURES]
        + [T.StructField(c, T.StringType()) for c in CATEGORICAL_FEATURES]
    )
    out = model.transform(spark.createDataFrame([tuple(values)], schema)).first()
    assert 0.0 <= out["probability"][1] <= 1.0


def test_gate_keeps_champion_when_new_model_is_worse(trained, spark):
    from eventlake.jobs.train_gate import gate
    from eventlake.ml.data import EtlGate
    from eventlake.ml.features import build_user_day_features
    from eventlake.ml.training import plan_split

    env, result = trained
    plan = plan_split(TRAIN_DAY, START, 7, 2)
    events_df = spark.read.format("delta").load(str(env.lake / "events"))
    labelled = build_user_day_features(events_df, plan.holdout.start, plan.holdout.end, 7)
    from eventlake.io.registry import start_run

    experiment_id = client().get_experiment_by_name(MODEL).experiment_id
    with start_run(experiment_id=experiment_id) as run:
        decision = gate(client(), env.settings, labelled, plan, 0.6, EtlGate(True, "ok"), run)
    assert not decision.promote
    assert "uplift" in decision.reason
    assert f"{result.metrics['holdout_roc_auc']:.4f}" in decision.reason
    assert alias(MODEL, "champion") == 1


def test_gate_new_data_version_failed_etl_or_no_uplift_keeps_champion(trained, spark):
    """A new ETL run of the training date (the gate's input changes): a second version is
    registered as challenger; a failed ETL gate, then an equal score, both leave champion on
    version 1."""
    from eventlake.jobs.train import run_train

    env, _ = trained
    failed_run = etl_run_row(TRAIN_DAY, False, datetime(2026, 2, 2), run_id="etl-rerun-1")
    write_etl_runs(spark, env.lake, [failed_run])
    failed = run_train(env.settings, TRAIN_DAY, **fast())
    assert (failed.version, failed.promoted) == ("2", False)
    assert "ETL gate not passed" in failed.reason
    assert alias(MODEL, "champion") == 1
    assert alias(MODEL, "challenger") == 2

    passed_run = etl_run_row(TRAIN_DAY, True, datetime(2026, 2, 3), run_id="etl-rerun-2")
    write_etl_runs(spark, env.lake, [passed_run])
    equal = run_train(env.settings, TRAIN_DAY, **fast())
    assert (equal.version, equal.promoted) == ("3", False)
    assert "uplift +0.0000 < 0.005" in equal.reason
    assert alias(MODEL, "champion") == 1
    assert alias(MODEL, "challenger") == 3
    tags = client().get_model_version(MODEL, "3").tags
    assert tags["gate_decision"] == "kept_champion"


def test_gate_better_model_is_promoted(spark, tmp_path, monkeypatch):
    """A weak champion (fit on shuffled labels) is replaced by the new, better version."""
    import mlflow
    from pyspark.sql import functions as F

    from eventlake.io import registry
    from eventlake.jobs.train import run_train
    from eventlake.ml.features import build_user_day_features
    from eventlake.ml.pipeline import ModelParams, build_pipeline

    env = make_env(spark, tmp_path, monkeypatch)
    c = registry.connect(env.tracking_uri)
    exp = registry.ensure_experiment(c, MODEL, (env.home / "bucket" / "mlflow").as_uri())
    events_df = spark.read.format("delta").load(str(env.lake / "events"))
    weak_df = build_user_day_features(events_df, START, START + timedelta(days=9), 7)
    weak_df = weak_df.withColumn("label", (F.hash("user_id", "as_of_date") % 2 == 0).cast("double"))
    weak = build_pipeline("logistic_regression", ModelParams(lr_max_iter=5)).fit(weak_df)
    with mlflow.start_run(experiment_id=exp) as run:
        mlflow.spark.log_model(weak, artifact_path="model", pip_requirements=["pyspark"])
    mv = registry.register(c, MODEL, run.info.run_id, tags={"note": "weak"})
    c.set_registered_model_alias(MODEL, "champion", mv.version)

    result = run_train(env.settings, TRAIN_DAY, **fast())
    assert (result.version, result.promoted) == ("2", True)
    assert "beats champion" in result.reason
    assert alias(MODEL, "champion") == 2
    assert client().get_run(result.run_id).data.metrics["champion_holdout_roc_auc"] < 0.7


@pytest.mark.s3
@pytest.mark.slow
def test_train_and_predict_with_lake_and_artifacts_on_s3(spark, state_home, s3_env):
    """Lake, PipelineModel and MLflow artifacts all in S3 buckets (moto server)."""
    import boto3
    import mlflow

    from eventlake.jobs.predict import run_predict
    from eventlake.jobs.train import run_train
    from eventlake.settings import load_settings
    from eventlake.spark import apply_s3_endpoint

    apply_s3_endpoint(spark, load_settings("local"))
    s3 = boto3.client("s3")
    for bucket in ("ml-lake", "ml-artifacts"):
        s3.create_bucket(Bucket=bucket)
    lake = "s3a://ml-lake/lake"
    write_events(spark, lake, world_rows())
    finished = datetime(2026, 2, 1, 3)
    write_etl_runs(spark, lake, [etl_run_row(TRAIN_DAY, True, finished)], mode="overwrite")
    settings = load_settings("local").replace(
        lake_uri="s3://ml-lake/lake", artifacts_uri="s3://ml-artifacts"
    )

    from mlflow.store.artifact.s3_artifact_repo import _cached_get_s3_client

    _cached_get_s3_client.cache_clear()  # a client made before the recording is not recorded
    calls: list[Call] = []
    with record_calls("emr-job", calls):  # what EMR's job role is asked for
        result = run_train(settings, TRAIN_DAY, kinds=("logistic_regression",), **fast())
    assert (result.version, result.promoted) == ("1", True)
    assert result.model_uri == f"s3://ml-artifacts/models/{MODEL}/{result.run_id}"

    def keys(prefix: str) -> list[str]:
        listed = s3.list_objects_v2(Bucket="ml-artifacts", Prefix=prefix).get("Contents", [])
        return [o["Key"] for o in listed]

    assert f"models/{MODEL}/{result.run_id}/metadata/_SUCCESS" in keys(f"models/{MODEL}/")
    assert f"mlflow/{result.run_id}/artifacts/model/MLmodel" in keys("mlflow/")
    assert mlflow.get_run(result.run_id).info.artifact_uri.startswith("s3://ml-artifacts/mlflow/")

    with record_calls("emr-job", calls):
        predicted = run_predict(settings, TRAIN_DAY, f"models:/{MODEL}@champion")
    assert predicted["rows"] == USERS
    assert predicted["table"] == "s3://ml-lake/lake/predictions"
    # The botocore calls of training and scoring (the lake lease, MLflow's artifact uploads
    # and reads) are each allowed by the EMR job role's Terraform policy; moto checks no IAM.
    mlflow_puts = [
        c.params["Key"]
        for c in calls
        if c.operation in ("PutObject", "CreateMultipartUpload")
        and c.params["Bucket"] == "ml-artifacts"
    ]
    assert any(k.startswith(f"mlflow/{result.run_id}/artifacts/") for k in mlflow_puts)
    assert {"PutObject", "DeleteObject"} <= {
        c.operation for c in calls if c.params.get("Bucket") == "ml-lake"
    }  # the lease: taken, then released
    bindings = emr_job_bindings("ml-raw", "ml-lake", "ml-artifacts", "123456789012")
    checked = check(calls, {"emr-job": bindings}, "123456789012")
    print("\n".join(["IAM coverage of the EMR job role (train, predict)", *checked]))


def test_bad_input_fails_before_training_and_registers_nothing(spark, tmp_path, monkeypatch):
    """Missing days, a single class, too few rows: a clear InputError, no run, no version."""
    from eventlake.errors import InputError
    from eventlake.jobs.train import run_train

    gap = date(2026, 1, 5)
    env = make_env(spark, tmp_path, monkeypatch, [r for r in world_rows() if r[4] != gap])
    with pytest.raises(InputError, match=r"no events for 1 day\(s\) .*: 2026-01-05"):
        run_train(env.settings, TRAIN_DAY, **fast())

    no_high_value = [(*r[:19], False, *r[20:]) for r in world_rows()]
    write_events(spark, env.lake, no_high_value)
    with pytest.raises(InputError, match=r"train .* has a single class: all \d+ rows"):
        run_train(env.settings, TRAIN_DAY, **fast())

    write_events(spark, env.lake, world_rows())
    with pytest.raises(InputError, match=r"train .* user-day rows, need >= 100000"):
        run_train(env.settings, TRAIN_DAY, min_train_rows=100_000)

    with pytest.raises(InputError, match="not enough label days"):
        run_train(env.settings, START + timedelta(days=2), **fast())

    assert versions() == []
    experiment = client().get_experiment_by_name(MODEL)
    assert experiment is None or not client().search_runs([experiment.experiment_id])


KILL_AFTER_REGISTER = """
import dataclasses, os, signal, sys
from datetime import date
from mlflow import MlflowClient
from eventlake.jobs.train import run_train
from eventlake.ml.pipeline import ModelParams
from eventlake.settings import load_settings

def die(*args, **kwargs):  # the first alias move comes right after register
    os.kill(os.getpid(), signal.SIGKILL)

MlflowClient.set_registered_model_alias = die
# The training holds the lake's lease; a short time to live lets the retry take the dead
# child's lease over in seconds (the default would make it wait for half an hour).
settings = load_settings("local")
settings = dataclasses.replace(settings, etl=dataclasses.replace(settings.etl, lease_ttl_seconds=3))
run_train(settings, date.fromisoformat(sys.argv[1]), min_train_rows=100,
          params=ModelParams(lr_max_iter=20, gbt_max_iter=5))
"""


@pytest.mark.slow
def test_train_killed_after_register_is_finished_by_its_retry(spark, tmp_path, monkeypatch):
    """A real child process is SIGKILLed right after it registered its version: no alias, no
    gate decision. An ETL commit for a later date lands meanwhile. The retry finds the version
    (same ETL runs read), runs the gate and moves the aliases; a second retry changes nothing."""
    import subprocess
    import sys

    from eventlake.io import registry
    from eventlake.jobs.train import run_train

    env = make_env(spark, tmp_path, monkeypatch)
    registry.connect(env.tracking_uri)  # this process's client reads the child's store
    child = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_REGISTER, TRAIN_DAY.isoformat()],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert child.returncode == -9, child.stderr[-3000:]
    assert versions() == [1], child.stderr[-5000:]
    stopped = client().get_model_version(MODEL, "1")
    assert "gate_decision" not in stopped.tags
    assert client().get_registered_model(MODEL).aliases == {}
    assert client().get_run(stopped.run_id).info.status == "RUNNING"
    killed_lineage = client().get_run(stopped.run_id).data.tags["openlineage_run_id"]

    later = [r for r in world_rows(days=DAYS + 2) if r[4] > TRAIN_DAY]
    write_events(spark, env.lake, later, mode="append")

    retry = run_train(env.settings, TRAIN_DAY, **fast())
    assert (retry.retried, retry.version, retry.promoted) == (True, "1", True)
    assert retry.reason.startswith("retry finished the gate of version 1: first version")
    assert versions() == [1]
    assert (alias(MODEL, "champion"), alias(MODEL, "challenger")) == (1, 1)
    finished = client().get_model_version(MODEL, "1")
    assert finished.tags["gate_decision"] == "promoted"
    run = client().get_run(stopped.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["gate_decision"] == "promoted"
    # The lineage file: the killed attempt has a START only; the retry's COMPLETE carries the
    # model, and the MLflow run's tag now names the retry's lineage run.
    lines = (env.home / "lineage" / "openlineage.jsonl").read_text().splitlines()
    train = [json.loads(line) for line in lines]
    train = [
        (e["run"]["runId"], e["eventType"]) for e in train if e["job"]["name"] == "eventlake.train"
    ]
    assert train[0] == (killed_lineage, "START")
    assert [t for r, t in train if r == killed_lineage] == ["START"]
    retry_lineage = train[1][0]
    assert train[1:] == [(retry_lineage, "START"), (retry_lineage, "COMPLETE")]
    assert run.data.tags["openlineage_run_id"] == retry_lineage
    assert run.data.tags["openlineage_stopped_run_ids"] == killed_lineage

    again = run_train(env.settings, TRAIN_DAY, **fast())
    assert (again.retried, again.version, again.promoted) == (True, "1", True)
    assert "its gate decided promoted; nothing registered" in again.reason
    assert versions() == [1]


@pytest.mark.slow
def test_alias_history_after_three_trainings_and_a_rollback(spark, tmp_path, monkeypatch, capsys):
    """Three training days with the gate off (each version is crowned), a manual rollback,
    then `eventlake models --at` for the days: the history, written out by hand."""
    import dataclasses

    from eventlake import cli
    from eventlake.io import registry
    from eventlake.jobs.train import run_train

    sha = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a"
    monkeypatch.setenv("EVENTLAKE_GIT_SHA", sha)  # the release id the DAG run would set
    env = make_env(spark, tmp_path, monkeypatch)
    registry.connect(env.tracking_uri)
    ml = dataclasses.replace(env.settings.ml, promotion_gate=False)
    settings = dataclasses.replace(env.settings, ml=ml)
    for offset in (2, 1, 0):
        run_train(settings, TRAIN_DAY - timedelta(days=offset), **fast())
    assert versions() == [1, 2, 3]
    # the MLflow runs that registered each version, as the registry has them
    run_of = {n: client().get_model_version(MODEL, str(n)).run_id for n in (1, 2, 3)}

    assert cli.main(["rollback", "--reason", "v3 misbehaves in production"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        '{"model": "eventlake-high-value", "alias": "champion", "from": "3", "to": "2"}'
    )
    assert (alias(MODEL, "champion"), alias(MODEL, "challenger")) == (2, 3)
    assert alias_history(env) == [
        ("challenger", None, "1", "train"),
        ("champion", None, "1", "train"),
        ("challenger", "1", "2", "train"),
        ("champion", "1", "2", "train"),
        ("challenger", "2", "3", "train"),
        ("champion", "2", "3", "train"),
        ("champion", "3", "2", "rollback"),
    ]
    off = "promotion gate disabled (ml.promotion_gate: false)"
    assert alias_history(env, ("reason", "mlflow_run_id", "git_sha")) == [
        ("new version trained for 2026-01-12", run_of[1], sha),
        (off, run_of[1], sha),
        ("new version trained for 2026-01-13", run_of[2], sha),
        (off, run_of[2], sha),
        ("new version trained for 2026-01-14", run_of[3], sha),
        (off, run_of[3], sha),
        ("v3 misbehaves in production", None, sha),
    ]

    assert cli.main(["promote", "--version", "7", "--reason", "typo"]) == 1
    assert "eventlake-high-value has no version '7'" in capsys.readouterr().err

    assert cli.main(["models", "--at", "2020-01-01"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "no alias was set by then" in out[1]
    assert json.loads(out[-1])["aliases"] == {}
    assert cli.main(["models"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert json.loads(out[-1])["aliases"] == {"champion": "2", "challenger": "3"}
    assert out[1].startswith("  challenger  version 3 ")
    assert out[1].endswith("(train: new version trained for 2026-01-14)")
    assert out[2].startswith("  champion    version 2 ")
    assert out[2].endswith("(rollback: v3 misbehaves in production)")
