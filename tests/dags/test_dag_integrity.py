"""The DAG as Airflow's own loader sees it: imports, order, defaults, schedule, parse cost."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest
from helpers.dag_paths import DAG_ID, DAGS, ROOT, dag_spec_json

MAINTENANCE_DAG_ID = "eventlake_maintenance"
ORDER = [
    "wait_for_raw_data",
    "etl",
    "quality_gate",
    "train",
    "promotion_outcome",
    "score",
    "monitor",
]


def _upstream_map(dag) -> dict[str, list[str]]:
    return {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}


@pytest.mark.parametrize("target", ["local", "aws"])
def test_eventlake_daily_task_order_is_a_chain(load_dag, target):
    dag, _ = load_dag(target)
    assert _upstream_map(dag) == {
        "wait_for_raw_data": [],
        "etl": ["wait_for_raw_data"],
        "quality_gate": ["etl"],
        "train": ["quality_gate"],
        "promotion_outcome": ["train"],
        "score": ["promotion_outcome"],
        "monitor": ["score"],
    }


@pytest.mark.parametrize("target", ["local", "aws"])
def test_eventlake_daily_task_defaults(load_dag, target):
    from eventlake.orchestration.alerts import on_task_failure

    dag, _ = load_dag(target)
    for task in dag.tasks:
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff == 2.0, task.task_id
        assert task.retry_delay == timedelta(minutes=2), task.task_id
        assert task.max_retry_delay == timedelta(minutes=30), task.task_id
        assert task.execution_timeout is not None, task.task_id
        assert task.execution_timeout <= timedelta(hours=4), task.task_id
        assert on_task_failure in task.on_failure_callback, task.task_id


def test_eventlake_daily_schedule_and_tags(load_dag):
    from airflow.sdk import CronDataIntervalTimetable

    dag, _ = load_dag("local")
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 3 * * *"
    assert set(dag.tags) == {"eventlake", "etl", "ml", "target:local"}


def test_eventlake_daily_parses_fast(load_dag):
    _, bag = load_dag("local")
    stats = {s.file.rsplit("/", 1)[-1]: s for s in bag.dagbag_stats}
    assert sorted(stats) == ["eventlake_daily.py", "eventlake_maintenance.py"]
    assert (stats["eventlake_daily.py"].dag_num, stats["eventlake_daily.py"].task_num) == (1, 7)
    assert (
        stats["eventlake_maintenance.py"].dag_num,
        stats["eventlake_maintenance.py"].task_num,
    ) == (1, 2)
    for stat in stats.values():
        assert stat.duration < timedelta(seconds=1), stat.duration


@pytest.mark.parametrize("target", ["local", "aws"])
def test_eventlake_maintenance_is_two_independent_daily_tasks_with_the_defaults(load_dag, target):
    from airflow.sdk import CronDataIntervalTimetable

    from eventlake.orchestration.alerts import on_task_failure

    _, bag = load_dag(target)
    dag = bag.dags[MAINTENANCE_DAG_ID]
    assert _upstream_map(dag) == {"maintain": [], "reconcile_check": []}
    for task in dag.tasks:
        assert task.retries >= 2 and task.retry_exponential_backoff == 2.0
        assert task.execution_timeout is not None
        assert task.execution_timeout <= timedelta(hours=4)
        assert on_task_failure in task.on_failure_callback
    assert dag.get_task("reconcile_check").execution_timeout == timedelta(minutes=30)
    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert dag.timetable.expression == "0 12 * * *"
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert set(dag.tags) == {"eventlake", "maintenance", f"target:{target}"}


def test_eventlake_maintenance_aws_runs_the_maintain_job_on_emr(load_dag):
    _, bag = load_dag("aws")
    op = bag.dags[MAINTENANCE_DAG_ID].get_task("maintain")
    assert type(op).__name__ == "EventlakeEmrServerlessStartJobOperator"
    assert op.job_driver["sparkSubmit"]["entryPointArguments"] == [
        "maintain",
        "--date",
        "{{ eventlake_run_date() }}",
    ]
    assert op.job_driver["sparkSubmit"]["entryPoint"] == (
        "{{ var.value.eventlake_release_uri }}/entrypoint.py"
    )
    assert "xcom_pull" not in json.dumps(op.job_driver)
    # its git_sha: the id of the release the Variable names
    assert (
        "driverEnv.EVENTLAKE_GIT_SHA={{ (var.value.eventlake_release_uri or '')"
        ".rstrip('/').rsplit('/', 1)[-1] }}"
    ) in op.job_driver["sparkSubmit"]["sparkSubmitParameters"]
    assert op.application_id == "{{ var.value.eventlake_emr_application_id }}"
    assert op.cancel_on_kill is True and op.wait_for_completion is True


def test_eventlake_daily_aws_operators(load_dag):
    dag, _ = load_dag("aws")
    sensor = dag.get_task("wait_for_raw_data")
    assert type(sensor).__mro__[2].__name__ == "S3KeySensor"
    assert sensor.wildcard_match is True
    assert sensor.bucket_key == (
        "{{ var.value.eventlake_raw_uri }}/dt={{ eventlake_run_date() }}/*"
    )
    for task_id in ("etl", "train", "score", "monitor"):
        op = dag.get_task(task_id)
        assert op.cancel_on_kill is True
        assert op.wait_for_completion is True
        assert op.application_id == "{{ var.value.eventlake_emr_application_id }}"
        assert op.execution_role_arn == "{{ var.value.eventlake_emr_job_role_arn }}"


@pytest.mark.parametrize("target", ["local", "aws"])
def test_dag_file_imports_no_conf_no_spark_and_no_mlflow(target, monkeypatch):
    """Parsed in a fresh interpreter, as the DAG processor does: no conf is loaded (the conf
    loader, eventlake.settings, is not even imported; Airflow itself imports yaml) and nothing
    heavy is imported."""
    import os

    monkeypatch.setenv("EVENTLAKE_TARGET", target)
    spec = dag_spec_json()
    code = (
        "import json, sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "print(json.dumps({'errors': list(bag.import_errors), 'dags': sorted(bag.dags),"
        " 'loaded': sorted(m for m in ('eventlake.settings', 'eventlake.spark',"
        " 'pyspark', 'mlflow', 'deltalake') if m in sys.modules)}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVENTLAKE_")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**env, "EVENTLAKE_DAG_SPEC": spec},
        timeout=120,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"errors": [], "dags": [DAG_ID, MAINTENANCE_DAG_ID], "loaded": []}


def test_local_parse_imports_no_boto3():
    code = (
        "import json, sys\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "print(json.dumps({'errors': list(bag.import_errors), 'boto3': 'boto3' in sys.modules}))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**__import__("os").environ, "EVENTLAKE_DAG_SPEC": LOCAL_SPEC_DOC_JSON},
        timeout=120,
        check=True,
    )
    assert json.loads(out.stdout.strip().splitlines()[-1]) == {"errors": [], "boto3": False}


# DagSpecs written by hand, as `eventlake deploy` and `eventlake dag-spec` write them.
LOCAL_SPEC_DOC = {
    "target": "local",
    "schedule": "30 4 * * *",
    "catchup": False,
    "maintenance_schedule": "0 13 * * *",
    "ready_objects": [],
    "lineage_namespace": "eventlake",
    "lineage_url": None,
    "job_confs": {},
}
LOCAL_SPEC_DOC_JSON = json.dumps(LOCAL_SPEC_DOC)
AWS_SPEC_DOC = {
    **LOCAL_SPEC_DOC,
    "target": "aws",
    "ready_objects": ["_SUCCESS"],
    "job_confs": {
        "spark.sql.extensions": "io.delta.sql.DeltaSparkSessionExtension",
        "spark.sql.shuffle.partitions": "7",
    },
}


def _errors(bag) -> str:
    return "\n".join(bag.import_errors.values())


def test_parse_reads_the_dag_spec_and_no_variable_or_conf(tmp_path, monkeypatch):
    """The Variable eventlake_target (Airflow's env backend) says aws and EVENTLAKE_TARGET
    says local: parsing reads neither. The DagSpec `eventlake deploy` writes beside the DAG
    file picks the graph, its schedule and its EMR confs; EVENTLAKE_DAG_SPEC wins over it."""
    import shutil

    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.delenv("EVENTLAKE_DAG_SPEC", raising=False)
    monkeypatch.setenv("EVENTLAKE_TARGET", "local")
    monkeypatch.setenv("AIRFLOW_VAR_EVENTLAKE_TARGET", "aws")
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(DAGS / "eventlake_daily.py", dags)
    release = dags / "eventlake_release.json"

    bag = DagBag(dag_folder=str(dags))
    assert "have no DAG spec" in _errors(bag)
    assert "EVENTLAKE_DAG_SPEC" in _errors(bag) and "eventlake dag-spec" in _errors(bag)

    release.write_text(json.dumps({"target": "aws", "dag_spec": AWS_SPEC_DOC}))
    bag = DagBag(dag_folder=str(dags))
    assert bag.import_errors == {}
    dag = bag.dags[DAG_ID]
    assert dag.timetable.expression == "30 4 * * *"
    assert set(dag.tags) == {"eventlake", "etl", "ml", "target:aws"}
    etl = dag.get_task("etl")
    assert type(etl).__name__ == "EventlakeEmrServerlessStartJobOperator"
    submit = etl.job_driver["sparkSubmit"]["sparkSubmitParameters"]
    assert "--conf spark.sql.shuffle.partitions=7 " in submit
    sensor = dag.get_task("wait_for_raw_data")
    assert sensor.bucket_key == [
        "{{ var.value.eventlake_raw_uri }}/dt={{ eventlake_run_date() }}/_SUCCESS"
    ]

    monkeypatch.setenv("EVENTLAKE_DAG_SPEC", LOCAL_SPEC_DOC_JSON)
    bag = DagBag(dag_folder=str(dags))
    assert bag.import_errors == {}
    assert type(bag.dags[DAG_ID].get_task("etl")).__name__ == "_PythonDecoratedOperator"
    monkeypatch.delenv("EVENTLAKE_DAG_SPEC")

    release.write_text(json.dumps({"target": "aws"}))
    bag = DagBag(dag_folder=str(dags))
    assert "has no dag_spec" in _errors(bag) and "redeploy the DAG" in _errors(bag)

    release.write_text(json.dumps({"dag_spec": {**AWS_SPEC_DOC, "target": "gcp"}}))
    bag = DagBag(dag_folder=str(dags))
    assert "target is 'gcp', not one of ['local', 'aws']" in _errors(bag)
    assert "eventlake_release.json" in _errors(bag)

    release.write_text(json.dumps({"dag_spec": {**AWS_SPEC_DOC, "job_confs": {}}}))
    bag = DagBag(dag_folder=str(dags))
    assert "the aws target has no job_confs" in _errors(bag)

    release.write_text("{not json")
    bag = DagBag(dag_folder=str(dags))
    [error] = bag.import_errors.values()
    assert "eventlake_release.json is not readable JSON" in error
    assert "redeploy the DAG" in error
