"""`eventlake bench --history-days N --history-events E`: does a day's ETL cost grow with the
lake? (issue 14's goal: day 30 costs at most 1.15x day 2 at the same volume.)

N days of history at E events a day, with the generator's cross-date duplicates (events
re-sent the next day), generated once and cached under `<state dir>/bench/history/`. Then
one lake, and for each day in date order `eventlake etl --date D` as a fresh process, the way
the scheduler runs it (JVM start, session start and cold JIT in every run). Prints day 1, day 2
and day N: wall time, the phase split, rows/s, and the ratio day N / day 2 against the goal;
writes `<state dir>/bench/results-history-<timestamp>.json` with every day's figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from eventlake.settings import PROJECT_ROOT, Settings
from eventlake.tools.bench.memory import load_average, machine

log = logging.getLogger(__name__)

GOAL = 1.15  # day N / day 2 (issue 14)
MARKER = "bench-complete.json"


def history_data(bench_dir: Path, args: argparse.Namespace, start: date) -> tuple[Path, dict]:
    """The N-day raw drops (generated once per parameters); returns the raw dir and the
    generator's summary."""
    from eventlake.tools.bench.data import _key
    from eventlake.tools.generate import generate

    days, events = args.history_days, args.history_events
    users = args.users or max(200, events // 50)
    params = dict(days=days, events=events, files=args.files, users=users,
                  defect=args.defect_rate, seed=args.seed, start=start)  # fmt: skip
    root = bench_dir / "history" / _key(**params)
    marker = root / MARKER
    if marker.is_file():
        return root / "raw", {**json.loads(marker.read_text()), "cached": True}
    shutil.rmtree(root, ignore_errors=True)
    log.info("bench: generating %d days of %d events under %s", days, events, root)
    summary = generate(
        (root / "raw").as_uri(), start, days, users, events, args.files, args.defect_rate,
        args.seed,
    ).to_dict()  # fmt: skip
    marker.write_text(json.dumps({**summary, "params": params}, default=str))
    return root / "raw", {**summary, "cached": False}


def etl_day(raw: Path, home: Path, day: date, log_file: Path) -> dict[str, Any]:
    """`eventlake etl --date day` as a fresh process on the shared lake under `home`."""
    from eventlake.tools.bench.runner import _fresh_env

    exe = Path(sys.executable).with_name("eventlake")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "eventlake.cli"]
    cmd += ["etl", "--date", day.isoformat(), "--raw-uri", raw.as_uri(),
            "--lake-uri", (home / "lake").as_uri()]  # fmt: skip
    t0 = time.perf_counter()
    with log_file.open("w") as err:
        proc = subprocess.run(
            cmd, check=False, cwd=PROJECT_ROOT, env=_fresh_env(home), stdout=subprocess.PIPE,
            stderr=err,
        )  # fmt: skip
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"eventlake etl --date {day} exited {proc.returncode}; see {log_file}")
    out = proc.stdout.decode("utf-8", errors="replace")
    summary = json.loads([x for x in out.splitlines() if x.startswith("{")][-1])
    phases = dict(summary["phase_seconds"])
    phases["process_start"] = round(seconds - float(summary["seconds"]), 3)
    rows = int(summary["rows_read"])
    return {
        "date": day.isoformat(),
        "seconds": round(seconds, 3),
        "rows_read": rows,
        "rows_clean": int(summary["rows_clean"]),
        "rows_quarantined": int(summary["rows_quarantined"]),
        "duplicates_removed": int(summary["duplicates_removed"]),
        "rows_restored": int(summary.get("rows_restored") or 0),
        "rows_per_second": round(rows / seconds, 1) if seconds else None,
        "phases": phases,
        "load": load_average(),
    }


def ratios(seconds: list[float]) -> tuple[float | None, float | None]:
    """(day N / day 2, and with 6 days or more the median of the last three days / the median
    of days 2-4). One day against one day carries this VM's run-to-run noise (up to 30%)."""
    day2, last = seconds[1], seconds[-1]
    ratio = round(last / day2, 3) if day2 else None
    steady = None
    if len(seconds) >= 6:
        early = statistics.median(seconds[1:4])
        steady = round(statistics.median(seconds[-3:]) / early, 3) if early else None
    return ratio, steady


