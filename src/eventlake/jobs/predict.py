"""`eventlake predict --date D --model URI`: score the users active in D's window.

Loads the model through MLflow (so it proves the registered artifact works), builds the same
features as training for as-of day D, and replaces the rows of D in the `predictions` table.
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import date, timedelta
from typing import Any

from eventlake.errors import InputError
from eventlake.settings import Settings

log = logging.getLogger(__name__)


def run_predict(settings: Settings, day: date, model_uri: str) -> dict[str, Any]:
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    from eventlake.io.paths import table_uri
    from eventlake.ml import data, registry, training
    from eventlake.ml.features import build_user_day_features
    from eventlake.spark import drop_jar_paths, get_spark

    drop_jar_paths()  # before MLflow's package lookups, if a session already runs
    client = registry.connect(settings.tracking_uri)
    info = registry.describe(client, model_uri)
    window_days = info.window_days or settings.ml.window_days

    spark = get_spark(settings, app_name="eventlake-predict")
    events_df = data.read_events(spark, table_uri(settings, "events"))
    days = data.inventory(events_df, day)
    first_day = min(days, default=None)
    if first_day is None:
        raise InputError(f"the events table has no events on or before {day}")
    needed = training.DayRange(max(first_day, day - timedelta(days=window_days - 1)), day)
    missing = training.missing_days(set(days), needed)
    if missing:
        raise InputError(
            f"cannot predict for {day}: no events for "
            f"{', '.join(d.isoformat() for d in missing)} in its window {needed}"
        )
    model = registry.load_model(model_uri)
    features_df = build_user_day_features(events_df, day, day, window_days, with_label=False)
    predictions_df = (
        model.transform(features_df)
        .select(
            "user_id",
            "as_of_date",
            F.date_add("as_of_date", 1).alias("target_date"),
            vector_to_array("probability").getItem(1).alias("probability"),
            F.col("prediction").cast("int").alias("prediction"),
            F.lit(model_uri).alias("model_uri"),
            F.lit(info.version).cast("string").alias("model_version"),
            F.current_timestamp().alias("scored_at"),
        )
        .cache()
    )
    try:
        stats = predictions_df.agg(
            F.count("*").alias("rows"), F.sum("prediction").alias("positives")
        ).first()
        uri = table_uri(settings, "predictions")
        data.write_predictions(predictions_df, uri, day)
    finally:
        predictions_df.unpersist()
    return {
        "date": day.isoformat(),
        "model": model_uri,
        "model_version": info.version,
        "rows": int(stats["rows"]),
        "predicted_positive": int(stats["positives"] or 0),
        "table": uri,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", required=True, help="as-of day D: scores who buys on D + 1")
    parser.add_argument(
        "--model",
        default=None,
        help="MLflow model URI (default models:/<model name>@champion)",
    )
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.dates import parse_date

    settings = settings.replace(lake_uri=args.lake_uri)
    model_uri = args.model or f"models:/{settings.ml.model_name}@champion"
    result = run_predict(settings, parse_date(args.date, "--date"), model_uri)
    print(json.dumps(result, sort_keys=True))
    return 0
