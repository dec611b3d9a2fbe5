"""`eventlake generate`: synthetic raw event logs, gzip files in a bucket, with planted defects.

Writes ``<raw-uri>/dt=YYYY-MM-DD/part-NNNNN.jsonl.gz`` (or ``.csv.gz``). Each day's drop holds
exactly ``--events-per-day`` records: real events of the day's sessions, a few late events of
the two days before, and ``--defect-rate`` of defective records (see
:mod:`eventlake.tools.datagen.render` for the kinds). The model behind the data, including the
buying signal the ML stage learns, is in :mod:`eventlake.tools.datagen.world`.

Same arguments, same bytes: every random draw comes from RNGs seeded by (seed, what, day,
file), gzip headers carry no time or name, and files are rendered independently, so they can
be rendered in parallel processes without changing the output. Existing files with the same
names are overwritten; other files under the prefix are left alone.

Amounts are list prices in the shop's price units whatever the currency: the generator does
not model exchange rates, so the high-value threshold means the same in every country.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from random import Random
from typing import Any

from eventlake import console
from eventlake.dates import parse_date
from eventlake.errors import InputError
from eventlake.io import bucket
from eventlake.io.names import day_folder
from eventlake.settings import Settings
from eventlake.tools.datagen import render as R
from eventlake.tools.datagen.plant import BEHAVIOUR_KINDS, Plant, parse_plant
from eventlake.tools.datagen.world import (
    World,
    allocate,
    build_world,
    derive_seed,
    plan_day,
    plant_impulse,
    plant_propensity,
)

log = logging.getLogger(__name__)

FORMATS = {"jsonl": "jsonl.gz", "csv": "csv.gz"}
# Below this many records per run the process pool costs more than it saves.
PARALLEL_MIN_RECORDS = 200_000


@dataclass
class GenerateSummary:
    """What a run wrote: one entry per file, plus totals."""

    raw_uri: str
    fmt: str
    start: date
    days: int
    seed: int
    defect_rate: float
    files: list[R.FileResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def records(self) -> int:
        """Records (JSON lines or CSV rows, no header) written: what the ETL reads."""
        return sum(f.records for f in self.files)

    @property
    def events(self) -> int:
        """Real events among the records (valid or corrupted; not the inserted defects)."""
        return sum(f.events for f in self.files)

    @property
    def late_events(self) -> int:
        return sum(f.late_events for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def defects(self) -> dict[str, int]:
        """Defective records by kind (one kind per record)."""
        out = dict.fromkeys(R.DEFECT_KINDS, 0)
        for f in self.files:
            for kind, n in f.defects.items():
                out[kind] += n
        return out

    @property
    def invalid_records(self) -> int:
        """Records the ETL must quarantine (malformed or breaking a rule)."""
        return sum(n for kind, n in self.defects.items() if kind in R.INVALID_KINDS)

    @property
    def duplicate_records(self) -> int:
        """Exact copies of a record written earlier (same day or the day before)."""
        return sum(n for kind, n in self.defects.items() if kind in R.DUPLICATE_KINDS)

    @property
    def events_per_second(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw_uri": self.raw_uri,
            "format": self.fmt,
            "start": self.start.isoformat(),
            "days": self.days,
            "seed": self.seed,
            "defect_rate": self.defect_rate,
            "files": len(self.files),
            "records": self.records,
            "events": self.events,
            "late_events": self.late_events,
            "invalid_records": self.invalid_records,
            "duplicate_records": self.duplicate_records,
            "defects": self.defects,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_per_second),
        }


def _positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(f"{name} must be a positive whole number, got {value!r}")


def _check(
    raw_uri: str,
    start: date,
    days: int,
    users: int,
    events_per_day: int,
    files_per_day: int,
    defect_rate: float,
    seed: int,
    fmt: str,
) -> None:
    if not raw_uri:
        raise InputError("--raw-uri is empty; give a file:// or s3:// URI")
    try:
        bucket.scheme(raw_uri)
    except bucket.BucketError as exc:
        raise InputError(str(exc)) from None
    if not isinstance(start, date):
        raise InputError(f"--start must be a date (YYYY-MM-DD), got {start!r}")
    _positive("--days", days)
    _positive("--users", users)
    _positive("--events-per-day", events_per_day)
    _positive("--files-per-day", files_per_day)
    if files_per_day > 99_999:
        raise InputError(f"--files-per-day must be at most 99999, got {files_per_day}")
    if not isinstance(defect_rate, int | float) or not 0.0 <= defect_rate <= 1.0:
        raise InputError(f"--defect-rate must be between 0 and 1, got {defect_rate!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(f"--seed must be a whole number >= 0, got {seed!r}")
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")


# The world and renderer of the current run. Forked workers inherit them instead of having
# them pickled; tasks are only (day, file) pairs.
_RUN: dict[str, tuple[World, R.Renderer, str, str]] = {}


def _file_uri(raw_uri: str, day: date, index: int, fmt: str) -> str:
    return bucket.join(raw_uri, day_folder(day), f"part-{index:05d}.{FORMATS[fmt]}")


def _write_file(task: tuple[int, int]) -> R.FileResult:
    world, renderer, raw_uri, fmt = _RUN["run"]
    d, index = task
    uri = _file_uri(raw_uri, world.day_plans[d].day, index, fmt)
    data, result = R.render_file(world, renderer, d, index, uri)
    bucket.write_bytes(uri, data)
    return result


def _default_workers(records: int, tasks: int) -> int:
    if records < PARALLEL_MIN_RECORDS or tasks < 2 or not hasattr(os, "fork"):
        return 1
    return max(1, min(os.cpu_count() or 1, tasks, 8))


def generate(
    raw_uri: str,
    start: date,
    days: int,
    users: int,
    events_per_day: int,
    files_per_day: int,
    defect_rate: float,
    seed: int,
    fmt: str = "jsonl",
    workers: int | None = None,
    on_file: Callable[[R.FileResult], None] | None = None,
    plants: Sequence[Plant] = (),
) -> GenerateSummary:
    """Write the raw drops for ``days`` days from ``start`` and say what was written.

    ``workers`` > 1 renders files in forked processes; the bytes do not depend on it. By
    default small runs stay in-process and big ones use up to the machine's cores.
    ``on_file`` is called with each file as it is written (in order), for progress.
    ``plants`` are faults planted in some days' drops (datagen/plant.py, one per day), for
    the anomaly checks' tests.
    """
    _check(raw_uri, start, days, users, events_per_day, files_per_day, defect_rate, seed, fmt)
    began = time.perf_counter()
    world = build_world(seed, start, days, users)
    for plant in plants:
        if plant.kind in BEHAVIOUR_KINDS:
            first = (plant.day - start).days
            if not 0 <= first < days:
                raise InputError(
                    f"--plant {plant.kind}: from={plant.day} is not one of the generated days "
                    f"{start}..{start + timedelta(days=days - 1)}"
                )
            if plant.kind == "impulse":
                plant_impulse(world, plant.country, first, plant.rate)
            else:
                plant_propensity(world, plant.country or "", first, plant.factor)
    inserted = round(events_per_day * defect_rate * R.INSERT_SHARE)
    real = events_per_day - inserted
    # Inserted defect kinds are split exactly over the whole run, then dealt out by day.
    kinds = allocate(inserted * days, R.INSERTS)
    Random(derive_seed(seed, "inserts")).shuffle(kinds)
    for d in range(days):
        day_kinds = kinds[d * inserted : (d + 1) * inserted]
        world.day_plans.append(plan_day(world, d, real, files_per_day, day_kinds))
    corruption_rate = (
        defect_rate * R.CORRUPTION_SHARE / (1.0 - defect_rate * R.INSERT_SHARE)
        if defect_rate > 0
        else 0.0
    )
    days_planted = [p.day for p in plants]
    if len(set(days_planted)) != len(days_planted):
        raise InputError(f"--plant: at most one fault per day, got {sorted(days_planted)}")
    renderer = R.Renderer(
        world, fmt, corruption_rate, [p for p in plants if p.kind not in BEHAVIOUR_KINDS]
    )
    tasks = [(d, i) for d in range(days) for i in range(files_per_day)]
    n_workers = workers or _default_workers(days * events_per_day, len(tasks))
    summary = GenerateSummary(raw_uri, fmt, start, days, seed, defect_rate)
    _RUN["run"] = (world, renderer, raw_uri, fmt)
    try:
        for result in _run_tasks(tasks, n_workers):
            summary.files.append(result)
            if on_file is not None:
                on_file(result)
    finally:
        _RUN.clear()
    summary.seconds = time.perf_counter() - began
    return summary


def _run_tasks(tasks: list[tuple[int, int]], workers: int) -> Iterator[R.FileResult]:
    if workers <= 1:
        yield from (_write_file(task) for task in tasks)
        return
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers) as pool:
        yield from pool.imap(_write_file, tasks, chunksize=1)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--raw-uri",
        help="where to write: file:///... or s3://bucket/prefix (default: the settings' raw_uri)",
    )
    parser.add_argument("--start", default="2026-01-01", help="first day, YYYY-MM-DD")
    parser.add_argument("--days", type=int, default=14, help="number of daily drops")
    parser.add_argument("--users", type=int, default=400, help="size of the user population")
    parser.add_argument("--events-per-day", type=int, default=2500, help="records per drop")
    parser.add_argument("--files-per-day", type=int, default=2, help="files per drop")
    parser.add_argument(
        "--defect-rate", type=float, default=0.03, help="share of defective records, 0..1"
    )
    parser.add_argument("--seed", type=int, default=7, help="same seed, same bytes")
    parser.add_argument("--format", choices=tuple(FORMATS), default="jsonl", dest="fmt")
    parser.add_argument(
        "--plant",
        action="append",
        default=[],
        help="(repeatable) plant a fault in one day, e.g. drop:day=2026-01-15,event_type=purchase,"
        "country=US,keep=0.3 or null:day=2026-01-15,event_type=click,field=product_id,"
        "from_hour=12 or propensity:from=2026-01-10,country=DE,factor=1.0 or "
        "impulse:from=2026-01-10,country=*,rate=0.2 "
        "(see eventlake/datagen/plant.py)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    raw_uri = args.raw_uri or settings.raw_uri
    with console.progress("generate", total=args.days * args.files_per_day) as bar:
        summary = generate(
            raw_uri=raw_uri,
            start=parse_date(args.start, "--start"),
            days=args.days,
            users=args.users,
            events_per_day=args.events_per_day,
            files_per_day=args.files_per_day,
            defect_rate=args.defect_rate,
            seed=args.seed,
            fmt=args.fmt,
            plants=[parse_plant(spec) for spec in args.plant],
            on_file=lambda f: bar.step(f"  {f.uri}  {f.records} records", rows=f.records),
        )
    log.info(
        "wrote %d records (%d events, %d defective) in %d files under %s: %.1f MB, %.1fs, "
        "%.0f records/s",
        summary.records,
        summary.events,
        sum(summary.defects.values()),
        len(summary.files),
        raw_uri,
        summary.bytes / 1e6,
        summary.seconds,
        summary.events_per_second,
    )
    print(json.dumps(summary.to_dict(), sort_keys=True))
    return 0
