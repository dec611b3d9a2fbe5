"""Extract, first step: find a day's raw objects and look at each before Spark reads it.

`list_day_files` lists `dt=D/` (skipping partial uploads, hidden and marker objects, with the
reason, and checking the conf's ready marker or manifest); `inspect_files` reads each CSV's
header (the first record only) and refuses a file that lacks a contract column, is not gzip, or
is UTF-16/32 text. `file_read_error` turns Spark's FAILED_READ_FILE into an error naming the
object. io/raw.py then reads the records.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
import re
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from eventlake.contracts.schemas import RAW_FIELDS
from eventlake.errors import InputError
from eventlake.io.bucket import ObjectInfo, list_objects, open_read
from eventlake.io.names import (
    MARKER_FREE,
    SUFFIX_FORMATS,
    ReadyRule,
    file_format,
    manifest_mismatch,
    object_name,
    parse_manifest,
    skip_reason,
)
from eventlake.io.rawbytes import gzip_message, wide_encoding_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RawFile:
    uri: str
    size: int
    checksum: str
    format: str  # json | csv
    header: tuple[str, ...] = field(default_factory=tuple)  # CSV only, normalised names

    @property
    def is_empty(self) -> bool:
        """A zero-byte object, or a CSV without even a header line, holds no records."""
        return self.size == 0 or (self.format == "csv" and not self.header)


def list_day_files(
    day_uri: str, ready: ReadyRule = MARKER_FREE
) -> tuple[list[tuple[ObjectInfo, str]], list[dict[str, str]]]:
    """The day's raw logs with their format, and the skipped objects (path and reason, for
    the run record). No raw log is an error. With a ready marker or manifest in the conf
    (`ready`), a folder without it is an error, and so is one whose raw logs differ from
    the manifest's list (names and sizes); both are checked before any record is read."""
    objects = list_objects(day_uri)
    skipped = [{"path": o.uri, "reason": r} for o in objects if (r := skip_reason(o.uri, ready))]
    found = [(o, file_format(o.uri) or "") for o in objects if not skip_reason(o.uri, ready)]
    if skipped:
        log.warning("skipping %d objects: %s", len(skipped), skipped[:5])
    _check_ready(day_uri, ready, objects, [o for o, _ in found])
    if not found:
        raise InputError(
            f"no raw files for this date under {day_uri}/ (expected names ending in "
            f"{', '.join(SUFFIX_FORMATS)}; {len(skipped)} objects skipped: {skipped[:5]}); "
            f"check --raw-uri and --date, or that the drop landed"
        )
    return found, skipped


def _check_ready(
    day_uri: str, ready: ReadyRule, objects: list[ObjectInfo], logs: list[ObjectInfo]
) -> None:
    """InputError when the conf's ready marker or manifest is missing from the folder, or
    the manifest does not list exactly the raw logs found, with their sizes."""
    folder = day_uri.rstrip("/") + "/"
    names = {object_name(o.uri): o for o in objects}
    for name, key in ((ready.ready_marker, "ready_marker"), (ready.manifest, "manifest")):
        if name and name not in names:
            raise InputError(
                f"{folder} has no {name} (raw.{key} in the conf): the drop is not marked "
                f"complete, so nothing was read. Rerun once the producer has written {name}, "
                f"or set raw.{key} to null if this source writes none"
            )
    if not ready.manifest:
        return
    manifest = names[ready.manifest]
    with open_read(manifest.uri) as fh:
        listed = parse_manifest(fh.read(), manifest.uri)
    found = {object_name(o.uri): o.size for o in logs}
    mismatch = manifest_mismatch(listed, found)
    if mismatch:
        raise InputError(
            f"{folder} does not match its manifest {manifest.uri}: {mismatch}. Nothing was "
            f"read; complete the drop or correct the manifest, then rerun the date"
        )


def _normalise_header(names: list[str]) -> tuple[str, ...]:
    out = [n.lstrip("\ufeff").strip().lower() for n in names]
    return tuple(out)


def inspect_file(obj: ObjectInfo, fmt: str) -> RawFile:
    """Read a CSV's header (the first record only). JSON needs no look before Spark reads it."""
    if fmt != "csv" or obj.size == 0:
        return RawFile(obj.uri, obj.size, obj.checksum, fmt)
    try:
        with open_read(obj.uri) as raw, gzip.GzipFile(fileobj=raw, mode="rb") as gz:
            if message := wide_encoding_message(obj.uri, gz.peek(4)[:4]):
                raise InputError(message)
            text = io.TextIOWrapper(gz, encoding="utf-8-sig", errors="replace", newline="")
            first = next((row for row in csv.reader(text) if row), None)
    except (gzip.BadGzipFile, EOFError, zlib.error, OSError) as exc:
        raise InputError(gzip_message(obj.uri, str(exc))) from None
    except csv.Error as exc:
        raise InputError(f"{obj.uri}: CSV header cannot be read ({exc})") from None
    header = _normalise_header(first) if first else ()
    if header:
        missing = [f for f in RAW_FIELDS if f not in header]
        if missing:
            raise InputError(
                f"{obj.uri}: CSV header lacks columns {missing} (header is {list(header)}); "
                f"fix the producer or remove the file"
            )
        extra = [h for h in header if h not in RAW_FIELDS]
        if extra:
            log.info("%s: extra CSV columns %s go to _rescued", obj.uri, extra)
    return RawFile(obj.uri, obj.size, obj.checksum, fmt, header)


_FAILED_READ = re.compile(
    r"FAILED_READ_FILE[.A-Z_]*\] Encountered error while reading file (\S+?)\.?\s"
)


def file_read_error(exc: BaseException, files: list[RawFile]) -> InputError | None:
    """Spark's FAILED_READ_FILE (truncated gzip, not gzip, unreadable) as an InputError naming
    the object, or None when `exc` is something else."""
    match = _FAILED_READ.search(str(exc))
    if not match:
        return None
    path = match.group(1)
    uri = next((f.uri for f in files if path.endswith(f.uri.split("://", 1)[-1])), path)
    cause = str(exc).split("Caused by:", 2)
    detail = cause[1].strip().splitlines()[0] if len(cause) > 1 else "unreadable"
    return InputError(gzip_message(uri, detail))


def inspect_files(found: list[tuple[ObjectInfo, str]], workers: int = 4) -> list[RawFile]:
    """inspect_file for every object; zlib and I/O release the GIL, so threads overlap."""
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(found)))) as pool:
        return list(pool.map(lambda pair: inspect_file(*pair), found))
