"""Automatic rollback on a real Delta lake and a real MLflow registry (sqlite store).

Version 1 was champion, then version 2 was crowned (two alias moves, as the training gate
makes them). The realized ROC-AUC rows of version 2 as champion are written for the last three
days, all below the 0.70 floor: monitor's rollback step moves champion back to version 1,
with a row of its own in the alias history; a retry of the same date moves nothing more and
reports the same rollback (the alert is raised again); the next date, with no three days of
version 1's own as champion, moves nothing.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

pytestmark = [pytest.mark.spark]

D = date(2026, 3, 10)
MODEL = "eventlake-high-value"


def _monitoring_row(day: date, version: str, value: float) -> dict:
    return {
        "date": day,
        "model_name": MODEL,
        "model_version": version,
        "role": "champion",
        "kind": "realized",
        "metric": "roc_auc",
        "segment": "all",
        "value": value,
        "threshold": 0.70,
        "severity": "warn",
        "status": "breach",
        "detail": None,
        "rows": 120,
        "run_id": f"monitor-{day}",
    }


def test_three_days_below_the_floor_roll_champion_back_once(spark, state_home):
    from mlflow import MlflowClient

    from eventlake.io.lake import Lake
    from eventlake.io.monitoring import write_monitoring
    from eventlake.jobs.monitor_rollback import auto_rollback, previous_champion, rollback_policy
    from eventlake.ml import aliases
    from eventlake.settings import load_settings

    base = load_settings("local")
    settings = base.replace(ml=dataclasses.replace(base.ml, auto_rollback=True))
    lake = state_home / "bucket" / "lake"
    aliases_uri, monitoring_uri = (
        (lake / "model_aliases").as_uri(),
        (lake / "model_monitoring").as_uri(),
    )
    catalog = Lake(spark, lake.as_uri())
    assert (catalog.uri("model_aliases"), catalog.uri("model_monitoring")) == (
        aliases_uri,
        monitoring_uri,
    )
    client = MlflowClient(settings.tracking_uri)
    exp = client.create_experiment("rollback-test")
    client.create_registered_model(MODEL)
    for _ in range(2):
        run = client.create_run(exp)
        client.create_model_version(MODEL, f"{run.info.artifact_uri}/model", run_id=run.info.run_id)
    for version in ("1", "2"):
        aliases.move_alias(catalog, client, MODEL, "champion", version, "gate", "train", "abc123")
    for day, value in ((date(2026, 3, 8), 0.61), (date(2026, 3, 9), 0.58), (D, 0.65)):
        write_monitoring(catalog, [_monitoring_row(day, "2", value)], day)

    policy = rollback_policy(settings)
    champion = client.get_model_version_by_alias(MODEL, "champion")
    assert previous_champion(spark, settings, champion) == "1"
    got = auto_rollback(spark, settings, client, D, "2", "1", policy)
    reason = (
        "auto-rollback 2026-03-10: realized ROC-AUC of version 2 below the floor 0.7 on the "
        "last 3 days (2026-03-08: 0.6100, 2026-03-09: 0.5800, 2026-03-10: 0.6500); back to "
        "version 1"
    )
    assert got == {"from_version": "2", "to_version": "1", "reason": reason, "table": aliases_uri}
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    rows = aliases.history(catalog, MODEL, "champion")
    assert [(r["from_version"], r["to_version"], r["actor"]) for r in rows] == [
        (None, "1", "train"),
        ("1", "2", "train"),
        ("2", "1", "auto-rollback"),
    ]
    assert rows[-1]["reason"] == reason

    # A retry of D: champion is version 1 now; it has no days of its own as champion, so
    # nothing moves, and the rollback made for D is reported again.
    champion = client.get_model_version_by_alias(MODEL, "champion")
    previous = previous_champion(spark, settings, champion)
    assert previous == "2"
    again = auto_rollback(spark, settings, client, D, "1", previous, policy)
    assert again == got
    assert len(aliases.history(catalog, MODEL, "champion")) == 3

    # The next date: no rollback recorded for it, none made.
    nxt = date(2026, 3, 11)
    write_monitoring(catalog, [_monitoring_row(nxt, "2", 0.5)], nxt)
    assert auto_rollback(spark, settings, client, nxt, "1", "2", policy) is None
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "1"
    assert aliases.as_of(rows, datetime(2100, 1, 1)) == {"champion": "1"}
