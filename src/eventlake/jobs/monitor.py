"""`eventlake monitor --date D`: how the champion does after it was crowned.

Writes the rows of D in `<lake>/model_monitoring` (a rerun of D replaces them), one per
(date, model version, metric, segment), each judged against contracts/monitoring.py:

- realized performance (`kind = realized`): the predictions of D - 1 (their target day is D)
  against the labels D's events give, with the label definition of training (ml/features.py:
  `build_user_day_features` with labels, as-of day D - 1). ROC-AUC, PR-AUC, log loss,
  precision and recall at the version's threshold, the predicted (mean probability) and
  realized positive rates and their gap. For the version that made the predictions (role
  `champion`) and, in shadow, for the latest `challenger` when it is another version: it is
  scored on the same rows.
- feature drift (`kind = feature_drift`): PSI of every feature of as-of day D against the
  training split the champion learnt from (its profile, ml/drift.py).
- prediction drift (`kind = prediction_drift`): PSI of the champion's scores of D (the
  `predictions` rows of D) against its holdout scores.

A metric that cannot be computed is a row with status `no_labels` or `insufficient` and the
reason in `detail`. A breach of a `fail` threshold raises MonitorFailed once the rows are
written, naming the metric, value and threshold; a `warn` breach is logged.

With `ml.auto_rollback` on, the previous champion is scored in shadow too (role
`previous_champion`), and once D's rows are written ml/rollback.decide may move champion back
to it; the move is a row of the alias history, and MonitorFailed names it (the alert).
"""

from __future__ import annotations

import argparse
import json
import logging
import uuid
from datetime import date, timedelta
from typing import Any

from eventlake.settings import Settings

log = logging.getLogger(__name__)

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


def run_monitor(settings: Settings, day: date) -> dict[str, Any]:
    """Monitor `day` as an OpenLineage run `eventlake.monitor`: inputs the predictions and
    events tables at the Delta versions read, output the model_monitoring table."""
    from eventlake.errors import MonitorFailed
    from eventlake.io.lineage import DatasetRef, LineageRun, version_facet
    from eventlake.io.paths import table_uri

    lineage = LineageRun(settings, "eventlake.monitor", str(uuid.uuid4()), day)
    uris = {t: table_uri(settings, t) for t in ("predictions", "events", "model_monitoring")}
    ins = [DatasetRef(uris["predictions"]), DatasetRef(uris["events"])]
    outs = [DatasetRef(uris["model_monitoring"])]
    lineage.start(ins, outs)
    try:
        result = _monitor(settings, day, lineage.run_id)
    except Exception as exc:
        lineage.fail(ins, outs, f"{type(exc).__name__}: {exc}")
        raise
    versions = result.pop("_versions")
    lineage.complete(
        [
            DatasetRef(uris[t], facets={"version": version_facet(versions[t])})
            for t in ("predictions", "events")
        ],
        [
            DatasetRef(
                uris["model_monitoring"],
                facets={"version": version_facet(versions["model_monitoring"])},
            )
        ],
    )
    result["openlineage_run_id"] = lineage.run_id
    failed = [b for b in result["breaches"] if b["severity"] == "fail"]
    for b in result["breaches"]:
        log.warning(
            "monitor %s: %s %s of version %s = %.4f, threshold %s (%s)",
            day,
            b["kind"],
            b["metric"],
            b["model_version"],
            b["value"],
            b["threshold"],
            b["severity"],
        )
    rolled = result["auto_rollback"]
    if rolled is not None:
        log.error("monitor %s: %s", day, rolled["reason"])
    if failed or rolled is not None:
        raise MonitorFailed(failure_message(day, failed, rolled, uris["model_monitoring"]))
    return result


def failure_message(
    day: date, failed: list[dict[str, Any]], rolled: dict[str, Any] | None, table: str
) -> str:
    """MonitorFailed's text: the fail-threshold breaches, and the automatic rollback made for
    `day` (the task's failure is its alert)."""
    parts = []
    if rolled is not None:
        parts.append(
            f"{rolled['reason']} (alias history {rolled['table']}; undo with `eventlake "
            f"promote --version {rolled['from_version']} --reason ...`)"
        )
    if failed:
        shown = "; ".join(
            f"{b['metric']} of version {b['model_version']} = {b['value']:.4f} "
            f"(threshold {b['threshold']})"
            for b in failed
        )
        parts.append(f"crossed fail thresholds: {shown}; thresholds in contracts/monitoring.py")
    return f"model monitoring of {day}: {'. '.join(parts)}. The rows are in {table}"


