"""`eventlake promote` and `eventlake rollback` move an alias under the lake's lease: while
another run (a training) holds it, the move waits, then is refused naming the holder, and the
alias has not moved. A real MLflow store (SQLite); the refusal comes before any Spark."""

from __future__ import annotations

import argparse
import dataclasses

import pytest

from eventlake.io import lease

MODEL = "eventlake-high-value"


@pytest.fixture
def store(tmp_path, monkeypatch):
    from mlflow import MlflowClient

    from eventlake.settings import load_settings

    monkeypatch.setenv("EVENTLAKE_HOME", str(tmp_path))
    tracking = f"sqlite:///{tmp_path}/mlflow.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", tracking)
    settings = load_settings("local")
    settings = dataclasses.replace(
        settings, etl=dataclasses.replace(settings.etl, lease_wait_seconds=0.5)
    )
    client = MlflowClient(tracking_uri=tracking)
    client.create_registered_model(MODEL)
    for _ in range(2):
        client.create_model_version(MODEL, source=(tmp_path / "model").as_uri())
    client.set_registered_model_alias(MODEL, "champion", "2")
    return settings, client


def _args(**kw):
    base = {"alias": "champion", "reason": "by hand", "model": None, "lake_uri": None}
    return argparse.Namespace(**{**base, **kw})


@pytest.mark.parametrize("command", ["promote", "rollback"])
def test_a_move_while_a_training_holds_the_lease_is_refused_naming_it(store, command):
    from eventlake.jobs import promote, rollback

    settings, client = store
    held = lease.acquire(settings.lake_uri, "eventlake train --date 2026-01-14", 600, 0)
    try:
        with pytest.raises(lease.LakeBusy) as err:
            if command == "promote":
                promote.main(_args(version="1"), settings)
            else:
                rollback.main(_args(), settings)
    finally:
        lease.release(held)
    message = str(err.value)
    assert "in use by eventlake train --date 2026-01-14" in message
    assert "waited 0.5 s (etl.lease_wait_seconds)" in message
    assert str(client.get_model_version_by_alias(MODEL, "champion").version) == "2"


def test_promote_of_a_missing_version_is_told_before_any_wait(store):
    from eventlake.errors import EventlakeError
    from eventlake.jobs import promote

    settings, _ = store
    held = lease.acquire(settings.lake_uri, "eventlake train --date 2026-01-14", 600, 0)
    try:
        with pytest.raises(EventlakeError, match="has no version '7'"):
            promote.main(_args(version="7"), settings)
    finally:
        lease.release(held)
