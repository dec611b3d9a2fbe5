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