class _Rows:
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


def _monitor(settings: Settings, day: date, run_id: str) -> dict[str, Any]:
    from eventlake.spark import drop_jar_paths, get_spark

    drop_jar_paths()  # before MLflow's package lookups, if a session already runs
    from pyspark.sql import functions as F

    from eventlake.contracts.monitoring import MIN_ROWS, effective_thresholds
    from eventlake.io import lake, registry
    from eventlake.io.monitoring import write_monitoring
    from eventlake.io.paths import table_uri
    from eventlake.ml import data, drift, rollback
    from eventlake.ml.features import FEATURE_COLUMNS, build_user_day_features

    ml = settings.ml
    thresholds = effective_thresholds(ml.monitor_severity_overrides)
    out = _Rows(day, ml.model_name, run_id, thresholds)
    client = registry.connect(settings.tracking_uri)
    spark = get_spark(settings, app_name="eventlake-monitor")
    events_uri, predictions_uri = table_uri(settings, "events"), table_uri(settings, "predictions")
    versions: dict[str, int | None] = {
        "events": lake.version(spark, events_uri),
        "predictions": lake.version(spark, predictions_uri),
    }
    events_df = data.read_events(spark, events_uri, versions["events"])
    days = data.inventory(events_df, day)
    champion = registry.version_by_alias(client, ml.model_name, registry.CHAMPION)
    challenger = registry.version_by_alias(client, ml.model_name, registry.CHALLENGER)
    policy = _policy(settings)
    previous = _previous_champion(spark, settings, champion) if policy.enabled else None
    window = _window(
        client, ml.model_name, str(champion.version) if champion else None, ml.window_days
    )
    predictions_df = (
        spark.read.format("delta").load(_spark_path(predictions_uri))
        if versions["predictions"] is not None
        else None
    )

    # ---- realized performance of yesterday's predictions
    yesterday = day - timedelta(days=1)
    made = (
        predictions_df.filter(F.col("as_of_date") == F.lit(yesterday))
        if predictions_df is not None
        else None
    )
    made_versions = (
        sorted(r[0] for r in made.select("model_version").distinct().collect())
        if made is not None
        else []
    )
    if not made_versions:
        for m in REALIZED_METRICS:
            out.missing(
                str(champion.version) if champion else None,
                "champion",
                REALIZED,
                m,
                "insufficient",
                f"no predictions for {yesterday} in {predictions_uri}",
            )
    elif day not in days:
        for version in made_versions:
            for m in REALIZED_METRICS:
                out.missing(
                    version,
                    "champion",
                    REALIZED,
                    m,
                    "no_labels",
                    f"no events for {day} in {events_uri}: the labels of {yesterday}'s "
                    f"predictions are not known yet",
                )
    else:
        labelled_df = build_user_day_features(
            events_df, yesterday, yesterday, window, with_label=True
        ).cache()
        # A shadow version scores features built with its own window, as it was trained.
        by_window = {window: labelled_df}
        assert made is not None  # made_versions came from it
        try:
            for version in made_versions:
                scored_df = (
                    made.filter(F.col("model_version") == F.lit(version))
                    .select("user_id", F.col("probability").alias("p"))
                    .join(labelled_df.select("user_id", F.col("label").alias("y")), "user_id")
                )
                _realized(out, client, ml.model_name, version, "champion", scored_df, MIN_ROWS)
            shadows = []
            if challenger is not None and str(challenger.version) not in made_versions:
                shadows.append((str(challenger.version), "challenger"))
            if (
                policy.below_previous
                and previous is not None
                and previous not in made_versions
                and all(previous != v for v, _ in shadows)
            ):
                shadows.append((previous, rollback.PREVIOUS_ROLE))
            users = made.select("user_id").distinct()
            for version, role in shadows:
                # in shadow: the version scores the rows the champion's predictions covered
                own = _window(client, ml.model_name, version, ml.window_days)
                if own not in by_window:
                    by_window[own] = build_user_day_features(
                        events_df, yesterday, yesterday, own, with_label=True
                    ).cache()
                model = registry.load_model(f"models:/{ml.model_name}/{version}")
                scored_df = _score(model, by_window[own].join(users, "user_id"))
                _realized(out, client, ml.model_name, version, role, scored_df, MIN_ROWS)
        finally:
            for frame in by_window.values():
                frame.unpersist()

    # ---- drift of the scoring day against the champion's training profile
    champion_version = str(champion.version) if champion else None
    profile = _profile(client, champion) if champion else None
    today = (
        predictions_df.filter(
            (F.col("as_of_date") == F.lit(day))
            & (F.col("model_version") == F.lit(champion_version))
        )
        if predictions_df is not None and champion is not None
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
        if day not in days:
            out.missing(
                champion_version,
                "champion",
                FEATURE_DRIFT,
                "psi.*",
                "insufficient",
                f"no events for {day} in {events_uri}",
            )
        else:
            features_df = build_user_day_features(events_df, day, day, window, with_label=False)
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
                    out.value(
                        champion_version, "champion", FEATURE_DRIFT, metric, value, actual["rows"]
                    )
        n_today = today.count() if today is not None else 0
        if n_today < MIN_ROWS:
            out.missing(
                champion_version,
                "champion",
                PREDICTION_DRIFT,
                "prediction_psi",
                "insufficient",
                f"{n_today} predictions of version {champion_version} for {day} in "
                f"{predictions_uri}, need >= {MIN_ROWS}",
                n_today,
            )
        else:
            assert today is not None  # n_today came from it
            spec = {"p": {"kind": "numeric", "cuts": profile["scores"]["cuts"]}}
            actual = drift.frame_shares(today.select(F.col("probability").alias("p")), spec)
            value = drift.psi(profile["scores"]["shares"], actual["shares"]["p"])
            out.value(
                champion_version, "champion", PREDICTION_DRIFT, "prediction_psi", value, n_today
            )

    monitoring_uri = table_uri(settings, "model_monitoring")
    versions["model_monitoring"] = write_monitoring(spark, out.rows, monitoring_uri, day)
    rolled_back = (
        _auto_rollback(spark, settings, client, day, champion_version, previous, policy)
        if policy.enabled
        else None
    )
    breaches = [
        {k: r[k] for k in ("kind", "metric", "model_version", "value", "threshold", "severity")}
        for r in out.rows
        if r["status"] == "breach"
    ]
    statuses: dict[str, int] = {}
    for r in out.rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    return {
        "date": day.isoformat(),
        "model": ml.model_name,
        "champion": champion_version,
        "challenger": str(challenger.version) if challenger else None,
        "rows": len(out.rows),
        "statuses": statuses,
        "breaches": breaches,
        "auto_rollback": rolled_back,
        "table": monitoring_uri,
        "_versions": versions,
    }


def _policy(settings: Settings) -> Any:
    from eventlake.ml.rollback import RollbackPolicy

    ml = settings.ml
    return RollbackPolicy(
        bool(ml.auto_rollback),
        None if ml.auto_rollback_roc_auc_floor is None else float(ml.auto_rollback_roc_auc_floor),
        int(ml.auto_rollback_days),
        bool(ml.auto_rollback_below_previous),
    )


def _previous_champion(spark: Any, settings: Settings, champion: Any) -> str | None:
    """The version champion held before its last recorded move (what a rollback goes to)."""
    from eventlake.io import registry
    from eventlake.io.paths import table_uri
    from eventlake.ml import aliases

    if champion is None:
        return None
    uri = table_uri(settings, "model_aliases")
    rows = aliases.history(spark, uri, settings.ml.model_name, registry.CHAMPION)
    return aliases.previous_version(rows, registry.CHAMPION, str(champion.version))


def _auto_rollback(
    spark: Any,
    settings: Settings,
    client: Any,
    day: date,
    champion: str | None,
    previous: str | None,
    policy: Any,
) -> dict[str, Any] | None:
    """Move champion back when ml/rollback.decide says so, from the realized ROC-AUC rows of
    the last `policy.days` dates. Returns the automatic rollback recorded for `day` (made now
    or by an earlier attempt of this date: a retry reports it again), None when there is none."""
    from pyspark.sql import functions as F

    from eventlake.io import lake, registry
    from eventlake.io.paths import table_uri
    from eventlake.jobs.train import git_sha
    from eventlake.ml import aliases, rollback

    ml = settings.ml
    monitoring_uri = table_uri(settings, "model_monitoring")
    aliases_uri = table_uri(settings, "model_aliases")
    first = day - timedelta(days=policy.days - 1)
    rows = [
        r.asDict()
        for r in lake.read_table(spark, monitoring_uri)
        .where(
            F.col("date").between(F.lit(first), F.lit(day))
            & (F.col("kind") == REALIZED)
            & (F.col("metric") == rollback.METRIC)
        )
        .select("date", "model_version", "role", "metric", "status", "value")
        .collect()
    ]
    decision = rollback.decide(rows, day, champion, previous, policy)
    if decision is not None:
        # Under the lake's lease, as every alias move (jobs/promote.move): a training or a move
        # by hand that moved champion since this run read it wins, and nothing is rolled back.
        from eventlake.io import lease

        owner = lease.default_owner(f"eventlake monitor --date {day.isoformat()} (auto-rollback)")
        ttl, wait = settings.etl.lease_ttl_seconds, settings.etl.lease_wait_seconds
        with lease.hold(settings.lake_uri, owner, ttl, wait):
            now = registry.version_by_alias(client, ml.model_name, registry.CHAMPION)
            if now is not None and str(now.version) == champion:
                aliases.move_alias(
                    spark,
                    client,
                    aliases_uri,
                    ml.model_name,
                    registry.CHAMPION,
                    decision.to_version,
                    decision.reason,
                    rollback.ACTOR,
                    git_sha(settings),
                )
            else:
                log.warning(
                    "auto-rollback of %s skipped: champion moved from %s to %s since it was read",
                    day,
                    champion,
                    None if now is None else now.version,
                )
    prefix = rollback.reason_prefix(day)
    made = [
        r
        for r in aliases.history(spark, aliases_uri, ml.model_name, registry.CHAMPION)
        if r["actor"] == rollback.ACTOR and str(r["reason"]).startswith(prefix)
    ]
    if not made:
        return None
    last = made[-1]
    return {
        "from_version": last["from_version"],
        "to_version": last["to_version"],
        "reason": last["reason"],
        "table": aliases_uri,
    }


def _spark_path(uri: str) -> str:
    from eventlake.io.bucket import to_spark_path

    return to_spark_path(uri)


def _window(client: Any, model_name: str, version: str | None, default: int) -> int:
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


def _score(model: Any, features_df: Any) -> Any:
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    return model.transform(features_df).select(
        F.col("label").cast("double").alias("y"),
        vector_to_array(F.col("probability")).getItem(1).alias("p"),
    )


def _realized(
    out: _Rows,
    client: Any,
    model_name: str,
    version: str,
    role: str,
    scored_df: Any,
    min_rows: int,
) -> None:
    """The realized-performance rows of `version` on `scored_df` (`y`, `p`)."""
    from pyspark.sql import functions as F

    from eventlake.ml import metrics

    scored_df = scored_df.cache()
    try:
        stats = scored_df.agg(
            F.count(F.lit(1)).alias("n"), F.sum("y").alias("pos"), F.avg("p").alias("mean_p")
        ).first()
        n, pos = int(stats["n"]), int(stats["pos"] or 0)
        detail = None
        if n < min_rows:
            detail = f"{n} labelled rows, need >= {min_rows}"
        elif pos in (0, n):
            only = "negative" if pos == 0 else "positive"
            detail = f"a single class: all {n} labelled rows are {only}"
        if detail is not None:
            for m in REALIZED_METRICS:
                out.missing(version, role, REALIZED, m, "insufficient", detail, n)
            return
        from eventlake.io import registry

        tag = registry.version_tags(client, model_name, version).get("threshold")
        threshold = float(tag) if tag is not None else 0.5
        got = metrics.frame_metrics(scored_df, threshold)
    finally:
        scored_df.unpersist()
    values = {
        "roc_auc": got["roc_auc"],
        "pr_auc": got["pr_auc"],
        "log_loss": got["log_loss"],
        "precision": got["precision"],
        "recall": got["recall"],
        "predicted_positive_rate": float(stats["mean_p"]),
        "realized_positive_rate": got["positive_rate"],
        "positive_rate_gap": abs(float(stats["mean_p"]) - got["positive_rate"]),
    }
    for m in REALIZED_METRICS:
        out.value(version, role, REALIZED, m, values[m], n)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--date", required=True, help="D: judges D - 1's predictions on D's labels, D's drift"
    )
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.dates import parse_date

    settings = settings.replace(lake_uri=args.lake_uri)
    result = run_monitor(settings, parse_date(args.date, "--date"))
    print(json.dumps(result, sort_keys=True, default=str))
    return 0
