"""A missing tool: a skip that says so on a laptop, a failure in CI."""

from __future__ import annotations

import pytest
from helpers.tooling import missing_tool


def test_missing_tool_skips_with_its_reason_off_ci(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="terraform binary not found"):
        missing_tool("terraform binary not found on PATH")


@pytest.mark.parametrize("value", ["true", "1", "TRUE"])
def test_missing_tool_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match=r"checkov not found.*CI is set"):
        missing_tool("checkov not found; run `make tools`")
