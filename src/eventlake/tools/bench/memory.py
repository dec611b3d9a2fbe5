"""Peak resident memory of this process and its children (the JVM that PySpark starts, a
`make run` subprocess), sampled with psutil in a background thread."""

from __future__ import annotations

import threading
import time
from types import TracebackType

import psutil


def _mem(proc: psutil.Process, shared: bool) -> int:
    """RSS; PSS for `shared` processes (forked Python workers share pages with their parent,
    and RSS would count those twice). PSS reads smaps, too slow to poll for the JVM."""
    if shared:
        try:
            return int(getattr(proc.memory_full_info(), "pss", 0)) or proc.memory_info().rss
        except psutil.AccessDenied:
            pass
    return int(proc.memory_info().rss)


def _forked_not_execd(proc: psutil.Process) -> bool:
    """A child between fork and exec (the JVM starting a Python worker) is a copy of its
    parent: its RSS is the parent's shared pages, counted once already."""
    parent = proc.parent()
    return parent is not None and proc.cmdline() == parent.cmdline()


def tree_memory(proc: psutil.Process) -> tuple[int, int, list[tuple[str, int]]]:
    """(memory of `proc`, of all its descendants, the descendants by name) in bytes."""
    own = _mem(proc, shared=False)
    children = []
    for child in proc.children(recursive=True):
        try:
            if _forked_not_execd(child):
                continue
            name = child.name()
            children.append((f"{name}[{child.pid}]", _mem(child, shared=name.startswith("py"))))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return own, sum(m for _, m in children), children


class MemorySampler:
    """Samples the process tree (PSS) every `interval` seconds. `label` names what runs now, so
    the peak is kept per label (e.g. etl, duckdb, naive) as well as overall.

    Python's and the JVM's memory are sampled at the same instant and added: the peak of the
    sum, not the sum of the peaks.
    """

    def __init__(self, interval: float = 0.5) -> None:
        self.interval = interval
        self.label = "setup"
        self.peaks: dict[str, dict[str, int]] = {}
        self.peak_processes: dict[str, list[tuple[str, int]]] = {}
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="bench-memory", daemon=True)

    def _sample(self) -> None:
        try:
            own, children, procs = tree_memory(self._proc)
        except psutil.Error:
            return
        for label in (self.label, "overall"):
            peak = self.peaks.setdefault(label, {"total": 0, "python": 0, "children": 0})
            if own + children > peak["total"]:
                peak.update(total=own + children, python=own, children=children)
                self.peak_processes[label] = sorted(procs, key=lambda p: -p[1])[:6]

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def set_label(self, label: str) -> None:
        self._sample()  # close the previous label with a last sample
        self.label = label
        self._sample()

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()

    def peak_mb(self, label: str = "overall") -> dict[str, object]:
        peak = self.peaks.get(label, {"total": 0, "python": 0, "children": 0})
        out: dict[str, object] = {k: round(v / 2**20, 1) for k, v in peak.items()}
        out["top_children"] = {
            name: round(m / 2**20, 1) for name, m in self.peak_processes.get(label, [])
        }
        return out


def machine() -> dict[str, object]:
    """Cores, memory and load: the context two results files need to be comparable."""
    import os
    import platform

    vm = psutil.virtual_memory()
    return {
        "hostname": platform.node(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cores_logical": psutil.cpu_count(logical=True),
        "cores_physical": psutil.cpu_count(logical=False),
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_total_gb": round(vm.total / 2**30, 1),
        "memory_available_gb": round(vm.available / 2**30, 1),
    }


def cpu_snapshot() -> dict[tuple[int, float], float]:
    """User + system CPU seconds of this process and each live descendant (the JVM, Python
    workers), keyed by (pid, start time). CPU time is steadier than wall time on a busy
    machine: a step that waits for a core burns no CPU while it waits."""
    out = {}
    for proc in [psutil.Process(), *psutil.Process().children(recursive=True)]:
        try:
            t = proc.cpu_times()
            out[(proc.pid, proc.create_time())] = t.user + t.system
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return out


def cpu_since(before: dict[tuple[int, float], float]) -> float:
    """CPU seconds used since `before` by processes alive now (a process that ended in
    between is not counted: for Spark steps that is at most an idle Python worker)."""
    return sum(cpu - before.get(key, 0.0) for key, cpu in cpu_snapshot().items())


def load_average() -> list[float]:
    import os

    return [round(x, 2) for x in os.getloadavg()]


def now() -> float:
    return time.perf_counter()
