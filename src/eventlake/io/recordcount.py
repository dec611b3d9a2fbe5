"""Record counts from a raw file's bytes, apart from Spark: the other side of the ETL's
accounting check (`jobs.etl._account` compares them file by file with what Spark parsed).

- Bytes are decompressed as a stream, gzip member after gzip member (as `cat a.gz b.gz`
  makes them; Hadoop's codec reads them all too). zlib releases the GIL, so a thread pool
  counts several files at once while the Spark job runs.
- JSON lines: a record is a line (split at LF) that is not blank. Blank is the reader's
  definition (`transforms.text.is_blank`): empty, or only ASCII whitespace (a CR included),
  after a leading UTF-8 byte order mark, which the reader drops. The records whose bytes are
  not valid UTF-8 are counted too (`invalid_utf8`): the ETL checks them against the rows its
  reader flagged `invalid_encoding`. (An all-ASCII chunk is valid as a whole; only chunks
  with other bytes are decoded, line by line when the chunk as a whole is not valid.)
- A UTF-16 or UTF-32 byte order mark at the start of the bytes is a file fault
  (InputError naming the file): such a file is not UTF-8 text at all.
- CSV: RFC 4180 records, found by a state machine over quotes and newlines (`_scan`). A
  record ends at an LF outside quotes (a CR before it belongs to the line end); an empty
  line between records is no record; a quote opens a quoted field only at the start of a
  field, and `""` inside one is a literal quote. The header is the first record.
  **A quote that never closes**: the record it opened ends at the next newline, and that
  row is malformed (a *cut*); the lines after it are records again. The count keeps every
  reading still possible (a chain of forks, one per quote that may yet close) and, at the
  end of the file, takes the one whose quotes all closed.
  The data records that are not valid UTF-8, or hold U+FFFD once decoded, are counted too
  (`invalid_utf8`): Spark's CSV reader (and the Python one) decodes invalid bytes to U+FFFD
  before any field is seen, and the ETL flags every row holding U+FFFD `invalid_encoding`,
  so the ETL checks that count against those rows. (LF never falls inside a multi-byte
  sequence, so a record is valid iff each of its lines is; only chunks that are not all
  ASCII are looked at.)

This module never uses Spark or Python's csv module for a count: it must stay independent
of the readers it checks.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType

from eventlake.errors import InputError
from eventlake.io.bucket import open_read

CHUNK = 1 << 20  # compressed bytes per read
_WS = b" \t\r\x0b\x0c"  # transforms.text.WHITESPACE without LF (the line separator)
# A line may be blank only if it starts with LF or whitespace. (One regex with a literal
# first byte: sre scans for it with memchr, ~6x faster than six bytes.find passes.)
_BLANK_HINT = re.compile(rb"\n(?=[\n \t\r\x0b\x0c]|\xef\xbb\xbf)")
_BOM = b"\xef\xbb\xbf"
# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)
_QUOTE = 0x22
_COMMA = 0x2C


def gzip_message(uri: str, detail: str) -> str:
    return (
        f"{uri}: not a complete gzip file ({detail}). Re-upload the file or move it out of the "
        f"drop folder; nothing was written for this run"
    )


def wide_encoding_message(uri: str, head: bytes) -> str | None:
    """An error for bytes that start with a UTF-16 or UTF-32 byte order mark, else None."""
    for mark, name in _WIDE_BOMS:
        if head.startswith(mark):
            return (
                f"{uri}: the file is {name} text (its first bytes are a {name} byte order "
                f"mark), not UTF-8; re-encode it as UTF-8 (e.g. `iconv -f {name} -t UTF-8`) "
                f"or move it out of the drop folder; nothing was written for this run"
            )
    return None


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


def iter_decompressed(uri: str, size: int | None = None) -> Iterator[bytes]:
    """The object's decompressed bytes, chunk by chunk. A zero-byte object yields nothing;
    a truncated gzip, or bytes that are not gzip, raise InputError naming the object."""
    if size == 0:
        return
    try:
        with open_read(uri) as raw:
            inflater = zlib.decompressobj(wbits=31)
            fed = False
            while block := raw.read(CHUNK):
                while block:
                    fed = True
                    out = inflater.decompress(block)
                    if out:
                        yield out
                    if not inflater.eof:
                        break
                    # The member ended: what follows must be another gzip member.
                    block = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    fed = False
            if fed and not inflater.eof:
                raise InputError(gzip_message(uri, "the stream ends before the gzip trailer"))
    except zlib.error as exc:
        raise InputError(gzip_message(uri, str(exc))) from None


def _is_blank(line: bytes) -> bool:
    return not (line[3:] if line.startswith(_BOM) else line).strip(_WS)


def _blank_lines_after_first(data: bytes, first: int, end: int) -> int:
    """Blank lines among those starting after data[first] (an LF) and ending at or before
    data[end] (the chunk's last LF). Only lines that start after a hint are looked at."""
    blank = 0
    for hint in _BLANK_HINT.finditer(data, first, end + 1):
        at = hint.start()
        if _is_blank(data[at + 1 : data.find(b"\n", at + 1, end + 1)]):
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
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        end = data.rfind(b"\n")
        if end < 0:
            carry = data
            continue
        first = data.find(b"\n")
        lines = data.count(b"\n", 0, end + 1)
        blank = int(_is_blank(data[:first]))
        if first < end:
            blank += _blank_lines_after_first(data, first, end)
        records += lines - blank
        if not data.isascii():
            invalid += _invalid_utf8_lines(data, end)
        carry = data[end + 1 :]
    if carry and not _is_blank(carry):
        records += 1
        if not carry.isascii():
            invalid += _invalid_utf8_lines(carry, len(carry))
    return records, invalid


def count_json_lines(chunks: Iterable[bytes]) -> int:
    """Non-blank lines of a byte stream (lines split at LF; the last may lack one)."""
    return count_json(chunks)[0]


def _scan(line: bytes, in_quote: bool) -> tuple[bool, bool]:
    """One line of CSV through the quote state machine.

    `in_quote`: whether the line starts inside a quoted field (else it starts a record).
    Returns (a quoted field closed on this line, the line ends inside a quoted field).
    """
    closed = False
    pos = 0
    while True:
        if in_quote:
            at = line.find(b'"', pos)
            if at < 0:
                return closed, True
            if line[at + 1 : at + 2] == b'"':  # "" is a literal quote
                pos = at + 2
                continue
            in_quote, closed, pos = False, True, at + 1
        at = line.find(b'"', pos)
        if at < 0:
            return closed, False
        # Outside quotes every comma is a delimiter, so a quote opens a field iff it starts
        # the line (the record) or follows a comma; elsewhere it is a literal character.
        if at == 0 or line[at - 1] == _COMMA:
            in_quote = True
        pos = at + 1


def _is_empty_line(line: bytes) -> bool:
    return not line or line == b"\r"


_REPLACEMENT = "\ufffd".encode()


def _is_bad_text(line: bytes) -> bool:
    """A line that a UTF-8 decoder turns into text holding U+FFFD: invalid bytes, or a
    genuine U+FFFD (a CSV reader's output cannot tell the two apart)."""
    if _REPLACEMENT in line:
        return True
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


class CsvCounter:
    """The CSV state machine over a stream of lines, with the unclosed-quote rule.

    Each fork is [in_quote, records, cuts, bad, pending]: `bad` counts the data records (not
    the header) with bad text (`_is_bad_text`), `pending` says whether the record still open
    has some. Only the last fork may be outside quotes; every other one sits in a quoted
    field that may still close. When a fork's quote closes, the forks after it (which
    assumed it never would) are dropped; when a fork opens a quote that does not close on
    its line, a new fork is added that cuts the record at this line.
    """

    def __init__(self) -> None:
        self.forks: list[list] = [[False, 0, (), 0, False]]
        self.line_no = 0

    def feed(self, lines: Iterable[bytes], check_text: bool = False) -> None:
        """`check_text`: the lines may hold bytes other than ASCII (else none is bad)."""
        forks = self.forks
        line_no = self.line_no
        for line in lines:
            if len(forks) == 1 and not forks[0][0] and b'"' not in line:
                if not _is_empty_line(line):
                    fork = forks[0]
                    if check_text and fork[1] and _is_bad_text(line):
                        fork[3] += 1
                    fork[1] += 1
            else:
                self._step(line, line_no, check_text and _is_bad_text(line))
                forks = self.forks
            line_no += 1
        self.line_no = line_no

    def _step(self, line: bytes, line_no: int, line_bad: bool) -> None:
        forks = self.forks
        j = 0
        while j < len(forks):
            fork = forks[j]
            in_quote = fork[0]
            if not in_quote and _is_empty_line(line):
                j += 1
                continue
            closed, open_after = _scan(line, in_quote)
            if closed and in_quote:
                del forks[j + 1 :]
            record_bad = fork[4] or line_bad
            if open_after:
                fork[4] = record_bad
                if not in_quote or closed:
                    # A quote opened on this line: also read it as never closing.
                    fork[0] = True
                    del forks[j + 1 :]
                    bad = fork[3] + int(record_bad and fork[1] > 0)
                    forks.append([False, fork[1] + 1, (*fork[2], line_no), bad, False])
                    return
            else:
                fork[0] = False
                if record_bad and fork[1] > 0:
                    fork[3] += 1
                fork[1] += 1
                fork[4] = False
            j += 1

    def result(self) -> tuple[int, tuple[int, ...]]:
        """(records including the header, cut lines) of the reading where every quote closed."""
        truth = self.forks[-1]
        return truth[1], truth[2]

    def bad_records(self) -> int:
        """Data records with bad text in the reading where every quote closed."""
        return self.forks[-1][3]


def iter_line_batches(chunks: Iterable[bytes]) -> Iterator[tuple[list[bytes], bool]]:
    """Complete lines (without LF) in batches, one batch per chunk, each with whether it
    is all ASCII; the last line of the stream is yielded even without a final LF (but not
    an empty one after it)."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        end = data.rfind(b"\n")
        if end < 0:
            carry = data
            continue
        head = data[:end]
        yield head.split(b"\n"), head.isascii()
        carry = data[end + 1 :]
    if carry:
        yield [carry], carry.isascii()


def iter_lines(chunks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """`iter_line_batches` without the ASCII flag."""
    for batch, _ in iter_line_batches(chunks):
        yield batch


def scan_csv(chunks: Iterable[bytes]) -> tuple[int, tuple[int, ...], int]:
    """(data records, cut lines, data records with bad text) of a CSV byte stream; the
    header is not a data record."""
    counter = CsvCounter()
    for batch, is_ascii in iter_line_batches(chunks):
        counter.feed(batch, not is_ascii)
    records, cuts = counter.result()
    return max(records - 1, 0), cuts, counter.bad_records()


def count_csv(chunks: Iterable[bytes]) -> tuple[int, tuple[int, ...]]:
    """(data records, cut lines) of a CSV byte stream; the header is not a data record."""
    records, cuts, _ = scan_csv(chunks)
    return records, cuts


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


def csv_records(
    uri: str, cuts: tuple[int, ...], size: int | None = None
) -> Iterator[tuple[bytes, bool]]:
    """The CSV's records as (raw bytes without the line end, is_cut), header first, read
    with the same state machine and the cuts `count_file` found."""
    cut_lines = set(cuts)
    line_no = 0
    buf: list[bytes] = []
    in_quote = False
    for batch in iter_lines(iter_decompressed(uri, size)):
        for line in batch:
            if not buf and _is_empty_line(line):
                line_no += 1
                continue
            buf.append(line)
            if line_no in cut_lines:
                yield _join(buf), True
                buf, in_quote = [], False
            else:
                _, in_quote = _scan(line, in_quote)
                if not in_quote:
                    yield _join(buf), False
                    buf = []
            line_no += 1
    if buf:  # not reached when the cuts came from count_file on the same bytes
        yield _join(buf), True


def _join(lines: list[bytes]) -> bytes:
    text = b"\n".join(lines)
    return text[:-1] if text.endswith(b"\r") else text


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
