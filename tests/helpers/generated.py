"""A small generated drop for the generator's plant tests: 4 days, 80 users, 500 events a
day, one file a day, no defects, seed 11."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from eventlake.tools.generate import generate

START = date(2026, 3, 1)


def generate_small(root: Path, plants=()) -> dict[str, bytes]:
    """Generate into `root`; returns each .gz file's path (relative to root) and bytes."""
    generate(
        raw_uri=root.as_uri(),
        start=START,
        days=4,
        users=80,
        events_per_day=500,
        files_per_day=1,
        defect_rate=0.0,
        seed=11,
        plants=plants,
    )
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.gz"))}
