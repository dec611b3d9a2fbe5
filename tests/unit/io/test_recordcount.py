"""The independent record counts (io.recordcount, io.csvcount, io.rawbytes) on hand-written
bytes: no Spark."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from eventlake.errors import InputError
from eventlake.io.csvcount import count_csv, csv_records, scan_csv
from eventlake.io.rawbytes import iter_decompressed
from eventlake.io.recordcount import count_file, count_json, count_json_lines


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


@pytest.mark.parametrize("size", [1, 2, 3, 1000])  # chunk edges fall inside lines and CRLFs
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", 0),
        (b"{}", 1),  # no final LF
        (b"{}\n{}\n", 2),
        (b"\n\n\n", 0),
        (b"{}\n\n{}\n", 2),
        (b"  \n{}\r\n \r\n{}", 2),  # blank = only ASCII whitespace, a CR included
        (b"\t\x0b\x0c\r\n{}\n", 1),
        (b" {}\n\t\n", 1),  # leading whitespace before a record keeps it a record
        (b"{\n}\n", 2),  # JSON lines: a record is a line, whatever it holds
        (b"\xef\xbb\xbf\n\xef\xbb\xbf{}\n", 1),  # a BOM alone is blank, as the reader drops it
        (b"\xef\xbb\xbf \t\n{}\n\xef\xbb\xbf", 1),
        (b"\xa0\n", 1),  # nor is a non-ASCII byte
    ],
)
def test_count_json_lines_counts_non_blank_lines(text, expected, size):
    assert count_json_lines(_chunks(text, size)) == expected


@pytest.mark.parametrize("size", [1, 2, 5, 1000])  # chunk edges fall inside characters
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b'{"a": "caf\xc3\xa9"}\n', (1, 0)),  # UTF-8
        (b'{"a": "\xef\xbf\xbd"}\n', (1, 0)),  # a genuine U+FFFD is valid UTF-8
        (b'{"a": "caf\xe9"}\n{}\n', (2, 1)),  # latin-1
        (b'{"a": "\x93q\x94"}\r\n{"b": "\x80"}\r\n{}\r\n', (3, 2)),  # cp1252, CRLF
        (b"{}\n\xe2\x82", (2, 1)),  # a cut sequence on a last line without LF
        (b'{"a": "\xed\xa0\x80"}\n', (1, 1)),  # an encoded surrogate is not UTF-8
        (b'{"a": "\xc0\xaf"}\n', (1, 1)),  # nor is an overlong form
        (b"\xef\xbb\xbf{}\n \n", (1, 0)),  # a UTF-8 BOM is valid
    ],
)
def test_count_json_counts_lines_that_are_not_utf8(text, expected, size):
    assert count_json(_chunks(text, size)) == expected


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b"\xff\xfe{\x00}\x00\n\x00", "UTF-16LE"),
        (b"\xfe\xff\x00{\x00}\x00\n", "UTF-16BE"),
        (b"\xff\xfe\x00\x00{\x00\x00\x00", "UTF-32LE"),
    ],
)
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_count_file_refuses_utf16_and_utf32_naming_the_file(tmp_path, head, name, fmt):
    uri = _gz(tmp_path / f"w.{fmt}l.gz", head)
    with pytest.raises(InputError, match=rf"w\.{fmt}l\.gz: the file is {name} text"):
        count_file(uri, fmt)


H = b"a,b\n"


@pytest.mark.parametrize("size", [1, 3, 1000])
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"", (0, ())),
        (H, (0, ())),
        (H + b"1,2\n3,4\n", (2, ())),
        (H + b"1,2\n3,4", (2, ())),  # no final LF
        (H + b"1,2\r\n\r\n\n3,4\r\n", (2, ())),  # empty lines are no records
        (H + b"   \n", (1, ())),  # a line of spaces is a (malformed) record
        (H + b'1,"2\n3",4\n5,6\n', (2, ())),  # a quoted newline
        (H + b'1,"x""y\nz"\n', (1, ())),  # "" inside quotes
        (H + b'1,a"b\n3,4\n', (2, ())),  # a quote inside an unquoted field is a character
        (H + b'1, "a\n3,4\n', (2, ())),  # ... and so is one after a space
        (H + b'1,"a"b\n3,4\n', (2, ())),  # text after a closing quote stays in the field
        (H + b'1,"2\n3,4\n5,6\n', (3, (1,))),  # unclosed: cut at the next newline
        (H + b'1,"2\n3,"4\n5,6\n', (2, ())),  # the quote closes on the next line
        (H + b'1,"a\n"b,"c\n3,4\n', (2, (2,))),  # closes, reopens, never closes again
        (H + b'1,"a\n2,"b\n3,4\n', (2, ())),  # the second quote closes the first one
        (H + b'"x\n1,2\n3,"y\n4,5\n', (2, ())),  # any later lone quote closes it
        (H + b'1,"a\n2,""\n3,""""\n', (3, (1,))),  # only "" pairs after it: it never closes
        (H + b'1,"tail', (1, (1,))),  # unclosed on the last line
    ],
)
def test_count_csv_rfc4180_records_and_unclosed_quote_cuts(text, expected, size):
    assert count_csv(_chunks(text, size)) == expected


