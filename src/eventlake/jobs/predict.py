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
    """Score `day` with `model_uri`, as an OpenLineage run `eventlake.score`: inputs the model
    version and the events table at the Delta version read, output the predictions table."""
    import uuid

    from eventlake.io.lineage import DatasetRef, LineageRun, version_facet
    from eventlake.io.paths import table_uri

    lineage = LineageRun(settings, "eventlake.score", str(uuid.uuid4()), day)
    events_uri, predictions_uri = table_uri(settings, "events"), table_uri(settings, "predictions")
    lineage.start([DatasetRef(events_uri)], [DatasetRef(predictions_uri)])
    try:
        result = _predict(settings, day, model_uri)
    except Exception as exc:
        lineage.fail(
            [DatasetRef(events_uri)], [DatasetRef(predictions_uri)], f"{type(exc).__name__}: {exc}"
        )
        raise
    inputs = [
        DatasetRef(events_uri, facets={"version": version_facet(result["events_version"])}),
    ]
    if result["model_version"] is not None:
        model_name = result["model_name"] or settings.ml.model_name
        name = f"models:/{model_name}/{result['model_version']}"
        inputs.append(DatasetRef(name, namespace_name=("mlflow", name)))
    outputs = [
        DatasetRef(
            predictions_uri, facets={"version": version_facet(result["predictions_version"])}
        )
    ]
    lineage.complete(inputs, outputs)
    result["openlineage_run_id"] = lineage.run_id
    return result


def _predict(settings: Settings, day: date, model_uri: str) -> dict[str, Any]:
    from pyspark.ml.functions import vector_to_array
    from pyspark.sql import functions as F

    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.ml import data, training
    from eventlake.ml.features import build_user_day_features
    from eventlake.spark import get_spark

    client = registry.connect(settings.tracking_uri)
    info = registry.describe(client, model_uri)
    window_days = info.window_days or settings.ml.window_days

    lake = Lake(get_spark(settings, app_name="eventlake-predict"), settings.lake_uri)
    events_version = lake.version("events")
    events_df = data.read_events(lake, events_version)
    days = data.inventory(events_df, day)
    first_day = min(days, default=None)
    if first_day is None:
        raise InputError(f"the events table has no events on or before {day}")
    needed = training.DayRange(max(first_day, day - timedelta(days=window_days - 1)), day)
    training.require_days(set(days), needed, f"predict for {day}")
    model = registry.load_model(model_uri)
    features_df = build_user_day_features(events_df, day, day, window_days, with_label=False)
    predictions_df = (
        model.transform(features_df)
        .select(
            "user_id",
            "as_of_date",
            F.date_add("as_of_date", 1).alias("target_date"),
            vector_to_array(F.col("probability")).getItem(1).alias("probability"),
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
        predictions_version = data.write_predictions(lake, predictions_df, day)
    finally:
        predictions_df.unpersist()
    return {
        "date": day.isoformat(),
        "model": model_uri,
        "model_name": (
            registry.parse_models_uri(model_uri)[0] if model_uri.startswith("models:/") else None
        ),
        "model_version": info.version,
        "events_version": events_version,
        "predictions_version": predictions_version,
        "rows": int(stats["rows"]),
        "predicted_positive": int(stats["positives"] or 0),
        "table": lake.uri("predictions"),
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
