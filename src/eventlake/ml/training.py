"""Time split, input checks, candidate fitting, threshold choice and holdout metrics.

No I/O here: jobs.train reads the lake, calls these, and writes to the bucket and MLflow.

Split (by label day, never by row): with training date D, the label days run up to D - 1 (the
label of day L needs the events of L + 1 <= D). The latest `holdout_days` label days are the
holdout, the `validation_days` before them the validation split, the rest (at most
`max_label_days` in total) the training split. Early label days whose window starts before the
lake does see a truncated window; that is the history the lake has.

Model choice and threshold are decided on the validation split only; the holdout is touched
once, for the reported metrics and the promotion gate. Class imbalance is handled by the
threshold: probabilities stay calibrated (no class weights, so log loss and the constant
baseline stay comparable) and `prediction` uses the F1-maximising threshold on validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from pyspark.ml import PipelineModel
from pyspark.ml.functions import vector_to_array
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from eventlake.errors import InputError
from eventlake.ml import metrics as M
from eventlake.ml.features import LABEL_COLUMN
from eventlake.ml.pipeline import CLASSIFIERS, ModelParams, build_pipeline, set_threshold

MIN_TRAIN_ROWS = 200
MIN_EVAL_ROWS = 20


@dataclass(frozen=True)
class DayRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


@dataclass(frozen=True)
class SplitPlan:
    """Label-day ranges of one training run, and the event days they need."""

    train: DayRange
    validation: DayRange
    holdout: DayRange
    events: DayRange

    @property
    def labels(self) -> DayRange:
        return DayRange(self.train.start, self.holdout.end)

    def as_params(self) -> dict[str, str]:
        return {
            "train_days": str(self.train),
            "validation_days": str(self.validation),
            "holdout_days": str(self.holdout),
            "event_days": str(self.events),
        }


def plan_split(
    day: date,
    first_event_day: date,
    window_days: int,
    holdout_days: int,
    validation_days: int = 1,
    max_label_days: int = 30,
) -> SplitPlan:
    """Label-day ranges for training on the data available up to `day` (InputError if short)."""
    if holdout_days < 1 or validation_days < 1:
        raise InputError("holdout_days and validation_days must be at least 1")
    label_end = day - timedelta(days=1)
    label_start = max(first_event_day, label_end - timedelta(days=max_label_days - 1))
    available = (label_end - label_start).days + 1
    needed = holdout_days + validation_days + 1
    if available < needed:
        raise InputError(
            f"not enough label days to train for {day}: the lake has events from "
            f"{first_event_day}, which gives {max(available, 0)} label day(s) up to {label_end}; "
            f"need at least {needed} ({holdout_days} holdout + {validation_days} validation + "
            f"1 training). Load more days of events first."
        )
    holdout = DayRange(label_end - timedelta(days=holdout_days - 1), label_end)
    validation = DayRange(
        holdout.start - timedelta(days=validation_days), holdout.start - timedelta(days=1)
    )
    train = DayRange(label_start, validation.start - timedelta(days=1))
    events_start = max(first_event_day, label_start - timedelta(days=window_days - 1))
    return SplitPlan(train, validation, holdout, DayRange(events_start, day))


def missing_days(present: set[date], needed: DayRange) -> list[date]:
    return [
        needed.start + timedelta(days=i)
        for i in range(needed.days)
        if needed.start + timedelta(days=i) not in present
    ]


def require_days(present: set[date], needed: DayRange, doing: str) -> None:
    """An InputError naming the days of `needed` that have no events: `doing` (such as
    "train for 2026-01-08") needs every one of them."""
    missing = missing_days(present, needed)
    if missing:
        shown = ", ".join(d.isoformat() for d in missing[:10])
        if len(missing) > 10:
            shown += f" and {len(missing) - 10} more"
        raise InputError(
            f"cannot {doing}: the events table has no events for {len(missing)} day(s) in "
            f"{needed}: {shown}. Run `eventlake etl` for them (or backfill) first."
        )


def filter_label_days(df: DataFrame, days: DayRange) -> DataFrame:
    return df.filter(F.col("as_of_date").between(F.lit(days.start), F.lit(days.end)))


@dataclass(frozen=True)
class SplitCounts:
    rows: int
    positives: int

    @property
    def positive_rate(self) -> float:
        return self.positives / self.rows if self.rows else 0.0


def split_counts(labelled_df: DataFrame, plan: SplitPlan) -> dict[str, SplitCounts]:
    """Rows and positives per split, in one small aggregation."""
    split = (
        F.when(F.col("as_of_date") <= F.lit(plan.train.end), "train")
        .when(F.col("as_of_date") <= F.lit(plan.validation.end), "validation")
        .otherwise("holdout")
    )
    rows = (
        labelled_df.groupBy(split.alias("split"))
        .agg(F.count("*").alias("rows"), F.sum(LABEL_COLUMN).alias("positives"))
        .collect()
    )
    out = {name: SplitCounts(0, 0) for name in ("train", "validation", "holdout")}
    for row in rows:
        out[row["split"]] = SplitCounts(int(row["rows"]), int(row["positives"] or 0))
    return out


def check_splits(counts: dict[str, SplitCounts], plan: SplitPlan, min_train_rows: int) -> None:
    """Refuse to train on too few rows or a single class, with the reason (InputError)."""
    problems = []
    for name, days in (
        ("train", plan.train),
        ("validation", plan.validation),
        ("holdout", plan.holdout),
    ):
        c = counts[name]
        minimum = min_train_rows if name == "train" else MIN_EVAL_ROWS
        if c.rows < minimum:
            problems.append(f"{name} ({days}) has {c.rows} user-day rows, need >= {minimum}")
        elif c.positives in (0, c.rows):
            only = "negative" if c.positives == 0 else "positive"
            problems.append(f"{name} ({days}) has a single class: all {c.rows} rows are {only}")
    if problems:
        raise InputError("cannot train: " + "; ".join(problems))


def scored(model: PipelineModel, df: DataFrame) -> DataFrame:
    """`df` scored by `model`: label `y` and probability of class 1 `p`, one row per input
    row, for the Spark metrics of ml/metrics.py (nothing is collected to the driver)."""
    return model.transform(df).select(
        F.col(LABEL_COLUMN).cast("double").alias("y"),
        vector_to_array(F.col("probability")).getItem(1).alias("p"),
    )


@dataclass
class Candidate:
    kind: str
    model: PipelineModel
    validation_roc_auc: float
    validation_pr_auc: float


@dataclass
class TrainOutcome:
    model: PipelineModel
    kind: str
    threshold: float
    train_positive_rate: float
    candidates: list[Candidate]
    holdout: dict[str, float]
    baseline: dict[str, float]
    metrics: dict[str, float] = field(default_factory=dict)


def fit_and_select(
    labelled_df: DataFrame,
    plan: SplitPlan,
    train_positive_rate: float,
    params: ModelParams | None = None,
    kinds: tuple[str, ...] = CLASSIFIERS,
) -> TrainOutcome:
    """Fit one Pipeline per classifier on train, keep the best validation ROC-AUC, choose the
    threshold on validation, then measure model and constant baseline on the holdout."""
    train_df = filter_label_days(labelled_df, plan.train)
    val_df = filter_label_days(labelled_df, plan.validation)
    holdout_df = filter_label_days(labelled_df, plan.holdout)

    candidates = []
    thresholds: dict[str, float] = {}
    for kind in kinds:
        model = build_pipeline(kind, params).fit(train_df)
        val = M.frame_metrics(scored(model, val_df))
        thresholds[kind] = val["best_f1_threshold"]
        candidates.append(Candidate(kind, model, val["roc_auc"], val["pr_auc"]))
    best = max(candidates, key=lambda c: (c.validation_roc_auc, c.validation_pr_auc))
    threshold = thresholds[best.kind]
    model = set_threshold(best.model, threshold)

    from pyspark import StorageLevel

    holdout_scored = scored(model, holdout_df).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        holdout, baseline = M.model_and_baseline(holdout_scored, threshold, train_positive_rate)
    finally:
        holdout_scored.unpersist()
    metrics: dict[str, float] = {
        **M.with_prefix("holdout_", holdout),
        **M.with_prefix("baseline_", baseline),
        "threshold": threshold,
        "train_positive_rate": train_positive_rate,
    }
    for c in candidates:
        metrics[f"validation_roc_auc_{c.kind}"] = c.validation_roc_auc
        metrics[f"validation_pr_auc_{c.kind}"] = c.validation_pr_auc
    return TrainOutcome(
        model, best.kind, threshold, train_positive_rate, candidates, holdout, baseline, metrics
    )