def test_count_csv_header_with_51_rows_and_quote_never_closing_on_line_2():
    rows = [b'e01,"u1'] + [b"e%02d,u%02d" % (i, i) for i in range(2, 52)]
    text = b"event_id,user_id\n" + b"\n".join(rows) + b"\n"
    assert count_csv(_chunks(text, 7)) == (51, (1,))


LATIN1 = b"caf\xe9"  # latin-1 e-acute: not UTF-8
CP1252 = b"\x93q\x94"  # cp1252 curly quotes
FFFD = "\ufffd".encode()  # valid UTF-8, but a decoder's replacement character


@pytest.mark.parametrize("size", [1, 2, 1000])  # chunk edges fall inside multi-byte sequences
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (H + b"1,caf\xc3\xa9\n", (1, (), 0)),  # UTF-8
        (H + b"1," + LATIN1 + b"\n2,x\n3," + CP1252 + b"\n", (3, (), 2)),
        (H + b"1," + FFFD + b"\n2,x\n", (2, (), 1)),
        (b"a," + LATIN1 + b"\n1,2\n", (1, (), 0)),  # the header is no data record
        (H + b'1,"x\n' + LATIN1 + b'"\n2,y\n', (2, (), 1)),  # in a quoted newline
        (H + b'1,"' + LATIN1 + b"\n2,y\n3,z\n", (3, (1,), 1)),  # in the cut record only
        (H + b'1,"x\n2,' + LATIN1 + b"\n3,z\n", (3, (1,), 1)),  # after the cut
        (H + b'1,"x\n2,y\n3,"' + LATIN1 + b"\n", (1, (), 1)),  # closed: one record
        (H + b"1,\xe2\x82\n2,\x82\n", (2, (), 2)),  # a cut sequence, a lone continuation
    ],
)
def test_scan_csv_counts_records_not_utf8_or_holding_fffd(text, expected, size):
    assert scan_csv(_chunks(text, size)) == expected


def test_count_file_counts_csv_records_with_bad_text(tmp_path):
    rows = b"e1,ok\ne2," + LATIN1 + b"\ne3," + CP1252 + b"\ne4,caf\xc3\xa9\n"
    uri = _gz(tmp_path / "c.csv.gz", b"event_id,page\n" + rows)
    count = count_file(uri, "csv")
    assert (count.records, count.invalid_utf8) == (4, 2)


def _gz(path: Path, *members: bytes) -> str:
    path.write_bytes(b"".join(gzip.compress(m, mtime=0) for m in members))
    return path.as_uri()


def test_count_file_reads_every_gzip_member(tmp_path):
    uri = _gz(tmp_path / "a.jsonl.gz", b"{}\n{}\n", b"", b"{}\n")
    count = count_file(uri, "json")
    assert (count.records, count.uncompressed_bytes) == (3, 9)


def test_count_file_zero_byte_object_holds_no_records(tmp_path):
    (tmp_path / "a.csv.gz").write_bytes(b"")
    assert count_file((tmp_path / "a.csv.gz").as_uri(), "csv", 0).records == 0


def test_truncated_gzip_raises_naming_the_file(tmp_path):
    path = tmp_path / "t.jsonl.gz"
    whole = gzip.compress(b"{}\n" * 5000, mtime=0)
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"t\.jsonl\.gz: not a complete gzip file \(the stream"):
        list(iter_decompressed(path.as_uri()))


def test_bytes_after_the_last_gzip_member_raise(tmp_path):
    path = tmp_path / "g.jsonl.gz"
    path.write_bytes(gzip.compress(b"{}\n", mtime=0) + b"garbage")
    with pytest.raises(InputError, match=r"g\.jsonl\.gz: not a complete gzip file"):
        list(iter_decompressed(path.as_uri()))


def test_csv_records_applies_the_cuts(tmp_path):
    uri = _gz(tmp_path / "c.csv.gz", b'a,b\r\n4,"y\r\nz"\r\n1,"x\r\n2,3\r\n\r\n5,""\r\n')
    count = count_file(uri, "csv")
    assert (count.records, count.cuts) == (4, (3,))
    assert list(csv_records(uri, count.cuts)) == [
        (b"a,b", False),
        (b'4,"y\r\nz"', False),
        (b'1,"x', True),
        (b"2,3", False),
        (b'5,""', False),
    ]
