"""The promotion rule, model URIs, fingerprints, and failing fast on a dead tracking server."""

from __future__ import annotations

import socket
import time

import pytest

from eventlake.errors import ConfigurationError
from eventlake.io.registry import connect, parse_models_uri
from eventlake.ml.promotion import decide_promotion, fingerprint


def test_decide_promotion_first_version_becomes_champion():
    d = decide_promotion(0.8, None, 0.005, True, "etl ok")
    assert d.promote
    assert d.reason.startswith("first version")


def test_decide_promotion_better_by_uplift_is_promoted():
    d = decide_promotion(0.81, 0.80, 0.005, True, "etl ok")
    assert d.promote
    assert "beats champion 0.8000 by +0.0100" in d.reason


def test_decide_promotion_small_uplift_or_worse_keeps_champion():
    assert not decide_promotion(0.803, 0.80, 0.005, True, "etl ok").promote
    worse = decide_promotion(0.70, 0.80, 0.005, True, "etl ok")
    assert not worse.promote
    assert "uplift -0.1000 < 0.005" in worse.reason


def test_decide_promotion_failed_etl_gate_keeps_champion_even_if_better():
    d = decide_promotion(0.95, 0.80, 0.005, False, "run r1 gate_passed=False")
    assert not d.promote
    assert d.reason == "ETL gate not passed: run r1 gate_passed=False"
    assert not decide_promotion(0.95, None, 0.005, False, "no ETL run").promote


def test_decide_promotion_disabled_gate_always_promotes():
    assert decide_promotion(0.5, 0.9, 0.005, False, "x", gate_enabled=False).promote


def test_parse_models_uri():
    assert parse_models_uri("models:/eventlake-high-value@champion") == (
        "eventlake-high-value",
        "champion",
        None,
    )
    assert parse_models_uri("models:/m/3") == ("m", None, "3")
    with pytest.raises(ValueError):
        parse_models_uri("runs:/abc/model")


def test_fingerprint_is_stable_and_order_free():
    a = fingerprint(date="2026-01-10", events_version=3)
    assert a == fingerprint(events_version=3, date="2026-01-10")
    assert a != fingerprint(date="2026-01-10", events_version=4)
    assert len(a) == 16


def test_connect_fails_fast_with_the_uri_when_the_server_is_down(monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"http://127.0.0.1:{port}"
    for var in ("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "MLFLOW_HTTP_REQUEST_TIMEOUT"):
        monkeypatch.setenv(var, "1")  # recorded, so undo restores the original state
        monkeypatch.delenv(var)  # connect() must set short defaults itself
    started = time.monotonic()
    with pytest.raises(ConfigurationError, match=f"MLflow tracking server at {uri} is unreachable"):
        connect(uri)
    assert time.monotonic() - started < 30
