"""The steps of `eventlake monitor --date D` (jobs/monitor.py composes them): read the day's
inputs, then score the feature and prediction drift of D (the realized performance of D - 1's
predictions is jobs/monitor_realized.py), each step adding its judged rows to `Rows`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from eventlake.settings import Settings

REALIZED, FEATURE_DRIFT, PREDICTION_DRIFT = "realized", "feature_drift", "prediction_drift"
REALIZED_METRICS = (
    "roc_auc",
    "pr_auc",
    "log_loss",
    "precision",
    "recall",
    "predicted_positive_rate",
    "realized_positive_rate",
    "positive_rate_gap",
)


class Rows:
    """The day's monitoring rows, judged as they are added."""

    def __init__(self, day: date, model_name: str, run_id: str, thresholds: Any) -> None:
        self.day, self.model_name, self.run_id, self.thresholds = (
            day,
            model_name,
            run_id,
            thresholds,
        )
        self.rows: list[dict[str, Any]] = []

    def value(
        self, version: str | None, role: str, kind: str, metric: str, value: float, rows: int
    ) -> None:
        from eventlake.contracts.monitoring import judge

        v = judge(metric, value, self.thresholds)
        self._add(version, role, kind, metric, value, v.threshold, v.severity, v.status, None, rows)

    def missing(
        self,
        version: str | None,
        role: str,
        kind: str,
        metric: str,
        status: str,
        detail: str,
        rows: int = 0,
    ) -> None:
        from eventlake.contracts.monitoring import threshold_for

        t = threshold_for(metric, self.thresholds)
        self._add(
            version,
            role,
            kind,
            metric,
            None,
            t.limit if t else None,
            t.severity.value if t else None,
            status,
            detail,
            rows,
        )

    def _add(self, version, role, kind, metric, value, threshold, severity, status, detail, rows):
        self.rows.append(
            {
                "date": self.day,
                "model_name": self.model_name,
                "model_version": version,
                "role": role,
                "kind": kind,
                "metric": metric,
                "segment": "all",
                "value": None if value is None else float(value),
                "threshold": threshold,
                "severity": severity,
                "status": status,
                "detail": detail,
                "rows": int(rows),
                "run_id": self.run_id,
            }
        )


@dataclass
class Inputs:
    """What the steps of `day` read: the registry's champion and challenger, the events and
    predictions tables (at the Delta versions read, for the run's lineage)."""

    settings: Settings
    day: date
    client: Any
    spark: Any
    events_uri: str
    predictions_uri: str
    versions: dict[str, int | None]
    events_df: Any
    days: Any
    champion: Any
    challenger: Any
    policy: Any
    previous: str | None
    window: int
    predictions_df: Any

    @property
    def champion_version(self) -> str | None:
        return str(self.champion.version) if self.champion else None


def read_inputs(settings: Settings, day: date) -> Inputs:
    """Connect to the registry and the lake and read what monitoring `day` needs."""
    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.jobs.monitor_rollback import previous_champion, rollback_policy
    from eventlake.ml import data
    from eventlake.spark import get_spark

    ml = settings.ml
    client = registry.connect(settings.tracking_uri)
    spark = get_spark(settings, app_name="eventlake-monitor")
    lake = Lake(spark, settings.lake_uri)
    versions: dict[str, int | None] = {
        "events": lake.version("events"),
        "predictions": lake.version("predictions"),
    }
    events_df = data.read_events(lake, versions["events"])
    days = data.inventory(events_df, day)
    champion = registry.version_by_alias(client, ml.model_name, registry.CHAMPION)
    challenger = registry.version_by_alias(client, ml.model_name, registry.CHALLENGER)
    policy = rollback_policy(settings)
    previous = previous_champion(spark, settings, champion) if policy.enabled else None
    window = feature_window(
        client, ml.model_name, str(champion.version) if champion else None, ml.window_days
    )
    predictions_df = lake.predictions() if versions["predictions"] is not None else None
    return Inputs(
        settings,
        day,
        client,
        spark,
        lake.uri("events"),
        lake.uri("predictions"),
        versions,
        events_df,
        days,
        champion,
        challenger,
        policy,
        previous,
        window,
        predictions_df,
    )


