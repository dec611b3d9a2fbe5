"""A real headless browser for the run report's tests: Chromium (Debian's package, installed
by `make browser`), or Google Chrome where that is what the machine has (GitHub's runners)."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from helpers.tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "build" / "test-artifacts"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
# Chromium prints each console message to stderr with --enable-logging=stderr, e.g.
# `[..:INFO:CONSOLE:1] "Uncaught ReferenceError: ...", source: file:///... (1)` (older builds:
# `CONSOLE(1)]`).
CONSOLE = re.compile(r"CONSOLE[:(]\d+\)?\]")


def browser() -> str:
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    reason = (
        f"no headless browser ({', '.join(CANDIDATES)}) on PATH: `make browser` installs "
        "Debian's chromium when run as root"
    )
    missing_tool(reason)


@dataclass
class Rendered:
    dom: str
    console: list[str]
    screenshot: Path


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    base = [
        browser(),
        "--headless",
        "--no-sandbox",  # root in a container has no user namespace for the sandbox
        "--disable-gpu",
        "--no-first-run",
        "--hide-scrollbars",
        "--enable-logging=stderr",
        "--v=0",
        f"--user-data-dir={ARTIFACTS / '.profile'}",
    ]
    return subprocess.run(base + args, capture_output=True, text=True, timeout=120, check=False)


def render(page: Path, screenshot_name: str, height: int = 2400) -> Rendered:
    """Open `page` headless: its DOM after load, the console messages, and a screenshot kept
    under build/test-artifacts/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / screenshot_name
    url = page.resolve().as_uri()
    dom_run = _run(["--dump-dom", url])
    assert dom_run.returncode == 0, dom_run.stderr[-2000:]
    shot_run = _run([f"--screenshot={shot}", f"--window-size=1200,{height}", url])
    assert shot_run.returncode == 0 and shot.exists(), shot_run.stderr[-2000:]
    console = [
        line for line in (dom_run.stderr + shot_run.stderr).splitlines() if CONSOLE.search(line)
    ]
    return Rendered(dom_run.stdout, console, shot)
