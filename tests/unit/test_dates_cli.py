"""Dates from users are strict; the CLI reports errors without a traceback."""

from __future__ import annotations

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
