"""The realized-performance step of `eventlake monitor --date D` (jobs/monitor.py): the
predictions of D - 1 (their target day is D) against the labels D's events give, for the
versions that made them (role `champion`) and, in shadow, the latest challenger and, for the
automatic rollback, the previous champion, scored on the same rows."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from eventlake.jobs.monitor_steps import REALIZED, REALIZED_METRICS, Inputs, Rows, feature_window


def score_realized(inp: Inputs, out: Rows) -> None:
    """The realized performance of yesterday's predictions, on the labels `inp.day` gives."""
    from pyspark.sql import functions as F

    yesterday = inp.day - timedelta(days=1)
    made = (
        inp.predictions_df.filter(F.col("as_of_date") == F.lit(yesterday))
        if inp.predictions_df is not None
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
                inp.champion_version,
                "champion",
                REALIZED,
                m,
                "insufficient",
                f"no predictions for {yesterday} in {inp.predictions_uri}",
            )
    elif inp.day not in inp.days:
        for version in made_versions:
            for m in REALIZED_METRICS:
                out.missing(
                    version,
                    "champion",
                    REALIZED,
                    m,
                    "no_labels",
                    f"no events for {inp.day} in {inp.events_uri}: the labels of {yesterday}'s "
                    f"predictions are not known yet",
                )
    else:
        assert made is not None  # made_versions came from it
        _score_labelled(inp, out, made, made_versions, yesterday)


def _score_labelled(
    inp: Inputs, out: Rows, made: Any, made_versions: list[str], yesterday: date
) -> None:
    """The realized rows of the versions that made `made` and of the shadow versions."""
    from pyspark.sql import functions as F

    from eventlake.contracts.monitoring import MIN_ROWS
    from eventlake.io import registry
    from eventlake.ml.features import build_user_day_features

    ml = inp.settings.ml
    labelled_df = build_user_day_features(
        inp.events_df, yesterday, yesterday, inp.window, with_label=True
    ).cache()
    # A shadow version scores features built with its own window, as it was trained.
    by_window = {inp.window: labelled_df}
    try:
        for version in made_versions:
            scored_df = (
                made.filter(F.col("model_version") == F.lit(version))
                .select("user_id", F.col("probability").alias("p"))
                .join(labelled_df.select("user_id", F.col("label").alias("y")), "user_id")
            )
            _realized(out, inp.client, ml.model_name, version, "champion", scored_df, MIN_ROWS)
        users = made.select("user_id").distinct()
        for version, role in _shadows(inp, made_versions):
            # in shadow: the version scores the rows the champion's predictions covered
            own = feature_window(inp.client, ml.model_name, version, ml.window_days)
            if own not in by_window:
                by_window[own] = build_user_day_features(
                    inp.events_df, yesterday, yesterday, own, with_label=True
                ).cache()
            model = registry.load_model(f"models:/{ml.model_name}/{version}")
            scored_df = _score(model, by_window[own].join(users, "user_id"))
            _realized(out, inp.client, ml.model_name, version, role, scored_df, MIN_ROWS)
    finally:
        for frame in by_window.values():
            frame.unpersist()


def _shadows(inp: Inputs, made_versions: list[str]) -> list[tuple[str, str]]:
    """(version, role) of the versions scored in shadow: the latest challenger, and the
    previous champion when the rollback policy compares with it, unless already scored."""
    from eventlake.ml import rollback

    shadows = []
    challenger, previous = inp.challenger, inp.previous
    if challenger is not None and str(challenger.version) not in made_versions:
        shadows.append((str(challenger.version), "challenger"))
    if (
        inp.policy.below_previous
        and previous is not None
        and previous not in made_versions
        and all(previous != v for v, _ in shadows)
    ):
        shadows.append((previous, rollback.PREVIOUS_ROLE))
    return shadows


def _score(model: Any, features_df: Any) -> Any:
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    return model.transform(features_df).select(
        F.col("label").cast("double").alias("y"),
        vector_to_array(F.col("probability")).getItem(1).alias("p"),
    )


def _realized(
    out: Rows,
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
