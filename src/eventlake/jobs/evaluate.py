"""`eventlake evaluate --model URI --start D1 --end D2`: a registered model's metrics on label days.

Prints one line per metric, then the metrics as one JSON object on the last line. The constant
baseline answers the model's training base rate (recorded on its MLflow run), or the evaluated
days' own base rate when the run does not say.
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


def run_evaluate(settings: Settings, model_uri: str, start: date, end: date) -> dict[str, Any]:
    from eventlake.io import registry
    from eventlake.io.lake import Lake
    from eventlake.ml import data, metrics, training
    from eventlake.ml.features import build_user_day_features
    from eventlake.ml.pipeline import get_threshold
    from eventlake.spark import get_spark

    if end < start:
        raise InputError(f"--end {end} is before --start {start}")
    client = registry.connect(settings.tracking_uri)
    info = registry.describe(client, model_uri)
    window_days = info.window_days or settings.ml.window_days

    spark = get_spark(settings, app_name="eventlake-evaluate")
    events_df = data.read_events(Lake(spark, settings.lake_uri))
    days = data.inventory(events_df, end + timedelta(days=1))
    first_day = min(days, default=None)
    if first_day is None or first_day > start:
        raise InputError(f"the events table has no events on or before {start}")
    needed = training.DayRange(
        max(first_day, start - timedelta(days=window_days - 1)), end + timedelta(days=1)
    )
    training.require_days(set(days), needed, f"evaluate label days {start}..{end}")
    model = registry.load_model(model_uri)
    threshold = get_threshold(model)
    labelled_df = build_user_day_features(events_df, start, end, window_days, with_label=True)
    from pyspark import StorageLevel

    # Aggregated in Spark (ml/metrics.py): the driver holds no row-sized list.
    scored_df = training.scored(model, labelled_df).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        rows, positives = metrics.frame_class_counts(scored_df)
        if not rows or positives in (0, rows):
            raise InputError(
                f"label days {start}..{end} give {rows} rows with a single class: "
                "ROC-AUC is undefined; widen the range"
            )
        constant = info.train_positive_rate
        if constant is None:
            constant = positives / rows
        model_metrics, baseline = metrics.model_and_baseline(scored_df, threshold, constant)
    finally:
        scored_df.unpersist()
    result: dict[str, Any] = {
        **model_metrics,
        **metrics.with_prefix("baseline_", baseline),
        "threshold": threshold,
    }
    result["rows"] = int(result["rows"])
    result["baseline_rows"] = int(result["baseline_rows"])
    result.update(
        model=model_uri,
        model_version=info.version,
        start=start.isoformat(),
        end=end.isoformat(),
        window_days=window_days,
        baseline_constant=constant,
    )
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        required=True,
        help="MLflow model URI, e.g. models:/eventlake-high-value@champion",
    )
    parser.add_argument("--start", required=True, help="first label day (YYYY-MM-DD)")
    parser.add_argument("--end", required=True, help="last label day (needs events of end + 1)")
    parser.add_argument("--lake-uri", help="override the lake location (file:// or s3://)")


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.dates import parse_date

    settings = settings.replace(lake_uri=args.lake_uri)
    result = run_evaluate(
        settings, args.model, parse_date(args.start, "--start"), parse_date(args.end, "--end")
    )
    for key, value in result.items():
        shown = f"{value:.4f}" if isinstance(value, float) else value
        print(f"{key:>20}: {shown}")
    print(json.dumps({k: (round(v, 6) if isinstance(v, float) else v) for k, v in result.items()}))
    return 0
