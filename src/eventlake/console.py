"""What a person sees at a terminal: quiet logging by default, a full log file, live progress.

By default a command prints one line per finished step and its result; Python's own logging
shows warnings and errors only, and Spark's JVM logs errors only (`spark.log_level`, see
`eventlake.spark`). `-v`/`--verbose`, or `EVENTLAKE_LOG_LEVEL=INFO` (any Python level name),
restores everything: eventlake's, py4j's, MLflow's and Spark's INFO and WARN lines.

Every terminal command also writes its full log (INFO and up, whatever the console shows) to
`<home>/logs/<command>-<UTC time>.log`, and an error message ends with that path.

Progress (`progress`) is a live line with the step, the elapsed time and the rows so far, when
stdout is a terminal and `CI` is not set; otherwise each finished item is a plain line.
Jobs run by the DAG (`cli.run_job`) are not touched: Airflow owns their logging.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries whose INFO chatter is noise at a terminal (they set their own handlers or levels).
NOISY = ("py4j", "mlflow", "alembic", "urllib3", "openlineage", "airflow", "botocore")


def resolve_level(verbose: bool, env_level: str | None) -> int:
    """The console's log level: EVENTLAKE_LOG_LEVEL wins, then -v (INFO), else WARNING."""
    if env_level:
        level = logging.getLevelName(env_level.strip().upper())
        if not isinstance(level, int):
            raise ValueError(
                f"EVENTLAKE_LOG_LEVEL is {env_level!r}; use DEBUG, INFO, WARNING or ERROR"
            )
        return level
    return logging.INFO if verbose else logging.WARNING


def spark_level(console_level: int) -> str:
    """Spark's log level that goes with the console's: ERROR when quiet, WARN at INFO, INFO at
    DEBUG."""
    if console_level <= logging.DEBUG:
        return "INFO"
    return "WARN" if console_level <= logging.INFO else "ERROR"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler on whatever `sys.stderr` is when a record is written (a test's capture, a
    redirected descriptor), not on the stream of the moment it was made."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, value: object) -> None:
        pass


def configure(console_level: int) -> None:
    """Console logging for a terminal command (stderr). Calling it again (several commands in
    one process) only changes the level."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if isinstance(h, _Stderr)), None)
    if handler is None:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    handler.setLevel(console_level)
    root.setLevel(min(console_level, logging.INFO))
    # Libraries' INFO chatter (py4j's "Closing down clientserver connection", MLflow's "Creating
    # initial MLflow database tables") is left out of the file too, unless asked for; some of
    # them install their own handlers, so their level is set, not only the console's.
    for name in NOISY:
        logging.getLogger(name).setLevel(console_level)
    if console_level > logging.INFO:
        os.environ.setdefault("MLFLOW_LOGGING_LEVEL", logging.getLevelName(console_level))
        # urllib3's notice that PySocks is missing, raised when a library imports its SOCKS
        # module (no proxy is used here).
        warnings.filterwarnings("ignore", message="SOCKS support in urllib3 requires")


def add_log_file(home: Path, command: str) -> Path:
    """Write the full log (INFO and up) of this process to `<home>/logs/`; returns the path."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = home / "logs" / f"{command}-{stamp}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _LogFile)]:
        root.removeHandler(old)  # one command's log per file
        old.close()
    handler = _LogFile(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    return path


class _LogFile(logging.FileHandler):
    """The full log of a terminal command."""


def is_live(stream: object = None) -> bool:
    """Whether a live progress line may be drawn: a terminal, and not CI."""
    from eventlake.settings import in_ci

    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not in_ci()


class Progress:
    """A live line `label  done/total  elapsed  rows` above which finished items print."""

    def __init__(self, label: str, total: int | None, live: bool) -> None:
        self.label, self.total, self.done, self.rows = label, total, 0, 0
        self.started = time.monotonic()
        self._live = None
        self._task = None
        if live:
            try:
                from rich.progress import (
                    BarColumn,
                    MofNCompleteColumn,
                    TextColumn,
                    TimeElapsedColumn,
                )
                from rich.progress import Progress as RichProgress
            except ImportError:  # rich ships with the Airflow extra; without it, plain lines
                return
            self._live = RichProgress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("{task.fields[rows]:,} rows"),
                transient=True,
            )
            self._task = self._live.add_task(label, total=total, rows=0)
            self._live.start()

    def step(self, line: str, rows: int = 0) -> None:
        """One item finished: print its line, count its rows."""
        self.done += 1
        self.rows += rows
        if self._live is not None:
            self._live.console.print(line, highlight=False, markup=False)
            self._live.update(self._task, advance=1, rows=self.rows)  # type: ignore[arg-type]
        else:
            print(line, flush=True)

    def describe(self, text: str) -> None:
        """What is running now (shown on the live line only)."""
        if self._live is not None:
            self._live.update(self._task, description=f"{self.label}: {text}")  # type: ignore[arg-type]

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None


@contextlib.contextmanager
def progress(label: str, total: int | None = None, live: bool | None = None) -> Iterator[Progress]:
    bar = Progress(label, total, is_live() if live is None else live)
    try:
        yield bar
    finally:
        bar.close()


@contextlib.contextmanager
def output_to(log_file: Path) -> Iterator[None]:
    """Send this process's stdout and stderr (file descriptors 1 and 2, so also those of a JVM
    or any child started meanwhile) to `log_file`."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("w") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
