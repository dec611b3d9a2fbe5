"""Dates from users are strict; the CLI reports errors without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date

import pytest

from eventlake import cli
from eventlake.dates import parse_date
from eventlake.errors import InputError


def test_parse_date_accepts_iso_dates_only():
    assert parse_date("2026-01-31") == date(2026, 1, 31)
    for bad in ("../../x", "2026-1-31", "2026-02-30", "20260131", "", "2026-01-31T00:00"):
        with pytest.raises(InputError):
            parse_date(bad)


def test_cli_unknown_command_exits_2(capsys):
    assert cli.main(["nope"]) == 2
    assert "unknown command 'nope'" in capsys.readouterr().err


def test_cli_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("generate", "etl", "validate-output", "train", "evaluate", "predict", "run"):
        assert f"  {name}" in out


def test_cli_etl_refuses_a_path_as_date(capsys):
    assert cli.main(["etl", "--date", "../../x"]) == 1
    assert "--date must be a date like 2026-01-31, got '../../x'" in capsys.readouterr().err


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real `eventlake` CLI in a child process, as a person at a terminal runs it."""
    return subprocess.run(
        [sys.executable, "-m", "eventlake.cli", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        check=False,
    )


def _error_lines(proc: subprocess.CompletedProcess[str], command: str) -> list[str]:
    assert "Traceback" not in proc.stderr, proc.stderr
    return [line for line in proc.stderr.splitlines() if line.startswith(f"eventlake {command}:")]


def test_cli_invalid_date_is_one_line_naming_the_flag(state_home):
    proc = _cli("etl", "--date", "2026-02-30")
    assert proc.returncode == 1
    assert _error_lines(proc, "etl") == [
        "eventlake etl: error: --date '2026-02-30' is not a valid calendar date"
    ]


def test_cli_unknown_environment_is_one_line_naming_the_choices(state_home):
    proc = _cli("etl", "--date", "2026-01-01", env={"EVENTLAKE_ENV": "nope"})
    assert proc.returncode == 1
    [line] = _error_lines(proc, "etl")
    assert line.startswith("eventlake etl: error: no configuration for environment 'nope': ")
    assert line.endswith("(set EVENTLAKE_ENV to one of ['aws', 'local'])")


def test_cli_unsupported_bucket_uri_is_one_line_naming_the_uri(state_home):
    proc = _cli("etl", "--date", "2026-01-01", "--raw-uri", "ftp://host/raw")
    assert proc.returncode == 1
    assert _error_lines(proc, "etl") == [
        "eventlake etl: error: unsupported URI scheme 'ftp' in ftp://host/raw/dt=2026-01-01: "
        "use file:// or s3://"
    ]


def test_cli_missing_raw_data_is_one_line_naming_the_folder(state_home):
    proc = _cli("etl", "--date", "2026-01-01")
    assert proc.returncode == 1
    [line] = _error_lines(proc, "etl")
    assert line.startswith(
        f"eventlake etl: error: no raw files for this date under "
        f"file://{state_home}/bucket/raw/dt=2026-01-01/ "
    )
    assert line.endswith("check --raw-uri and --date, or that the drop landed")
