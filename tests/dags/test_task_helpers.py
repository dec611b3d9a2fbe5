"""The functions behind the tasks, without Spark: gate, sensor, entry point, alert, commands."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from eventlake.errors import ConfigurationError, GateFailed, InputError


def _write_etl_runs(lake: Path, rows: list[dict]) -> None:
    """A minimal etl_runs table (the columns the gate reads), written with deltalake."""
    import pyarrow as pa
    from deltalake import write_deltalake

    schema = pa.schema(
        [
            ("run_id", pa.string()),
            ("processing_date", pa.date32()),
            ("status", pa.string()),
            ("gate_passed", pa.bool_()),
            ("message", pa.string()),
            ("finished_at", pa.timestamp("us", tz="UTC")),
            ("rows_read", pa.int64()),
            ("rows_clean", pa.int64()),
            ("rows_quarantined", pa.int64()),
            ("duplicates_removed", pa.int64()),
            ("quarantine_ratio", pa.float64()),
        ]
    )
    write_deltalake(str(lake / "etl_runs"), pa.Table.from_pylist(rows, schema), mode="append")


def _lake(lake_uri: str):
    """The test's local settings with the lake at `lake_uri`."""
    from eventlake.settings import load_settings

    return load_settings("local").replace(lake_uri=lake_uri)


def _row(run_id, day, passed, finished_hour, message="", clean=90, quarantined=10):
    return {
        "run_id": run_id,
        "processing_date": date.fromisoformat(day),
        "status": "succeeded" if passed else "gate_failed",
        "gate_passed": passed,
        "message": message,
        "finished_at": datetime(2026, 1, 10, finished_hour, tzinfo=UTC),
        "rows_read": 100,
        "rows_clean": clean,
        "rows_quarantined": quarantined,
        "duplicates_removed": 0,
        "quarantine_ratio": quarantined / 100,
    }


def test_check_quality_gate_uses_the_latest_run_of_the_date(tmp_path):
    from eventlake.orchestration.tasks import check_quality_gate

    _write_etl_runs(
        tmp_path,
        [
            _row("r1", "2026-01-03", False, 1, "quarantine ratio 0.40 > 0.20"),
            _row("r2", "2026-01-03", True, 2, clean=95, quarantined=5),
            _row("r3", "2026-01-04", False, 3, "unknown_event_type is fail-severity"),
        ],
    )
    summary = check_quality_gate(_lake(tmp_path.as_uri()), "2026-01-03")
    assert summary["run_id"] == "r2"
    assert (summary["rows_clean"], summary["rows_quarantined"]) == (95, 5)


def test_check_quality_gate_fails_with_the_recorded_reason(tmp_path):
    from eventlake.orchestration.tasks import check_quality_gate

    _write_etl_runs(
        tmp_path,
        [
            _row("r1", "2026-01-04", True, 1),
            _row("r2", "2026-01-04", False, 5, "quarantine ratio 0.40 > 0.20"),
        ],
    )
    with pytest.raises(GateFailed, match=r"2026-01-04 \(etl run r2.*quarantine ratio 0.40 > 0.20"):
        check_quality_gate(_lake(tmp_path.as_uri()), "2026-01-04")


def test_check_quality_gate_without_a_row_names_the_table(tmp_path):
    from eventlake.orchestration.tasks import check_quality_gate

    with pytest.raises(InputError, match="no etl_runs row for processing_date 2026-01-05"):
        check_quality_gate(_lake(tmp_path.as_uri()), "2026-01-05")
    _write_etl_runs(tmp_path, [_row("r1", "2026-01-04", True, 1)])
    with pytest.raises(InputError, match="etl_runs"):
        check_quality_gate(_lake(tmp_path.as_uri()), "2026-01-05")


