"""HMAC-SHA256 (RFC 2104) from Spark's built-in functions: no Python UDF on the hot path.

Importing this module imports no Spark (io/secrets.py builds keys in light processes).

    HMAC(K, m) = SHA256((K' xor opad) || SHA256((K' xor ipad) || m))

K' is the key zero-padded to SHA-256's 64-byte block (a longer key is hashed first). The two
64-byte pads are computed once, on the driver, from the key; the key itself is not kept.
Spark then sees only `sha2(concat(<pad>, ...))`. The pads are as secret as the key: they are
literals of the query plan, so the job also sets `spark.sql.redaction.string.regex` to hide
64-byte binary literals in plan strings (see io/secrets.py, PLAN_REDACTION).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import Column

BLOCK_BYTES = 64


class HmacKey:
    """The inner and outer pads of an HMAC-SHA256 key. Its repr names the key's source only."""

    __slots__ = ("_inner", "_outer", "source")

    def __init__(self, secret: bytes, source: str) -> None:
        block = hashlib.sha256(secret).digest() if len(secret) > BLOCK_BYTES else secret
        block = block.ljust(BLOCK_BYTES, b"\x00")
        self._inner = bytes(b ^ 0x36 for b in block)
        self._outer = bytes(b ^ 0x5C for b in block)
        self.source = source

    def __repr__(self) -> str:
        return f"HmacKey(source={self.source!r})"

    __str__ = __repr__

    def secret_forms(self) -> tuple[bytes, bytes]:
        """The two pads (tests grep outputs for them: they are equivalent to the key)."""
        return self._inner, self._outer

    def hex_digest(self, msg: Column) -> Column:
        """Lower-case hex HMAC-SHA256 of the UTF-8 bytes of the string column `msg`."""
        from pyspark.sql import functions as F

        inner = F.sha2(F.concat(F.lit(bytearray(self._inner)), msg.cast("binary")), 256)
        return F.sha2(F.concat(F.lit(bytearray(self._outer)), F.unhex(inner)), 256)
