"""`eventlake lineage --date D` on hand-written events: the chain and its edges."""

from __future__ import annotations

from eventlake.io.lineage_chain import chain, render

RAW = {"namespace": "file", "name": "/b/raw/dt=2026-01-09/"}
EVENTS = {"namespace": "file", "name": "/b/lake/events"}
PRED = {"namespace": "file", "name": "/b/lake/predictions"}
MON = {"namespace": "file", "name": "/b/lake/model_monitoring"}


def _v(d, version):
    return {**d, "facets": {"version": {"datasetVersion": str(version)}}}


def _model(n):
    return {"namespace": "mlflow", "name": f"models:/m/{n}"}


def _ev(job, run, state, day, t, inputs=(), outputs=(), parent=None):
    facets = {"nominalTime": {"nominalStartTime": f"{day}T00:00:00Z"}}
    if parent:
        facets["parent"] = {
            "job": {"namespace": "eventlake", "name": parent[0]},
            "run": {"runId": parent[1]},
        }
    return {
        "eventType": state,
        "eventTime": t,
        "job": {"namespace": "eventlake", "name": job},
        "run": {"runId": run, "facets": facets},
        "inputs": list(inputs),
        "outputs": list(outputs),
    }


EVENTS_LOG = [
    # 2026-01-08: trained version 1 (the champion scored on the 9th)
    _ev("eventlake.train", "t8", "START", "2026-01-08", "2026-01-08T10:00:00Z", [EVENTS]),
    _ev("eventlake.train", "t8", "COMPLETE", "2026-01-08", "2026-01-08T10:01:00Z",
        [_v(EVENTS, 7)], [_model(1)]),
    # 2026-01-09: a first ETL run, then a rerun (the latest wins)
    _ev("eventlake.etl", "e9a", "START", "2026-01-09", "2026-01-09T09:00:00Z", [RAW], [EVENTS]),
    _ev("eventlake.etl", "e9a", "COMPLETE", "2026-01-09", "2026-01-09T09:01:00Z",
        [RAW], [_v(EVENTS, 8)]),
    _ev("eventlake.etl", "e9b", "START", "2026-01-09", "2026-01-09T11:00:00Z", [RAW], [EVENTS],
        parent=("eventlake_daily.etl", "a1")),
    _ev("eventlake.etl", "e9b", "COMPLETE", "2026-01-09", "2026-01-09T11:01:00Z",
        [RAW], [_v(EVENTS, 9)], parent=("eventlake_daily.etl", "a1")),
    _ev("eventlake.train", "t9", "START", "2026-01-09", "2026-01-09T11:02:00Z", [EVENTS]),
    _ev("eventlake.train", "t9", "COMPLETE", "2026-01-09", "2026-01-09T11:03:00Z",
        [_v(EVENTS, 9)], [_model(2)]),
    _ev("eventlake.score", "s9", "START", "2026-01-09", "2026-01-09T11:04:00Z", [EVENTS], [PRED]),
    _ev("eventlake.score", "s9", "COMPLETE", "2026-01-09", "2026-01-09T11:05:00Z",
        [_v(EVENTS, 9), _model(1)], [_v(PRED, 3)]),
]  # fmt: skip


def test_chain_links_raw_to_predictions_through_the_champion_trained_another_day():
    c = chain(EVENTS_LOG, "2026-01-09")
    assert (c.etl.run_id, c.train.run_id, c.score.run_id) == ("e9b", "t9", "s9")
    assert c.scored_model_trainer.run_id == "t8"
    assert c.reruns == {"eventlake.etl": 1}
    assert all(c.links().values()), c.links()
    assert render(c, "lineage.jsonl").splitlines() == [
        "lineage of 2026-01-09 (from lineage.jsonl)",
        "  /b/raw/dt=2026-01-09/",
        "  └─ eventlake.etl  run e9b  COMPLETE, parent eventlake_daily.etl/a1",
        "     ├─ /b/lake/events  (version 9)",
        "     ├─ eventlake.train  run t9  COMPLETE",
        "     │  ├─ reads /b/lake/events  (version 9)",
        "     │  └─ models:/m/2",
        "     └─ eventlake.score  run s9  COMPLETE",
        "        ├─ reads models:/m/1 (trained 2026-01-08 by run t8)",
        "        └─ /b/lake/predictions  (version 3)",
        "  (eventlake.etl: 1 earlier run(s) of this date not shown)",
        "  connected: yes",
    ]


def test_a_score_without_a_known_training_run_is_a_broken_link():
    log = [e for e in EVENTS_LOG if e["run"]["runId"] != "t8"]
    c = chain(log, "2026-01-09")
    assert c.scored_model_trainer is None
    assert {k for k, ok in c.links().items() if not ok} == {"model -> score"}
    assert render(c, "x").splitlines()[-1] == "  connected: no; missing model -> score"


def test_a_date_without_an_etl_run_says_so():
    c = chain(EVENTS_LOG, "2026-01-10")
    assert render(c, "x").splitlines() == [
        "lineage of 2026-01-10 (from x)",
        "  no eventlake.etl run for this date",
    ]


MONITORED = [
    *EVENTS_LOG,
    _ev("eventlake.monitor", "m9", "START", "2026-01-09", "2026-01-09T11:06:00Z",
        [PRED, EVENTS], [MON]),
    _ev("eventlake.monitor", "m9", "COMPLETE", "2026-01-09", "2026-01-09T11:07:00Z",
        [_v(PRED, 3), _v(EVENTS, 9)], [_v(MON, 4)]),
]  # fmt: skip


def test_a_monitored_date_shows_its_monitoring_run_under_the_predictions():
    c = chain(MONITORED, "2026-01-09")
    assert c.monitor.run_id == "m9"
    assert c.links()["predictions -> monitor"] is True
    assert c.links()["monitor -> model_monitoring"] is True
    assert render(c, "x").splitlines()[-5:] == [
        "        └─ /b/lake/predictions  (version 3)",
        "           └─ eventlake.monitor  run m9  COMPLETE",
        "              └─ /b/lake/model_monitoring  (version 4)",
        "  (eventlake.etl: 1 earlier run(s) of this date not shown)",
        "  connected: yes",
    ]


def test_a_monitor_run_that_read_no_predictions_is_a_broken_link():
    broken = [
        {**e, "inputs": [_v(EVENTS, 9)]} if e["run"]["runId"] == "m9" else e for e in MONITORED
    ]
    c = chain(broken, "2026-01-09")
    assert {k for k, ok in c.links().items() if not ok} == {"predictions -> monitor"}


def test_an_unmonitored_date_has_no_monitoring_edges():
    assert "predictions -> monitor" not in chain(EVENTS_LOG, "2026-01-09").links()
