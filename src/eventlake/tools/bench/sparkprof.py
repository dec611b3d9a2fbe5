"""What Spark did during a timed step: every job and stage since a mark, from the driver's
status store (the data behind the Spark UI, present even with the UI off)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _millis(opt: Any) -> int | None:
    return int(opt.get().getTime()) if opt.isDefined() else None


def _iterate(seq: Any) -> list[Any]:
    it = seq.iterator()
    out = []
    while it.hasNext():
        out.append(it.next())
    return out


def job_kind(label: str) -> str:
    """Coarse job family: Delta log work, a write, or the query itself."""
    if (
        "Delta:" in label
        or "DeltaTableOperations" in label
        or "DatabricksLogging" in label
        or "withThreadLocalCaptured" in label
    ):
        return "delta_log"
    if label.startswith("save at"):
        return "write"
    return "query"


@dataclass(frozen=True)
class Mark:
    job_id: int
    stage_id: int


class SparkProfiler:
    """`mark()` before a step, `since(mark)` after it: jobs and stages in between."""

    def __init__(self, spark: Any) -> None:
        sc = spark.sparkContext
        self._store = sc._jsc.sc().statusStore()
        self._gateway = sc._gateway

    def _jobs(self) -> list[Any]:
        return _iterate(self._store.jobsList(None))

    def _stages(self) -> list[Any]:
        gw = self._gateway
        return _iterate(
            self._store.stageList(
                None, False, False, gw.new_array(gw.jvm.double, 0), gw.jvm.java.util.ArrayList()
            )
        )

    def mark(self) -> Mark:
        jobs = [j.jobId() for j in self._jobs()]
        stages = [s.stageId() for s in self._stages()]
        return Mark(max(jobs, default=-1), max(stages, default=-1))

    def since(self, mark: Mark, top: int = 8) -> dict[str, Any]:
        jobs: list[dict[str, Any]] = []
        for j in self._jobs():
            if j.jobId() <= mark.job_id:
                continue
            start, end = _millis(j.submissionTime()), _millis(j.completionTime())
            desc = j.description()
            label = str(desc.get()) if desc.isDefined() else str(j.name())
            jobs.append(
                {
                    "job_id": int(j.jobId()),
                    "label": label[:120],
                    "kind": job_kind(label),
                    "seconds": round((end - start) / 1000, 3) if start and end else None,
                    "tasks": int(j.numTasks()),
                }
            )
        stages: list[dict[str, Any]] = []
        for s in self._stages():
            if s.stageId() <= mark.stage_id:
                continue
            start, end = _millis(s.submissionTime()), _millis(s.completionTime())
            stages.append(
                {
                    "stage_id": int(s.stageId()),
                    "name": str(s.name())[:120],
                    "tasks": int(s.numTasks()),
                    "seconds": round((end - start) / 1000, 3) if start and end else None,
                    "executor_run_seconds": round(s.executorRunTime() / 1000, 3),
                    "executor_cpu_seconds": round(s.executorCpuTime() / 1e9, 3),
                    "input_mb": round(s.inputBytes() / 2**20, 2),
                    "shuffle_read_mb": round(s.shuffleReadBytes() / 2**20, 2),
                    "shuffle_write_mb": round(s.shuffleWriteBytes() / 2**20, 2),
                }
            )
        jobs.sort(key=lambda j: j["job_id"])
        by_kind: dict[str, dict[str, Any]] = {}
        for j in jobs:
            k = by_kind.setdefault(j["kind"], {"jobs": 0, "seconds": 0.0, "tasks": 0})
            k["jobs"] += 1
            k["seconds"] = round(k["seconds"] + (j["seconds"] or 0.0), 3)
            k["tasks"] += j["tasks"]
        slowest = sorted(stages, key=lambda s: -(s["seconds"] or 0.0))[:top]
        return {
            "jobs": len(jobs),
            "stages": len(stages),
            "tasks": sum(s["tasks"] for s in stages),
            "job_seconds": round(sum(j["seconds"] or 0.0 for j in jobs), 3),
            "shuffle_write_mb": round(sum(s["shuffle_write_mb"] for s in stages), 2),
            "by_kind": by_kind,
            "slowest_jobs": sorted(jobs, key=lambda j: -(j["seconds"] or 0.0))[:top],
            "slowest_stages": slowest,
        }
