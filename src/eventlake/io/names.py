"""What an object of a raw day folder `dt=D/` is, by its name: a raw log (and its format), a
partial upload, a hidden or marker object, the ready marker or manifest the conf names
(`raw.ready_marker`, `raw.manifest`), or something else. One home for these rules: the ETL
(io/raw.py), the DAG's sensors (orchestration/), `eventlake reconcile` and the bench use them.

No pyspark, no boto3: the Airflow worker imports this at poke time.

The manifest (`raw.manifest`, e.g. `_manifest.json`) is a JSON object in `dt=D/` that lists
every raw log of the drop with its size in bytes:

    {"files": [{"name": "part-00000.jsonl.gz", "size": 183422}, ...]}

`name` is the object's name inside `dt=D/` (no folder); every other key is ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from eventlake.errors import InputError

SUFFIX_FORMATS: dict[str, str] = {
    ".jsonl.gz": "json",
    ".ndjson.gz": "json",
    ".json.gz": "json",
    ".csv.gz": "csv",
}
# Suffixes that copy tools and uploaders give an object still being written.
PARTIAL_SUFFIXES = ("._copying_", ".tmp", ".temp", ".part", ".partial", ".filepart", ".crdownload")

# etl_runs.skipped_files reasons
PARTIAL_UPLOAD = "partial_upload"
HIDDEN_OR_MARKER = "hidden_or_marker"
UNKNOWN_SUFFIX = "unknown_suffix"
READY_MARKER = "ready_marker"
MANIFEST = "manifest"


def day_folder(day: date) -> str:
    """`dt=YYYY-MM-DD`, the raw layout's folder of one processing date (Hive-style, as the
    producer writes it): every reader and writer of the raw bucket builds it here."""
    return f"dt={day.isoformat()}"


def object_name(uri: str) -> str:
    """The last path segment of an object URI (its name inside `dt=D/`)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def file_format(uri: str) -> str | None:
    """`json` or `csv` for a name with a raw log suffix, else None."""
    name = object_name(uri).lower()
    for suffix, fmt in SUFFIX_FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return None


@dataclass(frozen=True)
class ReadyRule:
    """The conf's `raw.ready_marker` and `raw.manifest`: object names in `dt=D/`, or None."""

    ready_marker: str | None = None
    manifest: str | None = None

    @property
    def objects(self) -> tuple[str, ...]:
        """The names a drop is not ready without (what the sensors wait for); () when
        marker-free."""
        return tuple(n for n in (self.ready_marker, self.manifest) if n)


MARKER_FREE = ReadyRule()


def skip_reason(uri: str, ready: ReadyRule = MARKER_FREE) -> str | None:
    """Why an object of the day's folder is not read as data, or None for a raw log."""
    name = object_name(uri)
    if ready.ready_marker and name == ready.ready_marker:
        return READY_MARKER
    if ready.manifest and name == ready.manifest:
        return MANIFEST
    lower = name.lower()
    if lower.endswith(PARTIAL_SUFFIXES):
        return PARTIAL_UPLOAD
    if lower.startswith(("_", ".")):
        # _SUCCESS, _committed_*, .DS_Store; Spark's file index hides such names too.
        return HIDDEN_OR_MARKER
    if file_format(lower) is None:
        return UNKNOWN_SUFFIX
    return None


def is_data(uri: str, ready: ReadyRule = MARKER_FREE) -> bool:
    """Whether the ETL reads this object as a raw log."""
    return skip_reason(uri, ready) is None


def parse_manifest(text: str | bytes, uri: str) -> dict[str, int]:
    """The manifest's files: name -> size in bytes. InputError naming `uri` when it is not
    the documented JSON."""
    fix = 'expected {"files": [{"name": "<object name>", "size": <bytes>}, ...]}'
    try:
        doc = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"manifest {uri} is not valid JSON ({exc}); {fix}") from None
    files = doc.get("files") if isinstance(doc, dict) else None
    if not isinstance(files, list):
        raise InputError(f'manifest {uri} has no "files" list; {fix}')
    out: dict[str, int] = {}
    for i, entry in enumerate(files):
        name = entry.get("name") if isinstance(entry, dict) else None
        size = entry.get("size") if isinstance(entry, dict) else None
        if (
            not isinstance(name, str)
            or not name
            or "/" in name
            or not isinstance(size, int)
            or isinstance(size, bool)
            or size < 0
        ):
            raise InputError(
                f"manifest {uri}: entry {i} ({entry!r}) needs a name without '/' and a "
                f"size in bytes (an integer >= 0); {fix}"
            )
        if name in out:
            raise InputError(f"manifest {uri} lists {name!r} twice; list each file once")
        out[name] = size
    return out


def manifest_mismatch(listed: Mapping[str, int], found: Mapping[str, int]) -> str | None:
    """What differs between the manifest (`listed`: name -> size) and the raw logs found in
    the folder (`found`: name -> size), or None when they agree."""
    not_logs = sorted(n for n in listed if not is_data(n))
    missing = sorted(n for n in set(listed) - set(found) if is_data(n))
    unlisted = sorted(set(found) - set(listed))
    sizes = [
        f"{n} (manifest {listed[n]} bytes, found {found[n]})"
        for n in sorted(set(listed) & set(found))
        if listed[n] != found[n]
    ]
    parts = []
    if not_logs:
        parts.append(f"listed but not raw log names (never read): {', '.join(not_logs)}")
    if missing:
        parts.append(f"missing: {', '.join(missing)}")
    if sizes:
        parts.append(f"other size: {', '.join(sizes)}")
    if unlisted:
        parts.append(f"not listed: {', '.join(unlisted)}")
    return "; ".join(parts) or None
