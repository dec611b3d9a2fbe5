"""A raw object's bytes as a stream: decompressed gzip member after gzip member (as
`cat a.gz b.gz` makes them; Hadoop's codec reads them all too), then split into lines at LF.
zlib releases the GIL, so a thread pool reads several files at once. Shared by the record
counts (io.recordcount, io.csvcount) and the Python CSV reader (io.raw)."""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator

from eventlake.errors import InputError
from eventlake.io.bucket import open_read

CHUNK = 1 << 20  # compressed bytes per read
# UTF-32 first: its little-endian mark begins with UTF-16's.
_WIDE_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32LE"),
    (b"\x00\x00\xfe\xff", "UTF-32BE"),
    (b"\xff\xfe", "UTF-16LE"),
    (b"\xfe\xff", "UTF-16BE"),
)


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


def iter_line_spans(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, int]]:
    """(buffer, end) per chunk that completes a line: `buffer[:end]` holds complete lines,
    joined by LF, and `buffer[end]` is the LF ending the last of them; then, for a stream
    whose last line lacks a final LF, (that line, its length). Nothing is copied but the
    carried partial line."""
    carry = b""
    for chunk in chunks:
        data = carry + chunk if carry else chunk
        end = data.rfind(b"\n")
        if end < 0:
            carry = data
            continue
        yield data, end
        carry = data[end + 1 :]
    if carry:
        yield carry, len(carry)


def iter_line_batches(chunks: Iterable[bytes]) -> Iterator[tuple[list[bytes], bool]]:
    """Complete lines (without LF) in batches, one batch per chunk, each with whether it
    is all ASCII; the last line of the stream is yielded even without a final LF (but not
    an empty one after it)."""
    for data, end in iter_line_spans(chunks):
        head = data[:end]
        yield head.split(b"\n"), head.isascii()


def iter_lines(chunks: Iterable[bytes]) -> Iterator[list[bytes]]:
    """`iter_line_batches` without the ASCII flag."""
    for batch, _ in iter_line_batches(chunks):
        yield batch
