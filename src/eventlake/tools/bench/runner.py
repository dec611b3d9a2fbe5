"""The bench driver: data, timed runs, count cross-checks, memory, profile, results."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eventlake.settings import PROJECT_ROOT, Settings
from eventlake.tools.bench import report
from eventlake.tools.bench.memory import (
    MemorySampler,
    cpu_since,
    cpu_snapshot,
    load_average,
    machine,
)

log = logging.getLogger(__name__)

COUNT_KEYS = ("rows_read", "rows_clean", "rows_quarantined", "duplicates_removed")


class CountMismatch(RuntimeError):
    """A reference does not reach the ETL's counts: its timing compares different work."""


def git_info() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            out = subprocess.run(
                ["git", *args],
                check=False,
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=10,
            )
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "sha": git("rev-parse", "HEAD") or os.environ.get("EVENTLAKE_GIT_SHA", "unknown"),
        "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
        "dirty_paths": len(git("status", "--porcelain", "--", "src").splitlines()),
    }


def counts_of(result: Any) -> dict[str, Any]:
    """The counts the references reproduce: rows and the contract's rule codes. (The ETL's
    `conflicting_duplicate` warning is not a rule of the contract; the references count
    duplicates but do not compare payloads.)"""
    from eventlake.contracts.rules import RULE_CODES

    return {
        **{k: int(getattr(result, k)) for k in COUNT_KEYS},
        "reason_counts": {k: int(result.reason_counts.get(k, 0)) for k in RULE_CODES},
    }


def compare_counts(name: str, expected: dict[str, Any], got: dict[str, Any]) -> list[str]:
    problems = [
        f"{name}: {k} = {got[k]}, ETL has {expected[k]}"
        for k in COUNT_KEYS
        if got[k] != expected[k]
    ]
    for code, n in expected["reason_counts"].items():
        if got["reason_counts"].get(code, 0) != n:
            problems.append(
                f"{name}: reason {code} = {got['reason_counts'].get(code, 0)}, ETL has {n}"
            )
    return problems


