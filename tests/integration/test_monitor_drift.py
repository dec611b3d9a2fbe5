"""`eventlake monitor` on a lake with a planted drift.

The generator plants `impulse:from=2026-01-08,country=*,rate=0.3` (datagen/world.py,
`plant_impulse`): from 2026-01-08 on, no user runs a buying mission (no research days, no
mission's buying day); each day each user buys >= 100 on impulse with probability 0.3, a draw
of a chain of the user's own, independent of anything the user did before; their everyday
sessions are those of propensity 0. The model is trained on 2026-01-06 on clean label days
(01-03 train, its 3-day feature window full; 01-04 validation; 01-05 holdout) and scores
01-06..01-10. 3000 records a day for 300 users, so the day's budget of events does not cut the
impulse buyers' sessions (about 90 a day, of 4 to ~15 events; they are planned first). What
the plant implies, worked out without the code under test:

- 01-07 judges the predictions of 01-06 on the labels of 01-07: all clean (the plant leaves
  the days before 01-08 byte for byte as they were), so the model does as on clean data (the
  generator's mission signal: recent research predicts a purchase; ROC-AUC above 0.70, 0.719
  in this world, whose 01-07 has only 17 positives among 254 users) and the features of 01-07
  look like training's (PSI at most 0.25 for every feature: 0.098 at most).
- 01-08, 01-09 and 01-10 judge the predictions of 01-07, 01-08 and 01-09 on the labels of
  planted days. A scored user's label is then their own Bernoulli(0.3) draw: at propensity 0
  an everyday purchase is rare (a few a day among 300 users) and of a cheap item or two (under
  60 each), so the impulse purchase is the only high-value one. The draw does not depend on
  the features the prediction was made from, so the model ranks at chance: the ROC-AUC of a
  random ranking is 0.5 with a standard deviation sqrt((n1 + n0 + 1) / (12 n1 n0))
  (Mann-Whitney), about 0.04 for ~75 positives among ~250 rows. So it is within 4 standard
  deviations of 0.5, far under 0.70: a breach (0.563, 0.498, 0.506 in this world). The
  realized positive rate is 0.3 within 4 binomial standard deviations, about 0.12 (0.305,
  0.298, 0.333), up from 0.067 on 01-07; the model, which learnt from clean days, still
  predicts about 0.04 to 0.09, so the positive-rate gap breaches 0.10 too.
- The features drift from the first planted day on, more with every planted day in the 3-day
  window. On a planted day 30% of the users buy >= 100 (on a clean day some 7%) in a session
  that ends add_to_cart -> checkout -> purchase, nobody researches (no expensive item put in
  the cart and left, no payment page reached and left), and carts and checkouts without a
  purchase are rare at propensity 0: `checkout_to_purchase_ratio` and `cart_to_purchase_ratio`
  rise towards 1, `avg_purchase_amount`, `max_amount`, `n_high_value` and
  `days_since_last_high_value` move to the high-value side. The largest PSI passes 0.25 on
  each of 01-08 (one planted day of three: 0.31), 01-09 (0.48) and 01-10 (all three: 1.60).
  The champion's scores drift too (prediction PSI 0.26, 0.42, 0.76; printed, not asserted).
"""

from __future__ import annotations

import dataclasses
import math
import re
from datetime import date, timedelta

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.slow]

START = date(2026, 1, 1)
DAYS = 10  # 01-01 .. 01-10
CHANGE = date(2026, 1, 8)
RATE = 0.3
TRAIN_DAY = date(2026, 1, 6)
MODEL = "eventlake-high-value"


def _rows(spark, lake, day):
    df = spark.read.format("delta").load(str(lake / "model_monitoring"))
    return {
        (r["role"], r["kind"], r["metric"]): r.asDict()
        for r in df.filter(f"date = DATE'{day.isoformat()}'").collect()
    }


