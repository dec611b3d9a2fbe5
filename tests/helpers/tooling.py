"""A test that needs a tool the machine lacks: skipped with a reason that says so locally, and
failed in CI (`CI=true`), where every tool the project's own set-up installs must be there."""

from __future__ import annotations

from typing import NoReturn

import pytest

from eventlake.settings import in_ci


def missing_tool(reason: str) -> NoReturn:
    """Skip with `reason` on a laptop; fail with it when CI is set."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set: a missing tool fails the run)")
    pytest.skip(reason)
