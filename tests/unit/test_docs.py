"""The README stays true: the rule table lists every rule with its severity."""

from __future__ import annotations

import re
from pathlib import Path

from eventlake.contracts.rules import RULES

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_rule_table_matches_the_contract():
    rows = re.findall(r"^\| `([a-z_]+)` \| (warn|quarantine|fail) \|", README.read_text(), re.M)
    assert dict(rows) == {rule.code: rule.severity for rule in RULES}


def test_readme_names_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text


def test_readme_monitoring_threshold_table_matches_the_contract():
    from eventlake.contracts.monitoring import THRESHOLDS

    rows = re.findall(
        r"^\| `([a-z_]+)` \| `([a-z_.*]+)` \| (below|above) \| ([0-9.]+) \| (warn|fail) \|$",
        README.read_text(),
        re.M,
    )
    assert rows == [
        (t.name, t.metric, t.direction, f"{t.limit:.2f}", t.severity) for t in THRESHOLDS
    ]
