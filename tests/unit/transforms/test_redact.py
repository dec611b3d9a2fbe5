"""The quarantine's raw text without personal data: hashed fields and masked IP literals."""

from __future__ import annotations

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.transforms.redact import redact_fields, with_redacted_raw_record

pytestmark = pytest.mark.spark

H = "418926bbce793696b6c05aa969dcdbf07f6413ed5ff96592d602b7e6a986a7bf"
SCHEMA = "_raw_record string, ip_hash string"


def test_with_redacted_raw_record_json_and_csv_rows(spark):
    source_df = spark.createDataFrame(
        [
            ('{"event_id":"e1","ip":"203.0.113.7","event_type":"hover"}', H),
            ('{"ip" : "198.51.100.4", "page": "/p"}', "abc"),
            ('{"ip":3232235777,"x":1}', "abc"),
            ('{"ip":null,"x":1}', None),
            ('{"ip":"  ","x":1}', None),
            ('{"ip":"192.0.2.5","page":"/from/192.0.2.5"}', "abc"),
            (None, None),
        ],
        SCHEMA,
    )
    actual_df = source_df.transform(with_redacted_raw_record).select("raw_record")
    expected_df = spark.createDataFrame(
        [
            (f'{{"event_id":"e1","ip":"{H}","event_type":"hover"}}',),
            ('{"ip" : "abc", "page": "/p"}',),
            ('{"ip":"abc","x":1}',),
            ('{"ip":null,"x":1}',),
            ('{"ip":"<redacted>","x":1}',),
            ('{"ip":"abc","page":"/from/<redacted>"}',),
            (None,),
        ],
        "raw_record string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_with_redacted_raw_record_masks_literals_in_malformed_lines(spark):
    source_df = spark.createDataFrame(
        [
            ('{"event_id":"e2","ip":"203.0.113.9","amount":', None),
            ("e3,u3,2026-01-01T10:20:30Z,click,,,,,,,,,203.0.113.10,Mozilla,1.0,extra", None),
            ("at 10:20:30 from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 or fe80::1%eth0", None),
            ("mapped ::ffff:192.0.2.1; loopback ::1; short 2001:db8::; x1.2.3.4y", None),
            ("not addresses: 1.2.3, 10:20:30.5, aa:bb:cc:dd:ee:ff, v1.2", None),
        ],
        SCHEMA,
    )
    actual_df = source_df.transform(with_redacted_raw_record).select("raw_record")
    expected_df = spark.createDataFrame(
        [
            ('{"event_id":"e2","ip":"<redacted>","amount":',),
            ("e3,u3,2026-01-01T10:20:30Z,click,,,,,,,,,<redacted>,Mozilla,1.0,extra",),
            ("at 10:20:30 from <redacted> or <redacted>%eth0",),
            ("mapped <redacted>; loopback <redacted>; short <redacted>; x<redacted>y",),
            ("not addresses: 1.2.3, 10:20:30.5, aa:bb:cc:dd:ee:ff, v1.2",),
        ],
        "raw_record string",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_redact_fields_sets_dropped_fields_to_null(spark):
    from pyspark.sql import functions as F

    source_df = spark.createDataFrame([('{"email":"a@example.com","x":1}',)], "r string")
    actual_df = source_df.select(redact_fields(F.col("r"), {}, ("email",)).alias("r"))
    expected_df = spark.createDataFrame([('{"email":null,"x":1}',)], "r string")
    assertDataFrameEqual(actual_df, expected_df)
