"""HMAC-SHA256 from Spark built-ins, against RFC 4231's published test vectors."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.keyed_hash import HmacKey

pytestmark = pytest.mark.spark

# (key, message, HMAC-SHA-256) copied from RFC 4231, test cases 1, 2, 6 and 7.
RFC_4231 = [
    (b"\x0b" * 20, "Hi There", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
    (
        b"Jefe",
        "what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    ),
    (
        b"\xaa" * 131,
        "Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    ),
    (
        b"\xaa" * 131,
        "This is a test using a larger than block-size key and a larger than block-size data. "
        "The key needs to be hashed before being used by the HMAC algorithm.",
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ),
]
IP_KEY = b"0123456789abcdef" * 4  # exactly one block: used as is
IP_VECTORS = [
    ("203.0.113.7", "418926bbce793696b6c05aa969dcdbf07f6413ed5ff96592d602b7e6a986a7bf"),
    ("2001:db8::7", "5529ba11f4e028a9b261802189d6036ccefc7182e4d18ca9791b143e0ff4cd87"),
]


@pytest.mark.parametrize(("key", "message", "expected"), RFC_4231)
def test_hex_digest_matches_rfc_4231(spark, key, message, expected):
    from pyspark.sql import functions as F

    source_df = spark.createDataFrame([(message,)], "m string")
    actual_df = source_df.select(HmacKey(key, "rfc").hex_digest(F.col("m")).alias("h"))
    expected_df = spark.createDataFrame([(expected,)], "h string")
    assertDataFrameEqual(actual_df, expected_df)
    # Python's own HMAC agrees with the RFC, so the vectors above were copied right.
    assert hmac.new(key, message.encode(), hashlib.sha256).hexdigest() == expected


def test_hex_digest_of_ip_addresses_matches_python_hmac(spark):
    from pyspark.sql import functions as F

    source_df = spark.createDataFrame([(ip,) for ip, _ in IP_VECTORS] + [(None,)], "ip string")
    actual_df = source_df.select(HmacKey(IP_KEY, "test").hex_digest(F.col("ip")).alias("h"))
    expected_df = spark.createDataFrame([(h,) for _, h in IP_VECTORS] + [(None,)], "h string")
    assertDataFrameEqual(actual_df, expected_df)
    for ip, expected in IP_VECTORS:
        assert hmac.new(IP_KEY, ip.encode(), hashlib.sha256).hexdigest() == expected


def test_hmac_key_repr_names_the_source_only():
    key = HmacKey(IP_KEY, "key file /x/ip-hash.key")
    assert repr(key) == "HmacKey(source='key file /x/ip-hash.key')"
    assert str(key) == repr(key)
    assert not hasattr(key, "__dict__")  # nothing else is kept on the object