def test_quality_gate_task_fails_without_retry(tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowFailException

    from eventlake.orchestration.tasks import quality_gate_task

    monkeypatch.setenv("EVENTLAKE_LAKE_URI", tmp_path.as_uri())
    monkeypatch.setenv("EVENTLAKE_TARGET", "local")
    _write_etl_runs(tmp_path, [_row("r9", "2026-01-06", False, 1, "too many rejects")])
    with pytest.raises(AirflowFailException, match="too many rejects"):
        quality_gate_task("2026-01-06")


def test_raw_data_present_ignores_temp_files(tmp_path):
    from eventlake.orchestration.tasks import raw_data_present, raw_day_uri

    raw = tmp_path.as_uri()
    assert raw_day_uri(raw, "2026-01-02") == f"{raw}/dt=2026-01-02/"
    assert raw_data_present(raw, "2026-01-02") is False
    day = tmp_path / "dt=2026-01-02"
    day.mkdir()
    (day / "part-0.csv.gz.tmp").write_bytes(b"x")
    (day / "_SUCCESS_pending").write_bytes(b"")
    assert raw_data_present(raw, "2026-01-02") is False
    (day / "part-0.csv.gz").write_bytes(b"x")
    assert raw_data_present(raw, "2026-01-02") is True


def test_local_sensor_times_out_naming_the_uri(tmp_path, monkeypatch):
    from airflow.sdk.exceptions import AirflowSensorTimeout

    from eventlake.orchestration.operators import RawDataSensor

    monkeypatch.setenv("EVENTLAKE_RAW_URI", tmp_path.as_uri())
    monkeypatch.setenv("EVENTLAKE_TARGET", "local")
    sensor = RawDataSensor(
        task_id="wait_for_raw_data", run_date="2026-01-07", poke_interval=0.1, timeout=0.3
    )
    with pytest.raises(
        AirflowSensorTimeout, match=f"no raw data at {tmp_path.as_uri()}/dt=2026-01-07/"
    ):
        sensor.execute({})
    (tmp_path / "dt=2026-01-07").mkdir()
    (tmp_path / "dt=2026-01-07" / "part-0.json.gz").write_bytes(b"x")
    assert sensor.poke({}) is True


def test_entrypoint_runs_the_job_with_the_settings_file(state_home, tmp_path, capsys):
    """The task's resolved settings reach the job through the file, not the environment."""
    from eventlake import entrypoint
    from eventlake.settings import load_settings

    raw = tmp_path / "task-raw"
    settings = load_settings("local").replace(raw_uri=raw.as_uri())
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(settings.to_json())
    argv = ["--settings-file", str(settings_file), "etl", "--date", "2026-01-01"]
    assert entrypoint.run(argv) == 1
    err = capsys.readouterr().err
    assert f"no raw files for this date under {raw.as_uri()}/dt=2026-01-01/" in err


def test_spark_submit_command_runs_the_entrypoint_with_local_spark(state_home):
    from eventlake.orchestration.runners import ENTRYPOINT, spark_submit_command
    from eventlake.settings import load_settings
    from eventlake.spark import jar_env

    settings = load_settings()
    cmd = spark_submit_command(
        settings,
        "etl",
        ["--date", "2026-01-02"],
        settings_file=Path("/tmp/s.json"),
    )
    assert cmd[0].endswith("spark-submit")
    assert cmd[cmd.index("--master") + 1] == "local[2]"
    confs = [cmd[i + 1] for i, part in enumerate(cmd) if part == "--conf"]
    assert "spark.sql.extensions=io.delta.sql.DeltaSparkSessionExtension" in confs
    # The jars: by Ivy on the first run, from the recorded files after (tests/unit/test_spark_jars).
    assert any(c.startswith("spark.jars.packages=") for c in confs) or jar_env(settings)
    # The file spark-submit runs sits beside the package, not in it: a script's folder is
    # sys.path[0], and from inside eventlake/ its io/ would shadow the standard library's io.
    import eventlake

    assert ENTRYPOINT.name == "eventlake_submit.py"
    assert ENTRYPOINT.parent == Path(eventlake.__file__).resolve().parent.parent
    assert ENTRYPOINT.is_file()
    assert cmd[-6:] == [
        str(ENTRYPOINT),
        "--settings-file",
        "/tmp/s.json",
        "etl",
        "--date",
        "2026-01-02",
    ]


def test_run_spark_submit_reports_the_exit_code(state_home, monkeypatch, tmp_path):
    """A job that fails raises JobFailed with its output; the child is gone afterwards."""
    from eventlake.orchestration import runners
    from eventlake.settings import load_settings

    fake = tmp_path / "spark-submit"
    fake.write_text("#!/bin/sh\necho 'boom: bad input'\nexit 7\n")
    fake.chmod(0o755)
    monkeypatch.setattr(runners, "spark_submit_executable", lambda: str(fake))
    with pytest.raises(runners.JobFailed, match=r"exited with code 7(.|\n)*boom: bad input"):
        runners.run_spark_submit(load_settings(), "etl", ["--date", "2026-01-02"])


def _task_settings(lake_uri: str, runner: str = "spark-submit"):
    """Settings as a DAG task resolved them: a lake the process's environment does not name."""
    from eventlake.settings import load_settings

    settings = load_settings("local").replace(lake_uri=lake_uri)
    return settings.replace(airflow=replace(settings.airflow, local_runner=runner))


def test_in_process_runner_runs_the_job_with_the_tasks_settings(
    state_home, monkeypatch, tmp_path, capsys
):
    """The real ETL job runs in this process on the task's raw URI, not the environment's."""
    from eventlake.orchestration import runners

    task_raw = tmp_path / "task-raw"
    monkeypatch.setenv("EVENTLAKE_RAW_URI", (tmp_path / "process-raw").as_uri())
    settings = _task_settings("file:///task/lake", "in-process").replace(raw_uri=task_raw.as_uri())
    with pytest.raises(runners.JobFailed, match=r"job `eventlake etl --date 2026-01-09` exited"):
        runners.run(settings, "etl", "2026-01-09")
    err = capsys.readouterr().err
    assert f"no raw files for this date under {task_raw.as_uri()}/dt=2026-01-09/" in err
    assert "process-raw" not in err


def test_spark_submit_runner_gets_the_tasks_settings_in_a_file(state_home, monkeypatch, tmp_path):
    from eventlake.orchestration import runners
    from eventlake.settings import Settings

    args_file = tmp_path / "args"
    fake = tmp_path / "spark-submit"
    # Copies the settings file it was given: the runner deletes it when the job ends.
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > {args_file}\n'
        'while [ "$1" != "--settings-file" ]; do shift; done\n'
        f'cp "$2" {tmp_path / "seen.json"}\n'
    )
    fake.chmod(0o755)
    monkeypatch.setattr(runners, "spark_submit_executable", lambda: str(fake))
    monkeypatch.setenv("EVENTLAKE_LAKE_URI", "file:///process/lake")

    runners.run(_task_settings("file:///task/lake"), "train", "2026-01-09")
    words = args_file.read_text().split()
    assert words[-3:] == ["train", "--date", "2026-01-09"]
    seen = Settings.from_json((tmp_path / "seen.json").read_text())
    assert seen.lake_uri == "file:///task/lake"
    settings_file = Path(words[words.index("--settings-file") + 1])
    assert not settings_file.exists()