def _median_profile(profiles: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    kinds = list(dict.fromkeys(k for p in profiles for k in p["by_kind"]))
    out = {}
    for kind in kinds:
        rows = [p["by_kind"].get(kind, {"jobs": 0, "seconds": 0.0, "tasks": 0}) for p in profiles]
        out[kind] = {
            f: round(statistics.median(r[f] for r in rows), 3) for f in ("jobs", "seconds", "tasks")
        }
    return out


def _fresh_env(home: Path) -> dict[str, str]:
    """The environment of a child eventlake process with its own state dir `home`: none of
    this process's eventlake settings or tracking URI, this interpreter for PySpark."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EVENTLAKE_") and k != "MLFLOW_TRACKING_URI"
    }
    env["EVENTLAKE_HOME"] = str(home)
    env.setdefault("PYSPARK_PYTHON", sys.executable)
    env.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    return env


class Bench:
    def __init__(self, args: argparse.Namespace, settings: Settings) -> None:
        self.args = args
        self.settings = settings
        self.bench_dir = settings.home / "bench"
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        self.work = self.bench_dir / "work" / stamp
        self.mismatches: list[str] = []
        self.loads: list[dict[str, Any]] = []
        self.memory = MemorySampler()
        self.spark: Any = None
        self.profiler: Any = None
        # The references' ip hash: a salted SHA-256 (the ETL uses an HMAC with its own key).
        self.salt = "eventlake-bench-salt"

    def note_load(self, what: str) -> None:
        self.loads.append({"after": what, "load": load_average(), "at": round(time.time(), 1)})

    # ------------------------------------------------------------------ steps

    def start_spark(self) -> float:
        from eventlake.spark import get_spark
        from eventlake.tools.bench.sparkprof import SparkProfiler

        t0 = time.perf_counter()
        self.spark = get_spark(self.settings, app_name="eventlake-bench")
        seconds = time.perf_counter() - t0
        for item in self.args.spark_conf or []:
            key, _, value = item.partition("=")
            self.spark.conf.set(key.strip(), value.strip())
        self.profiler = SparkProfiler(self.spark)
        return seconds

    def etl_run(
        self, ds: Any, i: int, tag: str, dq: bool = True, etl: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """One timed ETL run; `dq` False turns the data-quality metrics, checks and report off
        (etl.dq_metrics), to measure what they cost; `etl` sets other etl settings (the
        measurement-only etl.record_count and etl.rescue_fields)."""
        import dataclasses

        from eventlake.errors import GateFailed
        from eventlake.jobs.etl import gate_message, run_etl

        lake = self.work / f"{tag}-lake-{i}"
        settings = self.settings.replace(raw_uri=ds.raw_uri, lake_uri=lake.as_uri())
        overrides = {**({} if dq else {"dq_metrics": False}), **(etl or {})}
        if overrides:
            etl_conf = dataclasses.replace(settings.etl, **overrides)
            settings = dataclasses.replace(settings, etl=etl_conf)
        self.memory.set_label("etl")
        mark = self.profiler.mark()
        cpu0 = cpu_snapshot()
        t0 = time.perf_counter()
        result = run_etl(settings, ds.day, spark=self.spark)
        if not result.gate_passed:  # a bench day must load: stop, as before, with the reason
            raise GateFailed(gate_message(result))
        cpu = cpu_since(cpu0)
        seconds = time.perf_counter() - t0
        self.memory.set_label("idle")
        profile = self.profiler.since(mark)
        if not self.args.keep_outputs:
            shutil.rmtree(lake, ignore_errors=True)
        log.info("bench: %s run %d: %.1f s %s", tag, i, seconds, result.phase_seconds)
        return {
            "seconds": seconds,
            "cpu_seconds": round(cpu, 2),
            "phases": dict(result.phase_seconds),
            "counts": counts_of(result),
            "profile": profile,
            "message": result.message,
        }

    def count_alone(self, ds: Any, i: int) -> dict[str, Any]:
        """The independent record count alone over the drop's files, as the ETL runs it
        (io.recordcount.RecordCounts: the same thread pool), without Spark."""
        from eventlake.io.paths import raw_day_uri
        from eventlake.io.raw_files import list_day_files
        from eventlake.io.recordcount import RecordCounts

        found, _ = list_day_files(raw_day_uri(self.settings.replace(raw_uri=ds.raw_uri), ds.day))
        files = [(o.uri, fmt, o.size) for o, fmt in found]
        self.memory.set_label("count")
        cpu0 = cpu_snapshot()
        t0 = time.perf_counter()
        with RecordCounts(files) as counts:
            counted = counts.result()
        seconds = time.perf_counter() - t0
        cpu = cpu_since(cpu0)
        self.memory.set_label("idle")
        log.info("bench: count alone run %d: %.2f s", i, seconds)
        return {
            "seconds": seconds,
            "cpu_seconds": round(cpu, 2),
            "records": sum(c.records for c in counted.values()),
            "uncompressed_bytes": sum(c.uncompressed_bytes for c in counted.values()),
        }

    def count_cost(self, ds: Any) -> dict[str, Any]:
        """`--count-cost`: the ETL with everything, without the independent record count
        (etl.record_count off), without the unknown-field work (etl.rescue_fields off), and
        the count alone, in rounds whose order rotates, after one untimed warm-up ETL."""
        a = self.args
        variants: dict[str, dict[str, Any]] = {
            "etl": {},
            "etl_without_count": {"record_count": False},
            "etl_without_rescue": {"rescue_fields": False},
        }
        names = list(variants)
        self.etl_run(ds, 0, "warmup")
        self.note_load("warm-up")
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
        alone: list[dict[str, Any]] = []
        for i in range(a.runs):
            shift = i % len(names)
            for name in names[shift:] + names[:shift]:
                runs[name].append(self.etl_run(ds, i, name.replace("_", "-"), etl=variants[name]))
            alone.append(self.count_alone(ds, i))
            self.note_load(f"round {i}")
            for name in names:
                self.mismatches += compare_counts(
                    f"{name} run {i}", runs["etl"][0]["counts"], runs[name][-1]["counts"]
                )
            if alone[-1]["records"] != runs["etl"][0]["counts"]["rows_read"]:
                self.mismatches.append(
                    f"count alone run {i}: {alone[-1]['records']} records, ETL has "
                    f"{runs['etl'][0]['counts']['rows_read']}"
                )
        timings: dict[str, Any] = {name: self._series(r) for name, r in runs.items()}
        timings["count_alone"] = {
            **report.stats([r["seconds"] for r in alone]),
            "cpu_seconds": report.stats([r["cpu_seconds"] for r in alone]),
            "uncompressed_bytes": alone[0]["uncompressed_bytes"],
        }
        # What the runs with a setting off said about it (their etl_runs message).
        messages = {name: r[0]["message"] for name, r in runs.items()}
        return {"timings": timings, "counts": runs["etl"][0]["counts"], "messages": messages}

    def etl_process_run(self, ds: Any, i: int) -> dict[str, Any]:
        """`eventlake etl` as a fresh process, as the scheduler runs it (JVM start, session
        start, cold JIT and all), into a fresh state dir and lake. The wall time is the
        process's; the phases and counts are the run's own, from the JSON summary it prints."""
        import json

        home = self.work / f"etl-process-{i}"
        home.mkdir(parents=True)
        exe = Path(sys.executable).with_name("eventlake")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "eventlake.cli"]
        cmd += [
            "etl",
            "--date",
            ds.day.isoformat(),
            "--raw-uri",
            ds.raw_uri,
            "--lake-uri",
            (home / "lake").as_uri(),
        ]
        env = _fresh_env(home)
        log_file = self.bench_dir / "logs" / f"{self.work.name}-etl-process-{i}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        self.memory.set_label("etl_process")
        t0 = time.perf_counter()
        with log_file.open("w") as err:
            proc = subprocess.run(
                cmd, check=False, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=err
            )
        seconds = time.perf_counter() - t0
        self.memory.set_label("idle")
        out = proc.stdout.decode("utf-8", errors="replace")
        if proc.returncode != 0:
            raise RuntimeError(
                f"eventlake etl (fresh process) exited {proc.returncode}; see {log_file}"
            )
        summary = json.loads([x for x in out.splitlines() if x.startswith("{")][-1])
        if not self.args.keep_outputs:
            shutil.rmtree(home, ignore_errors=True)
        phases = dict(summary["phase_seconds"])
        # Before the run's own clock starts: interpreter start, imports, settings.
        phases["process_start"] = round(seconds - float(summary["seconds"]), 3)
        log.info("bench: etl process run %d: %.1f s %s", i, seconds, phases)
        reasons = summary.get("reason_counts") or {}
        return {
            "seconds": seconds,
            "phases": phases,
            "counts": counts_of(
                argparse.Namespace(**{k: summary[k] for k in COUNT_KEYS}, reason_counts=reasons)
            ),
        }

    def duckdb_run(self, ds: Any, i: int) -> dict[str, Any]:
        from eventlake.tools.bench.duck import run_duckdb

        out = self.work / f"duckdb-{i}"
        self.memory.set_label("duckdb")
        cpu0 = cpu_snapshot()
        t0 = time.perf_counter()
        result = run_duckdb(ds.files(), self.settings, ds.day, out, self.salt)
        cpu = cpu_since(cpu0)
        seconds = time.perf_counter() - t0
        self.memory.set_label("idle")
        if not self.args.keep_outputs:
            shutil.rmtree(out, ignore_errors=True)
        log.info("bench: duckdb run %d: %.1f s %s", i, seconds, result.phase_seconds)
        return {
            "seconds": seconds,
            "cpu_seconds": round(cpu, 2),
            "phases": result.phase_seconds,
            "counts": counts_of(result),
        }

    def naive_run(self, ds: Any, i: int) -> dict[str, Any]:
        from eventlake.tools.bench.naive import run_naive

        out = self.work / f"naive-{i}"
        self.memory.set_label("naive")
        mark = self.profiler.mark()
        cpu0 = cpu_snapshot()
        t0 = time.perf_counter()
        result = run_naive(self.spark, ds.files(), self.settings, ds.day, out, self.salt)
        cpu = cpu_since(cpu0)
        seconds = time.perf_counter() - t0
        self.memory.set_label("idle")
        profile = self.profiler.since(mark)
        if not self.args.keep_outputs:
            shutil.rmtree(out, ignore_errors=True)
        log.info("bench: naive run %d: %.1f s %s", i, seconds, result.phase_seconds)
        return {
            "seconds": seconds,
            "cpu_seconds": round(cpu, 2),
            "phases": result.phase_seconds,
            "counts": counts_of(result),
            "profile": {k: profile[k] for k in ("jobs", "stages", "tasks", "job_seconds")},
        }

    def train(self) -> dict[str, Any]:
        from eventlake.io import registry
        from eventlake.jobs.train import run_train
        from eventlake.tools.bench.data import train_lake

        a = self.args
        window = a.train_window_days or self.settings.ml.window_days
        self.memory.set_label("train_setup")
        lake = train_lake(
            self.bench_dir,
            self.settings,
            self.spark,
            a.train_users,
            a.train_events_per_day,
            a.train_label_days,
            window,
            a.seed,
            date.fromisoformat(a.date),
        )
        self.note_load("train lake")
        tracking = f"sqlite:///{self.work / 'mlflow' / 'mlflow.db'}"
        runs: list[dict[str, Any]] = []
        # The bench's own MLflow store, passed down in each run's settings.
        registry.connect(tracking)  # create the store before timing (schema migrations)
        kinds = tuple(a.train_classifiers.split(",")) if a.train_classifiers else None
        for i in range(a.runs):
            ml = dataclasses.replace(
                self.settings.ml,
                model_name=f"bench-{i}",
                window_days=window,
                tracking_uri=tracking,
            )
            settings = self.settings.replace(
                raw_uri=lake.raw_uri,
                lake_uri=lake.lake_uri,
                artifacts_uri=(self.work / "artifacts").as_uri(),
                ml=ml,
            )
            self.memory.set_label("train")
            mark = self.profiler.mark()
            t0 = time.perf_counter()
            result = run_train(
                settings,
                lake.day,
                max_label_days=a.train_label_days,
                min_train_rows=a.train_min_rows,
                kinds=kinds,
            )
            seconds = time.perf_counter() - t0
            self.memory.set_label("idle")
            profile = self.profiler.since(mark)
            log.info("bench: training run %d: %.1f s (version %s)", i, seconds, result.version)
            runs.append(
                {
                    "seconds": seconds,
                    "version": result.version,
                    "holdout_roc_auc": result.metrics.get("holdout_roc_auc"),
                    "profile": {k: profile[k] for k in ("jobs", "stages", "tasks", "job_seconds")},
                }
            )
            self.note_load(f"train {i}")
        return {
            **report.stats([r["seconds"] for r in runs]),
            "details": runs,
            "lake": {
                "days": lake.days,
                "users": a.train_users,
                "events_per_day": a.train_events_per_day,
                "label_days": a.train_label_days,
                "window_days": window,
                "training_date": lake.day.isoformat(),
                "rows_clean": lake.summary.get("rows_clean"),
                "cached": lake.cached,
            },
        }

    def make_run(self) -> dict[str, Any]:
        """`eventlake run` (what `make run` runs after set-up) in a fresh state dir."""
        exe = Path(sys.executable).with_name("eventlake")
        cmd = [str(exe), "run"] if exe.exists() else [sys.executable, "-m", "eventlake.cli", "run"]
        runs: list[dict[str, Any]] = []
        for i in range(self.args.make_run_runs or self.args.runs):
            home = self.work / f"make-run-{i}"
            home.mkdir(parents=True)
            log_file = self.bench_dir / "logs" / f"{self.work.name}-make-run-{i}.log"
            log_file.parent.mkdir(parents=True, exist_ok=True)
            env = _fresh_env(home)
            self.memory.set_label("make_run")
            t0 = time.perf_counter()
            with log_file.open("w") as out:
                proc = subprocess.run(
                    cmd,
                    check=False,
                    cwd=PROJECT_ROOT,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            seconds = time.perf_counter() - t0
            self.memory.set_label("idle")
            log.info("bench: make run %d: %.1f s, exit %d", i, seconds, proc.returncode)
            # `eventlake run` prints one indented line per step (days, DAG runs, models).
            shown = [x for x in log_file.read_text(errors="replace").splitlines() if x[:2] == "  "]
            runs.append(
                {
                    "seconds": seconds,
                    "exit_code": proc.returncode,
                    "log": str(log_file),
                    "summary": shown[:40],
                }
            )
            self.note_load(f"make run {i}")
            if proc.returncode != 0:
                break
        ok = [r["seconds"] for r in runs if r["exit_code"] == 0]
        return {**report.stats(ok), "details": runs, "failed": len(ok) != len(runs)}

    # ------------------------------------------------------------------ the whole bench

    def run(self) -> tuple[dict[str, Any], int]:
        from eventlake.tools.bench.data import dataset

        a = self.args
        day = date.fromisoformat(a.date)
        started = datetime.now(UTC)
        load_start = load_average()
        results: dict[str, Any] = {
            "schema_version": 1,
            "timestamp": started.isoformat(),
            "git": git_info(),
            "machine": machine(),
            "args": vars(a),
            "state_dir": str(self.settings.home),
        }
        self.work.mkdir(parents=True, exist_ok=True)
        users = a.users or max(200, a.events // 50)
        fmt = a.format
        ds = dataset(self.bench_dir, a.events, a.files, users, a.defect_rate, a.seed, fmt, day)
        results["dataset"] = {**ds.summary, "cached": ds.cached, "users": users}
        scaled = None
        if a.scale:
            n = a.events * a.scale_factor
            scaled = dataset(
                self.bench_dir, n, a.files, max(200, n // 50), a.defect_rate, a.seed, fmt, day
            )
            results["dataset_scaled"] = {**scaled.summary, "cached": scaled.cached}
        self.note_load("data")

        if a.count_cost:
            return self._run_count_cost(results, ds, started, load_start)

        timings: dict[str, Any] = {}
        counts: dict[str, Any] = {}
        with self.memory:
            self.memory.set_label("jvm_start")
            jvm_seconds = self.start_spark()
            self.memory.set_label("idle")
            results["spark"] = {
                "jvm_start_seconds": round(jvm_seconds, 3),
                "version": self.spark.version,
                "confs": {
                    k: self.spark.conf.get(k, None)
                    for k in (
                        "spark.master",
                        "spark.driver.memory",
                        "spark.sql.shuffle.partitions",
                        "spark.sql.adaptive.enabled",
                        "spark.databricks.delta.snapshotPartitions",
                        "spark.databricks.delta.optimizeWrite.enabled",
                        "spark.sql.files.maxPartitionBytes",
                    )
                },
                "extra_confs": list(a.spark_conf or []),
            }
            self.note_load("jvm start")

            # Rounds interleave the three versions, so a change in the machine's load hits
            # them alike instead of one whole series.
            etl, duck, naive, no_dq, process = [], [], [], [], []
            naive_runs = a.runs if a.naive_runs is None else a.naive_runs
            process_runs = max(a.runs, 3) if a.process_runs is None else a.process_runs
            for i in range(max(a.runs, process_runs)):
                if i < process_runs:
                    process.append(self.etl_process_run(ds, i))
                if i >= a.runs:
                    self.note_load(f"round {i}")
                    continue
                etl.append(self.etl_run(ds, i, "etl"))
                if not a.skip_dq_cost:
                    no_dq.append(self.etl_run(ds, i, "etl-nodq", dq=False))
                if not a.skip_duckdb:
                    duck.append(self.duckdb_run(ds, i))
                if i < naive_runs:
                    naive.append(self.naive_run(ds, i))
                self.note_load(f"round {i}")
                for name, runs in (("duckdb", duck), ("naive", naive)):
                    if runs and len(runs) == i + 1:
                        self.mismatches += compare_counts(
                            f"{name} run {i}", etl[0]["counts"], runs[-1]["counts"]
                        )
                self.mismatches += compare_counts(
                    f"etl run {i}", etl[0]["counts"], etl[-1]["counts"]
                )
            for i, run in enumerate(process):
                self.mismatches += compare_counts(
                    f"etl process run {i}", etl[0]["counts"], run["counts"]
                )
            counts["etl"] = etl[0]["counts"]
            if duck:
                counts["duckdb"] = duck[0]["counts"]
            if naive:
                counts["naive"] = naive[0]["counts"]
            timings["etl"] = self._series(etl)
            timings["etl_without_dq"] = self._series(no_dq) if no_dq else None
            timings["etl_process"] = self._series(process) if process else None
            timings["duckdb"] = self._series(duck) if duck else None
            timings["naive"] = self._series(naive) if naive else None

            if scaled is not None:
                big = [self.etl_run(scaled, i, "etl-scaled") for i in range(a.runs)]
                timings["etl_scaled"] = self._series(big)
                counts["etl_scaled"] = big[0]["counts"]
                self.note_load("scaled")

            timings["train"] = self.train() if a.train else None
            if a.make_run:
                self.spark.stop()  # give `eventlake run` the machine this process held
                self.spark = None
                timings["make_run"] = self.make_run()
            else:
                timings["make_run"] = None

        results["timings"] = timings
        results["counts"] = {
            **counts,
            "match": not self.mismatches,
            "mismatches": self.mismatches,
        }
        results["memory_mb"] = {
            label: self.memory.peak_mb(label) for label in sorted(self.memory.peaks)
        }
        results["load_average"] = {
            "start": load_start,
            "end": load_average(),
            "samples": self.loads,
        }
        results["metrics"] = self._metrics(results)
        results["targets"] = report.evaluate_targets(results["metrics"])
        results["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
        if not a.keep_outputs:
            shutil.rmtree(self.work, ignore_errors=True)
        return results, (1 if self.mismatches else 0)

    def _run_count_cost(
        self, results: dict[str, Any], ds: Any, started: datetime, load_start: Any
    ) -> tuple[dict[str, Any], int]:
        with self.memory:
            self.memory.set_label("jvm_start")
            results["spark"] = {"jvm_start_seconds": round(self.start_spark(), 3)}
            self.memory.set_label("idle")
            self.note_load("jvm start")
            measured = self.count_cost(ds)
        t = measured["timings"]
        rows = results["dataset"]["records"]

        def med(name: str) -> float | None:
            return (t.get(name) or {}).get("median")

        results["timings"] = t
        results["counts"] = {
            "etl": measured["counts"],
            "match": not self.mismatches,
            "mismatches": self.mismatches,
        }
        results["messages"] = measured["messages"]
        results["metrics"] = {
            **{f"{name}_seconds": med(name) for name in t},
            **{
                f"{name}_rows_per_second": round(rows / med(name)) if med(name) else None
                for name in t
            },
            # ETL / ETL without the count: 1.10 means the count adds 10% to the wall time.
            "count_cost_ratio": report.ratio(med("etl"), med("etl_without_count")),
            "rescue_cost_ratio": report.ratio(med("etl"), med("etl_without_rescue")),
            # A small number: six decimals, so a tiny drop's does not round to 0.
            "count_alone_vs_etl": (
                round(med("count_alone") / med("etl"), 6)  # type: ignore[operator]
                if med("count_alone") and med("etl")
                else None
            ),
        }
        results["memory_mb"] = {
            label: self.memory.peak_mb(label) for label in sorted(self.memory.peaks)
        }
        results["load_average"] = {
            "start": load_start,
            "end": load_average(),
            "samples": self.loads,
        }
        results["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
        if not self.args.keep_outputs:
            shutil.rmtree(self.work, ignore_errors=True)
        return results, (1 if self.mismatches else 0)

    def _series(self, runs: list[dict[str, Any]]) -> dict[str, Any]:
        out = {
            **report.stats([r["seconds"] for r in runs]),
            "cpu_seconds": report.stats([r["cpu_seconds"] for r in runs if "cpu_seconds" in r]),
            "phases": [r["phases"] for r in runs],
            "phases_median": report.median_phases([r["phases"] for r in runs]),
        }
        profiles = [r["profile"] for r in runs if "by_kind" in r.get("profile", {})]
        if profiles:
            out["spark_median"] = _median_profile(profiles)
            out["spark_profiles"] = profiles
        elif runs and "profile" in runs[0]:
            out["spark_profiles"] = [r["profile"] for r in runs]
        return out

    def _metrics(self, results: dict[str, Any]) -> dict[str, Any]:
        t = results["timings"]

        def med(name: str) -> float | None:
            return (t.get(name) or {}).get("median")

        def cpu(name: str) -> float | None:
            return ((t.get(name) or {}).get("cpu_seconds") or {}).get("median")

        rows = results["dataset"]["records"]
        etl = med("etl")
        process = med("etl_process")
        driver_peaks = [
            results["memory_mb"][k]["total"] for k in ("etl", "train") if k in results["memory_mb"]
        ]
        return {
            "etl_process_seconds": process,
            "etl_process_vs_duckdb": report.ratio(process, med("duckdb")),
            "etl_process_rows_per_second": round(rows / process) if process else None,
            "etl_seconds": etl,
            "etl_rows_per_second": round(rows / etl) if etl else None,
            "duckdb_seconds": med("duckdb"),
            "etl_vs_duckdb": report.ratio(etl, med("duckdb")),
            "etl_vs_duckdb_cpu": report.ratio(cpu("etl"), cpu("duckdb")),
            "naive_vs_etl_cpu": report.ratio(cpu("naive"), cpu("etl")),
            "naive_seconds": med("naive"),
            "naive_vs_etl": report.ratio(med("naive"), etl),
            "etl_without_dq_seconds": med("etl_without_dq"),
            # ETL time with the data-quality metrics, checks and report / without them
            "dq_cost_ratio": report.ratio(etl, med("etl_without_dq")),
            "etl_scaled_seconds": med("etl_scaled"),
            "scale_ratio": report.ratio(med("etl_scaled"), etl),
            "train_seconds": med("train"),
            "make_run_seconds": med("make_run"),
            "jvm_start_seconds": results["spark"]["jvm_start_seconds"],
            "peak_memory_mb": max(driver_peaks) if driver_peaks else None,
        }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    default_events = int(os.environ.get("EVENTS", "1000000"))
    parser.add_argument(
        "--events", type=int, default=default_events,
        help="records in the benchmark drop (default $EVENTS or 1000000)",
    )  # fmt: skip
    parser.add_argument("--files", type=int, default=8, help="gzip files in the drop (8)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each step (3)")
    parser.add_argument(
        "--process-runs", type=int,
        help="runs of `eventlake etl` as a fresh process (default: --runs, at least 3)",
    )  # fmt: skip
    parser.add_argument(
        "--scale", action="store_true",
        help="also time the ETL on --scale-factor times the events (the 4M/1M ratio)",
    )  # fmt: skip
    parser.add_argument("--scale-factor", type=int, default=4)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--defect-rate", type=float, default=0.03)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--users", type=int, help="generator users (default events/50)")
    parser.add_argument("--date", default="2026-01-01", help="the drop's processing date")
    parser.add_argument("--naive-runs", type=int, help="runs of the naive version (default --runs)")
    parser.add_argument("--skip-duckdb", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--skip-dq-cost",
        action="store_true",
        help="skip the ETL runs without data-quality metrics (their cost; on by default)",
    )
    parser.add_argument(
        "--count-cost",
        action="store_true",
        help="only measure what the independent record count and the unknown-field work "
        "cost: the ETL with all, without the count, without _rescued, and the count alone, "
        "in alternating rounds (no references, training or make run)",
    )
    parser.add_argument(
        "--train", action=argparse.BooleanOptionalAction, default=True, help="time training"
    )
    parser.add_argument("--train-users", type=int, default=400)
    parser.add_argument("--train-events-per-day", type=int, default=2500)
    parser.add_argument("--train-label-days", type=int, default=30)
    parser.add_argument(
        "--train-window-days", type=int, help="feature window (default: settings ml.window_days)"
    )
    parser.add_argument("--train-min-rows", type=int, help="minimum training rows (tiny runs)")
    parser.add_argument(
        "--train-classifiers", help="comma-separated candidates (default: all of ml.pipeline)"
    )
    parser.add_argument(
        "--make-run", action=argparse.BooleanOptionalAction, default=True,
        help="time `eventlake run` on the sample in a fresh state dir (default on)",
    )  # fmt: skip
    parser.add_argument("--make-run-runs", type=int, help="runs of make run (default --runs)")
    parser.add_argument(
        "--keep-outputs", action="store_true", help="keep each run's lake and outputs"
    )
    parser.add_argument(
        "--history-days", type=int, metavar="N",
        help="instead of the steps above: N days of history with cross-date duplicates, each "
        "day's `eventlake etl` a fresh process on one lake; day 1, 2 and N compared",
    )  # fmt: skip
    parser.add_argument(
        "--history-events", type=int, default=100000, metavar="E",
        help="records per day of --history-days (100000)",
    )  # fmt: skip
    parser.add_argument(
        "--spark-conf", action="append", metavar="KEY=VALUE",
        help="set a runtime Spark SQL conf on the bench's session before any timed step, to "
        "measure a tuning idea (repeatable; recorded in the results)",
    )  # fmt: skip


def main(args: argparse.Namespace, settings: Settings) -> int:
    from eventlake.errors import InputError

    if args.events < 1 or args.runs < 1 or args.files < 1:
        raise InputError("--events, --runs and --files must be at least 1")
    if args.history_days is not None:
        from eventlake.tools.bench import history

        if args.history_events < 1:
            raise InputError("--history-events must be at least 1")
        return history.main(args, settings)
    bench = Bench(args, settings)
    results, code = bench.run()
    path = report.write_results(results, bench.bench_dir)
    print(report.count_cost_table(results) if args.count_cost else report.table(results))
    print(f"\nresults: {path}")
    if code:
        print(
            "\nCOUNT MISMATCH: a reference does not reach the ETL's counts, so its time is "
            "not comparable:\n  " + "\n  ".join(results["counts"]["mismatches"]),
            file=sys.stderr,
        )
    return code
