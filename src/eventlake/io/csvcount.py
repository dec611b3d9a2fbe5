"""CSV record counts from a raw file's bytes, apart from Spark and from Python's csv module
(the other side of the ETL's per-file accounting for CSV; io.recordcount for JSON lines).

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
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from eventlake.io.rawbytes import iter_decompressed, iter_line_batches, iter_lines

_COMMA = 0x2C


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