def test_a_bad_local_runner_is_named(state_home, monkeypatch):
    from eventlake.errors import ConfigurationError
    from eventlake.settings import load_settings

    monkeypatch.setenv("EVENTLAKE_LOCAL_RUNNER", "threads")
    with pytest.raises(
        ConfigurationError,
        match=r"EVENTLAKE_LOCAL_RUNNER='threads' .*: use one of spark-submit, in-process",
    ):
        load_settings("local")


def test_failure_callback_logs_the_task_and_date(caplog, monkeypatch):
    from eventlake.orchestration.alerts import on_task_failure

    monkeypatch.setenv("EVENTLAKE_TARGET", "local")

    class TI:
        dag_id, task_id, run_id, try_number = "eventlake_daily", "etl", "manual__x", 3

    with caplog.at_level(logging.ERROR, logger="eventlake.orchestration.alerts"):
        on_task_failure(
            {"ti": TI(), "ds": "2026-01-04", "params": {}, "exception": ValueError("bad")}
        )
    assert "eventlake_daily: task etl failed for date 2026-01-04 (run manual__x, try 3)" in (
        caplog.text
    )
    assert "ValueError('bad')" in caplog.text


def test_plan_days_for_make_run(state_home):
    from eventlake.settings import load_settings
    from eventlake.tools.run_local import plan_days

    days = [f"2026-01-{d:02d}" for d in range(1, 15)]
    settings = load_settings()  # window_days 7 > holdout 2 + validation 1 + 1: first date 01-08
    history, dag = plan_days(settings, days, 3)
    assert (history[0], history[-1], dag) == (
        "2026-01-01",
        "2026-01-11",
        ["2026-01-12", "2026-01-13", "2026-01-14"],
    )
    history, dag = plan_days(settings, days, None)
    assert (history[0], history[-1], len(history)) == ("2026-01-01", "2026-01-07", 7)
    assert (dag[0], dag[-1], len(dag)) == ("2026-01-08", "2026-01-14", 7)