def score_drift(inp: Inputs, out: Rows) -> None:
    """The drift of the scoring day against the champion's training profile."""
    from pyspark.sql import functions as F

    from eventlake.io import registry
    from eventlake.ml import drift

    ml = inp.settings.ml
    champion, champion_version, day = inp.champion, inp.champion_version, inp.day
    profile = _profile(inp.client, champion) if champion else None
    today = (
        inp.predictions_df.filter(
            (F.col("as_of_date") == F.lit(day))
            & (F.col("model_version") == F.lit(champion_version))
        )
        if inp.predictions_df is not None and champion is not None
        else None
    )
    if champion is None:
        why = f"no {registry.CHAMPION} version of {ml.model_name}"
        out.missing(None, "champion", FEATURE_DRIFT, "psi.*", "insufficient", why)
        out.missing(None, "champion", PREDICTION_DRIFT, "prediction_psi", "insufficient", why)
    elif profile is None:
        why = (
            f"version {champion_version} has no training profile ({drift.PROFILE_ARTIFACT}): "
            f"it was trained before monitoring existed; retrain to monitor its drift"
        )
        out.missing(champion_version, "champion", FEATURE_DRIFT, "psi.*", "insufficient", why)
        out.missing(
            champion_version, "champion", PREDICTION_DRIFT, "prediction_psi", "insufficient", why
        )
    else:
        _feature_drift(inp, out, profile)
        _prediction_drift(inp, out, profile, today)


def _feature_drift(inp: Inputs, out: Rows, profile: dict[str, Any]) -> None:
    """PSI of every feature of the day against the champion's training profile."""
    from eventlake.contracts.monitoring import MIN_ROWS
    from eventlake.ml import drift
    from eventlake.ml.features import FEATURE_COLUMNS, build_user_day_features

    champion_version, day = inp.champion_version, inp.day
    if day not in inp.days:
        out.missing(
            champion_version,
            "champion",
            FEATURE_DRIFT,
            "psi.*",
            "insufficient",
            f"no events for {day} in {inp.events_uri}",
        )
        return
    features_df = build_user_day_features(inp.events_df, day, day, inp.window, with_label=False)
    specs = {c: profile["features"][c] for c in FEATURE_COLUMNS if c in profile["features"]}
    actual = drift.frame_shares(features_df, specs)
    for c, spec in specs.items():
        metric = f"psi.{c}"
        if actual["rows"] < MIN_ROWS:
            out.missing(
                champion_version,
                "champion",
                FEATURE_DRIFT,
                metric,
                "insufficient",
                f"{actual['rows']} user rows for {day}, need >= {MIN_ROWS}",
                actual["rows"],
            )
        else:
            value = drift.psi(spec["shares"], actual["shares"][c])
            out.value(champion_version, "champion", FEATURE_DRIFT, metric, value, actual["rows"])


def _prediction_drift(inp: Inputs, out: Rows, profile: dict[str, Any], today: Any) -> None:
    """PSI of the champion's scores of the day (`today`) against its holdout scores."""
    from pyspark.sql import functions as F

    from eventlake.contracts.monitoring import MIN_ROWS
    from eventlake.ml import drift

    champion_version = inp.champion_version
    n_today = today.count() if today is not None else 0
    if n_today < MIN_ROWS:
        out.missing(
            champion_version,
            "champion",
            PREDICTION_DRIFT,
            "prediction_psi",
            "insufficient",
            f"{n_today} predictions of version {champion_version} for {inp.day} in "
            f"{inp.predictions_uri}, need >= {MIN_ROWS}",
            n_today,
        )
    else:
        assert today is not None  # n_today came from it
        spec = {"p": {"kind": "numeric", "cuts": profile["scores"]["cuts"]}}
        actual = drift.frame_shares(today.select(F.col("probability").alias("p")), spec)
        value = drift.psi(profile["scores"]["shares"], actual["shares"]["p"])
        out.value(champion_version, "champion", PREDICTION_DRIFT, "prediction_psi", value, n_today)


def feature_window(client: Any, model_name: str, version: str | None, default: int) -> int:
    """The feature window `version` was trained with, as `predict` reads it."""
    if version is None:
        return default
    from eventlake.io import registry

    info = registry.describe(client, f"models:/{model_name}/{version}")
    return info.window_days or default


def _profile(client: Any, version: Any) -> dict[str, Any] | None:
    """The training profile logged with `version`'s run, None when it has none."""
    from eventlake.io import registry
    from eventlake.ml import drift

    return registry.load_run_dict(version.run_id, drift.PROFILE_ARTIFACT)