def run_history(args: argparse.Namespace, settings: Settings) -> dict[str, Any]:
    """Build the history and time every day's ETL; the results document."""
    from eventlake.tools.bench.runner import git_info

    if args.history_days < 2:
        from eventlake.errors import InputError

        raise InputError("--history-days must be at least 2 (the goal compares day N with day 2)")
    start = date.fromisoformat(args.date)
    bench_dir = settings.home / "bench"
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    raw, generated = history_data(bench_dir, args, start)
    home = bench_dir / "work" / f"history-{stamp}"
    home.mkdir(parents=True)
    logs = bench_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    load_start = load_average()
    days = []
    for i in range(args.history_days):
        day = start + timedelta(days=i)
        result = etl_day(raw, home, day, logs / f"history-{stamp}-{day}.log")
        log.info("bench: history day %d (%s): %.1f s", i + 1, day, result["seconds"])
        print(f"day {i + 1:>3} {day}  {result['seconds']:7.1f} s  {result['rows_read']:>9} rows")
        days.append(result)
    if not args.keep_outputs:
        shutil.rmtree(home, ignore_errors=True)
    ratio, steady = ratios([d["seconds"] for d in days])
    return {
        "schema_version": 1,
        "kind": "history",
        "timestamp": started.isoformat(),
        "git": git_info(),
        "machine": machine(),
        "args": vars(args),
        "dataset": {k: generated.get(k) for k in ("records", "files", "bytes", "cached")}
        | {"duplicate_next_day": (generated.get("defects") or {}).get("duplicate_next_day")},
        "days": days,
        "ratio_last_to_day2": ratio,
        "ratio_median_last3_to_days2_4": steady,
        "goal": GOAL,
        "goal_met": None if ratio is None else ratio <= GOAL,
        "load_average": {"start": load_start, "end": load_average()},
    }


def table(results: dict[str, Any]) -> str:
    """Day 1, day 2 and day N: wall time, phases, rows/s; then the ratio and the goal."""
    days = results["days"]
    picked = [(1, days[0]), (2, days[1]), (len(days), days[-1])]
    phases = list(dict.fromkeys(k for _, d in picked for k in d["phases"]))
    head = f"{'measure':<28}" + "".join(f"{'day ' + str(n):>12}" for n, _ in picked)
    lines = [head, "-" * len(head)]
    lines.append(f"{'wall time (s)':<28}" + "".join(f"{d['seconds']:>12.1f}" for _, d in picked))
    lines.append(f"{'rows read':<28}" + "".join(f"{d['rows_read']:>12}" for _, d in picked))
    lines.append(
        f"{'rows/s':<28}" + "".join(f"{d['rows_per_second'] or 0:>12,.0f}" for _, d in picked)
    )
    lines.append(
        f"{'duplicates removed':<28}" + "".join(f"{d['duplicates_removed']:>12}" for _, d in picked)
    )
    for name in phases:
        cells = "".join(f"{d['phases'].get(name, 0.0):>12.2f}" for _, d in picked)
        lines.append(f"{'  ' + name + ' (s)':<28}{cells}")
    ratio, goal = results["ratio_last_to_day2"], results["goal"]
    verdict = "n/a" if ratio is None else ("met" if results["goal_met"] else "NOT met")
    lines.append("")
    lines.append(
        f"day {len(days)} / day 2 = {ratio if ratio is not None else 'n/a'} "
        f"(goal <= {goal}: {verdict})"
    )
    steady = results.get("ratio_median_last3_to_days2_4")
    if steady is not None:
        n = len(days)
        lines.append(f"median of days {n - 2}-{n} / median of days 2-4 = {steady}")
    start, end = results["load_average"]["start"], results["load_average"]["end"]
    lines.append(f"load average: start {start}, end {end}")
    return "\n".join(lines)


def main(args: argparse.Namespace, settings: Settings) -> int:
    results = run_history(args, settings)
    bench_dir = settings.home / "bench"
    stamp = datetime.fromisoformat(results["timestamp"]).strftime("%Y%m%dT%H%M%SZ")
    path = bench_dir / f"results-history-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(table(results))
    print(f"\nresults: {path}")
    return 0
