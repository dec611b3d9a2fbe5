"""Builders for hand-written raw log files (test helpers, not fixtures)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

BASE: dict[str, Any] = {
    "event_id": None,
    "user_id": "u1",
    "session_id": "s1",
    "event_time": "2026-01-05T10:00:00Z",
    "event_type": "click",
    "amount": None,
    "currency": None,
    "device": "desktop",
    "os": "linux",
    "country": "DE",
    "page": "/p",
    "product_id": None,
    "product_category": None,
    "ip": "10.0.0.1",
    "user_agent": "Mozilla/5.0",
    "app_version": "4.2.1",
}


def event(event_id: str | None, **fields: Any) -> dict[str, Any]:
    return {**BASE, "event_id": event_id, **fields}


def write_gz(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data, mtime=0))
    return path


def write_jsonl(path: Path, lines: list[dict[str, Any] | str]) -> Path:
    text = "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n"
    return write_gz(path, text.encode())


def write_csv_text(path: Path, text: str, bom: bool = False) -> Path:
    return write_gz(path, (b"\xef\xbb\xbf" if bom else b"") + text.encode())


CSV_HEADER = ",".join(BASE)


def csv_row(event_id: str, **fields: Any) -> str:
    """One CSV line in the header's column order; None is an empty field. No quoting:
    write quotes into the values by hand where a test needs them."""
    row = event(event_id, **fields)
    return ",".join("" if row[name] is None else str(row[name]) for name in BASE)