def test_promotion_outcome_reads_aliases_and_metrics(state_home):
    import mlflow
    from mlflow import MlflowClient

    from eventlake.io.registry import describe_outcome, promotion_outcome

    uri = f"sqlite:///{state_home}/mlflow/mlflow.db"
    client = MlflowClient(tracking_uri=uri)
    mlflow.set_tracking_uri(uri)
    client.create_registered_model("m")
    for auc in (0.71, 0.69):
        with mlflow.start_run() as run:
            mlflow.log_metrics({"holdout_roc_auc": auc, "train_seconds": 3.0})
        client.create_model_version("m", source=f"file:///tmp/{auc}", run_id=run.info.run_id)
    client.set_registered_model_alias("m", "champion", "1")
    client.set_registered_model_alias("m", "challenger", "2")
    outcome = promotion_outcome(uri, "m")
    assert outcome["latest_version"] == "2"
    assert outcome["champion"]["version"] == "1"
    assert outcome["challenger"]["metrics"]["holdout_roc_auc"] == 0.69
    assert outcome["latest_is_champion"] is False
    assert describe_outcome(outcome).splitlines() == [
        "model m: latest version 2",
        "  champion: version 1 (holdout_roc_auc=0.7100)",
        "  challenger: version 2 (holdout_roc_auc=0.6900)",
        "  the latest version is not the champion",
    ]


def test_training_history_gap_until_a_full_window_is_loaded(tmp_path, state_home):
    from eventlake.orchestration.config import task_settings
    from eventlake.orchestration.tasks import training_history_gap

    lake = tmp_path / "lake"
    cfg = task_settings(use_airflow=False).replace(lake_uri=lake.as_uri())
    assert "has no loaded day yet" in training_history_gap(cfg, "2026-01-08")
    # 01-01 failed its gate first and passed on a rerun; 01-02..07 passed.
    rows = [_row("r0", "2026-01-01", False, 1), _row("r1", "2026-01-01", True, 2)]
    rows += [_row(f"r{d}", f"2026-01-0{d}", True, 3) for d in range(2, 8)]
    _write_etl_runs(lake, rows)
    assert training_history_gap(cfg, "2026-01-07") == (
        "the lake starts at 2026-01-01, so the first date with a full feature window and "
        "enough label days to train is 2026-01-08"
    )
    assert training_history_gap(cfg, "2026-01-08") is None


def test_raw_data_present_with_a_ready_marker_and_manifest_waits_for_both(tmp_path):
    from eventlake.io.names import ReadyRule
    from eventlake.orchestration.tasks import raw_data_present

    raw, ready = tmp_path.as_uri(), ReadyRule("_SUCCESS", "_manifest.json")
    day = tmp_path / "dt=2026-01-02"
    day.mkdir()
    (day / "part-0.jsonl.gz").write_bytes(b"x")
    assert raw_data_present(raw, "2026-01-02", ready) is False
    (day / "_SUCCESS").write_bytes(b"")
    assert raw_data_present(raw, "2026-01-02", ready) is False
    assert raw_data_present(raw, "2026-01-02", ReadyRule("_SUCCESS")) is True
    (day / "_manifest.json").write_bytes(b'{"files": []}')
    assert raw_data_present(raw, "2026-01-02", ready) is True


def test_local_sensor_waits_for_the_confs_ready_marker(tmp_path, monkeypatch):
    from eventlake.orchestration.operators import RawDataSensor
    from eventlake.settings import CONF_DIR

    conf = tmp_path / "local-ready.yaml"
    conf.write_text((CONF_DIR / "local.yaml").read_text() + '\nraw:\n  ready_marker: "_SUCCESS"\n')
    raw = tmp_path / "raw"
    monkeypatch.setenv("EVENTLAKE_CONF_FILE", str(conf))
    monkeypatch.setenv("EVENTLAKE_RAW_URI", raw.as_uri())
    monkeypatch.setenv("EVENTLAKE_TARGET", "local")
    sensor = RawDataSensor(task_id="wait_for_raw_data", run_date="2026-01-07")
    (raw / "dt=2026-01-07").mkdir(parents=True)
    (raw / "dt=2026-01-07" / "part-0.json.gz").write_bytes(b"x")
    assert sensor.poke({}) is False
    (raw / "dt=2026-01-07" / "_SUCCESS").write_bytes(b"")
    assert sensor.poke({}) is True


def test_in_process_runner_runs_the_dags_stages_only(state_home):
    """The in-process runner calls the jobs the DAG's job tasks run, by name; any other
    command is refused with the list, before any Spark work."""
    from eventlake.orchestration import runners

    assert sorted(runners.IN_PROCESS_STAGES) == ["etl", "monitor", "predict", "train"]
    settings = _task_settings("file:///task/lake", "in-process")
    stages = r"runs etl, train, predict, monitor, not 'report'"
    with pytest.raises(ConfigurationError, match=stages):
        runners.run(settings, "report", "2026-01-09")
    with pytest.raises(ConfigurationError, match=r"takes --date D only"):
        runners.run_in_process(settings, "etl", ["--date", "2026-01-09", "--lake-uri", "x"])
