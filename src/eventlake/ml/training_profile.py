"""The reference distributions of a trained version: what `eventlake monitor` compares the
scoring days with (ml/drift.py). No I/O here: jobs/train_steps.py logs it to MLflow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any


def training_profile(model: Any, labelled_df: Any, plan: Any, window_days: int) -> dict[str, Any]:
    """The distributions the version learnt from, binned (ml/drift.py): the features of the
    training split's rows with a full feature window, and the holdout's scores.

    The early label days of a young lake see a truncated window (fewer active days, fewer
    events); a scoring day always has a full one, so they would read as drift on every day.
    Without any full-window training row, the whole training split is the reference."""
    from pyspark.sql import functions as F

    from eventlake.ml import drift, training
    from eventlake.ml.features import CATEGORICAL_FEATURES, NUMERIC_FEATURES

    train_df = training.filter_label_days(labelled_df, plan.train)
    first_full = plan.events.start + timedelta(days=window_days - 1)
    full_df = train_df.filter(F.col("as_of_date") >= F.lit(first_full))
    reference_df = (
        full_df
        if full_df.limit(training.MIN_EVAL_ROWS).count() >= (training.MIN_EVAL_ROWS)
        else train_df
    )
    profile = drift.build_profile(
        reference_df,
        NUMERIC_FEATURES,
        CATEGORICAL_FEATURES,
        training.scored(model, training.filter_label_days(labelled_df, plan.holdout)),
    )
    profile.update(
        train_days=str(plan.train),
        holdout_days=str(plan.holdout),
        full_window_from=first_full.isoformat(),
        full_window_only=reference_df is full_df,
    )
    return profile