def test_monitor_sees_the_planted_impulse_buying(spark, state_home, monkeypatch):
    from eventlake.errors import MonitorFailed
    from eventlake.jobs.etl import run_etl
    from eventlake.jobs.monitor import run_monitor
    from eventlake.jobs.predict import run_predict
    from eventlake.jobs.train import run_train
    from eventlake.settings import load_settings
    from eventlake.tools.datagen.plant import parse_plant
    from eventlake.tools.generate import generate

    raw = state_home / "raw"
    monkeypatch.setenv("EVENTLAKE_RAW_URI", raw.as_uri())
    generate(
        raw_uri=raw.as_uri(),
        start=START,
        days=DAYS,
        users=300,
        events_per_day=3000,
        files_per_day=1,
        defect_rate=0.0,
        seed=7,
        plants=[parse_plant(f"impulse:from={CHANGE},country=*,rate={RATE}")],
    )
    settings = load_settings("local")
    # The data-quality metrics and reports are not what this test is about, and cost time.
    settings = settings.replace(
        ml=dataclasses.replace(settings.ml, window_days=3, holdout_days=1),
        etl=dataclasses.replace(settings.etl, dq_metrics=False),
    )
    for offset in range(DAYS):
        run_etl(settings, START + timedelta(days=offset), spark=spark)
    # label days 01-03 (train, its window 01-01..01-03 full), 01-04 (validation), 01-05 (holdout)
    trained = run_train(
        settings, TRAIN_DAY, max_label_days=3, min_train_rows=100, kinds=("logistic_regression",)
    )
    assert (trained.version, trained.promoted) == ("1", True)
    for offset in range(5):  # 01-06 .. 01-10
        run_predict(settings, TRAIN_DAY + timedelta(days=offset), f"models:/{MODEL}@champion")

    lake = state_home / "bucket" / "lake"
    before = date(2026, 1, 7)
    changed = [CHANGE + timedelta(days=k) for k in range(3)]  # 01-08 .. 01-10
    results = {day: run_monitor(settings, day) for day in (before, *changed)}
    rows = {day: _rows(spark, lake, day) for day in results}
    for day, day_rows in rows.items():
        shown = {
            k[2]: (round(r["value"], 4) if r["value"] is not None else None, r["status"])
            for k, r in sorted(day_rows.items())
            if k[1] != "feature_drift"
        }
        psi = sorted(
            ((r["value"] or 0.0, k[2]) for k, r in day_rows.items() if k[1] == "feature_drift"),
            reverse=True,
        )[:4]
        print(f"monitor {day}: {shown}; top PSI {[(m, round(v, 4)) for v, m in psi]}")

    def realized(day, metric):
        return rows[day][("champion", "realized", metric)]

    def feature_psi(day):
        return [r for k, r in rows[day].items() if k[1] == "feature_drift"]

    # Before the change: nothing crosses a threshold.
    assert results[before]["breaches"] == []
    auc_before = realized(before, "roc_auc")
    assert auc_before["status"] == "ok" and auc_before["value"] > 0.70
    assert auc_before["threshold"] == 0.70 and auc_before["severity"] == "warn"
    assert len(feature_psi(before)) == 35  # 33 numeric and 2 categorical features
    assert all(r["status"] == "ok" and r["value"] <= 0.25 for r in feature_psi(before))
    assert rows[before][("champion", "prediction_drift", "prediction_psi")]["status"] == "ok"

    for day in changed:
        # The labels are the plant's Bernoulli(RATE) draws: the realized positive rate is
        # RATE within 4 binomial standard deviations, and the ranking is chance: ROC-AUC 0.5
        # within 4 standard deviations of a random ranking's, under 0.70, a breach.
        n = realized(day, "roc_auc")["rows"]
        rate = realized(day, "realized_positive_rate")["value"]
        assert abs(rate - RATE) < 4 * math.sqrt(RATE * (1 - RATE) / n), (day, rate, n)
        n1 = round(rate * n)
        auc_sd = math.sqrt((n + 1) / (12 * n1 * (n - n1)))
        auc = realized(day, "roc_auc")
        assert abs(auc["value"] - 0.5) < 4 * auc_sd, (day, auc["value"], auc_sd)
        assert auc["value"] < 0.70 and auc["status"] == "breach", (day, auc)
        # and the features of the planted days drift
        psi = feature_psi(day)
        assert max(r["value"] for r in psi) > 0.25, day
        assert any(r["status"] == "breach" for r in psi), day
        breached = {b["metric"] for b in results[day]["breaches"]}
        assert "roc_auc" in breached and any(m.startswith("psi.") for m in breached), day

    # Every realized metric is a row, for version 1 only (no other challenger).
    assert {k for k in rows[before] if k[1] == "realized"} == {
        ("champion", "realized", m)
        for m in (
            "roc_auc",
            "pr_auc",
            "log_loss",
            "precision",
            "recall",
            "predicted_positive_rate",
            "realized_positive_rate",
            "positive_rate_gap",
        )
    }
    assert {r["model_version"] for r in rows[before].values()} == {"1"}

    # Configured as fail, the breaches fail the command, naming metric, value and threshold;
    # the rerun replaced the day's rows (same count) before failing.
    strict = settings.replace(
        ml=dataclasses.replace(
            settings.ml,
            monitor_severity_overrides={"feature_psi": "fail", "realized_roc_auc": "fail"},
        )
    )
    last = changed[-1]
    with pytest.raises(MonitorFailed) as failed:
        run_monitor(strict, last)
    message = str(failed.value)
    assert re.search(r"roc_auc of version 1 = 0\.[0-6]\d{3} \(threshold 0\.7\)", message)
    assert re.search(r"psi\.\w+ of version 1 = \d+\.\d{4} \(threshold 0\.25\)", message)
    again = _rows(spark, lake, last)
    assert len(again) == len(rows[last])
    assert {r["severity"] for k, r in again.items() if k[1] == "feature_drift"} == {"fail"}
    assert again[("champion", "realized", "roc_auc")]["severity"] == "fail"
