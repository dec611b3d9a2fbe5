"""Record counts from a raw file's bytes, apart from Spark: the other side of the ETL's
accounting check (`jobs.etl_accounting.account` compares them file by file with what Spark parsed).

- Bytes are decompressed as a stream (io.rawbytes); a thread pool counts several files at
  once while the Spark job runs.
- JSON lines: a record is a line (split at LF) that is not blank. Blank is the reader's
  definition (`transforms.text.is_blank`): empty, or only ASCII whitespace (a CR included),
  after a leading UTF-8 byte order mark, which the reader drops. The records whose bytes are
  not valid UTF-8 are counted too (`invalid_utf8`): the ETL checks them against the rows its
  reader flagged `invalid_encoding`. (An all-ASCII chunk is valid as a whole; only chunks
  with other bytes are decoded, line by line when the chunk as a whole is not valid.)
- A UTF-16 or UTF-32 byte order mark at the start of the bytes is a file fault
  (InputError naming the file): such a file is not UTF-8 text at all.
- CSV: RFC 4180 records, counted by io.csvcount's state machine (the unclosed-quote rule
  is described there).

This module never uses Spark or Python's csv module for a count: it must stay independent
of the readers it checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType

from eventlake.errors import InputError
from eventlake.io.csvcount import scan_csv
from eventlake.io.rawbytes import iter_decompressed, iter_line_spans, wide_encoding_message

_WS = b" \t\r\x0b\x0c"  # transforms.text.WHITESPACE without LF (the line separator)
# A line may be blank only if it starts with LF or whitespace. (One regex with a literal
# first byte: sre scans for it with memchr, ~6x faster than six bytes.find passes.)
_BLANK_HINT = re.compile(rb"\n(?=[\n \t\r\x0b\x0c]|\xef\xbb\xbf)")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class RecordCount:
    uri: str
    format: str  # json | csv
    records: int  # data records (a CSV header is not one)
    cuts: tuple[int, ...] = field(default_factory=tuple)  # CSV: 0-based lines where a cut ends
    uncompressed_bytes: int = 0
    # Records whose bytes are not valid UTF-8 (CSV: or that hold U+FFFD once decoded)
    invalid_utf8: int = 0

    @property
    def needs_python_reader(self) -> bool:
        """Spark's CSV reader runs an unclosed quote to the end of the file; such files are
        parsed in Python with the cut rule instead (io.raw.read_csv)."""
        return bool(self.cuts)


def _is_blank(line: bytes) -> bool:
    return not (line[3:] if line.startswith(_BOM) else line).strip(_WS)


def _blank_lines_after_first(data: bytes, first: int, end: int) -> int:
    """Blank lines among those starting after data[first] (an LF) and ending at data[end]
    (the span's last LF, or the end of the stream). Only lines that start after a hint are
    looked at."""
    blank = 0
    for hint in _BLANK_HINT.finditer(data, first, end + 1):
        at = hint.start()
        stop = data.find(b"\n", at + 1, end + 1)
        if _is_blank(data[at + 1 : stop if stop >= 0 else end]):
            blank += 1
    return blank


def _invalid_utf8_lines(data: bytes, end: int) -> int:
    """Lines (split at LF) of data[:end] whose bytes are not valid UTF-8 (none is blank:
    blank lines are ASCII). Called only on data that is not all ASCII."""
    try:
        str(memoryview(data)[:end], "utf-8")
        return 0
    except UnicodeDecodeError:
        pass
    bad = 0
    for line in data[:end].split(b"\n"):
        if not line.isascii():
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                bad += 1
    return bad


def count_json(chunks: Iterable[bytes]) -> tuple[int, int]:
    """(non-blank lines, lines that are not valid UTF-8) of a byte stream (lines split at
    LF; the last may lack one)."""
    records = 0
    invalid = 0
    for data, end in iter_line_spans(chunks):
        first = data.find(b"\n", 0, end)
        first = end if first < 0 else first
        blank = int(_is_blank(data[:first]))
        if first < end:
            blank += _blank_lines_after_first(data, first, end)
        records += data.count(b"\n", 0, end) + 1 - blank
        if not data.isascii():
            invalid += _invalid_utf8_lines(data, end)
    return records, invalid


def count_json_lines(chunks: Iterable[bytes]) -> int:
    """Non-blank lines of a byte stream (lines split at LF; the last may lack one)."""
    return count_json(chunks)[0]


def count_file(uri: str, fmt: str, size: int | None = None) -> RecordCount:
    """Count one object's records from its bytes."""
    total = 0

    def chunks() -> Iterator[bytes]:
        nonlocal total
        for chunk in iter_decompressed(uri, size):
            if total == 0 and (message := wide_encoding_message(uri, chunk)):
                raise InputError(message)
            total += len(chunk)
            yield chunk

    if fmt == "json":
        records, invalid = count_json(chunks())
        return RecordCount(uri, fmt, records, (), total, invalid)
    records, cuts, invalid = scan_csv(chunks())
    return RecordCount(uri, fmt, records, cuts, total, invalid)


class RecordCounts:
    """`count_file` for every object in a thread pool, started before the Spark job and
    joined after it, so the count overlaps the Spark read instead of adding to it."""

    def __init__(self, files: Iterable[tuple[str, str, int]], workers: int = 2) -> None:
        todo = list(files)
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(todo))), thread_name_prefix="recordcount"
        )
        # CSV first: the Spark plan waits for those.
        todo.sort(key=lambda file: file[1] != "csv")
        self._futures: dict[str, tuple[str, Future[RecordCount]]] = {
            uri: (fmt, self._pool.submit(count_file, uri, fmt, size)) for uri, fmt, size in todo
        }

    def python_cuts(self) -> dict[str, tuple[int, ...]]:
        """Waits for the CSV counts: the files that need the Python reader, with their cuts
        (Spark's plan depends on them; JSON counts keep running)."""
        out = {}
        for uri, (fmt, future) in self._futures.items():
            if fmt == "csv" and (count := future.result()).needs_python_reader:
                out[uri] = count.cuts
        return out

    def result(self) -> dict[str, RecordCount]:
        """Every object's count, by URI; raises what a count raised (InputError for gzip)."""
        return {uri: future.result() for uri, (_, future) in self._futures.items()}

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> RecordCounts:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
