"""Bench inputs, made once and cached under `<state dir>/bench/`, keyed by their parameters:
the raw drop for one processing date, and the events lake that training reads."""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from eventlake.io.names import day_folder, file_format
from eventlake.settings import Settings

log = logging.getLogger(__name__)

MARKER = "bench-complete.json"


@dataclass(frozen=True)
class Dataset:
    """One generated drop: `day` under `raw_dir`, and what the generator says it wrote."""

    raw_dir: Path
    day: date
    summary: dict[str, Any]
    cached: bool

    @property
    def raw_uri(self) -> str:
        return self.raw_dir.as_uri()

    def files(self) -> list[tuple[str, str, tuple[str, ...]]]:
        """(local path, json|csv, CSV header) of every raw file of the day, sorted."""
        import csv
        import gzip

        out = []
        for path in sorted((self.raw_dir / day_folder(self.day)).iterdir()):
            fmt = file_format(path.name)
            if fmt is None:
                continue
            header: tuple[str, ...] = ()
            if fmt == "csv":
                with gzip.open(path, "rt", encoding="utf-8-sig", newline="") as fh:
                    first = next(csv.reader(fh), [])
                header = tuple(h.strip().lower() for h in first)
            out.append((str(path), fmt, header))
        return out


def _key(**params: object) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    readable = "-".join(f"{k}{v}" for k, v in sorted(params.items()) if k in ("events", "files"))
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def _complete(directory: Path) -> dict[str, Any] | None:
    marker = directory / MARKER
    return json.loads(marker.read_text()) if marker.is_file() else None


def dataset(
    bench_dir: Path,
    events: int,
    files: int,
    users: int,
    defect_rate: float,
    seed: int,
    fmt: str,
    day: date,
) -> Dataset:
    """The raw drop for `day` with `events` records in `files` gzip files (generated once)."""
    from eventlake.tools.generate import generate

    params = dict(
        events=events, files=files, users=users, defect=defect_rate, seed=seed, fmt=fmt, day=day
    )
    root = bench_dir / "data" / _key(**params)
    done = _complete(root)
    if done is not None:
        return Dataset(root / "raw", day, done, cached=True)
    shutil.rmtree(root, ignore_errors=True)
    log.info("bench: generating %d events in %d files under %s", events, files, root)
    summary = generate(
        (root / "raw").as_uri(), day, 1, users, events, files, defect_rate, seed, fmt=fmt
    ).to_dict()
    (root / MARKER).write_text(json.dumps({**summary, "params": params}, default=str))
    return Dataset(root / "raw", day, summary, cached=False)


@dataclass(frozen=True)
class TrainLake:
    raw_uri: str
    lake_uri: str
    day: date  # the training date: label days end the day before
    days: int
    summary: dict[str, Any]
    cached: bool


def train_lake(
    bench_dir: Path,
    settings: Settings,
    spark: Any,
    users: int,
    events_per_day: int,
    label_days: int,
    window_days: int,
    seed: int,
    start: date,
) -> TrainLake:
    """An events lake spanning `label_days + window_days` event days, loaded by the real ETL.

    Built once and cached. All the days' raw files go into the drop of the last day and one
    ETL run loads them: the events table then holds the same events as one run per day
    would (event_date comes from the events; re-sent duplicates are caught within the run
    instead of against the lake), in one Spark job instead of 37 — the lake is set-up, not
    what the bench times.
    """
    from eventlake.contracts.schemas import EVENTS_SCHEMA
    from eventlake.jobs.etl import run_etl
    from eventlake.tools.generate import generate

    days = label_days + window_days
    params = dict(
        users=users,
        events_per_day=events_per_day,
        days=days,
        seed=seed,
        start=start,
        schema=EVENTS_SCHEMA.simpleString(),
    )
    root = bench_dir / "train" / _key(**params)
    train_day = start + timedelta(days=days - 1)
    raw, lake = root / "raw", root / "lake"
    done = _complete(root)
    if done is not None:
        return TrainLake(raw.as_uri(), lake.as_uri(), train_day, days, done, True)
    shutil.rmtree(root, ignore_errors=True)
    began = time.perf_counter()
    log.info("bench: building a %d-day events lake for training under %s", days, root)
    summary = generate(
        (root / "generated").as_uri(), start, days, users, events_per_day, 2, 0.03, seed
    ).to_dict()
    drop = raw / day_folder(train_day)
    drop.mkdir(parents=True)
    for path in sorted((root / "generated").glob("dt=*/*")):
        shutil.copyfile(path, drop / f"{path.parent.name}-{path.name}")
    result = run_etl(settings.replace(raw_uri=raw.as_uri(), lake_uri=lake.as_uri()), train_day,
                     spark=spark)  # fmt: skip
    if not result.gate_passed:
        from eventlake.errors import GateFailed
        from eventlake.jobs.etl import gate_message

        raise GateFailed(gate_message(result))
    build_seconds = round(time.perf_counter() - began, 1)
    summary = {**summary, "rows_clean": result.rows_clean, "build_seconds": build_seconds}
    (root / MARKER).write_text(json.dumps({**summary, "params": params}, default=str))
    return TrainLake(raw.as_uri(), lake.as_uri(), train_day, days, summary, False)
