"""transforms/classify.py: the ETL's chain from raw text rows to classified ones, on a
hand-built frame in read_raw's shape, with hand-written expected values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.contracts.drift import policy
from eventlake.contracts.rules import RuleContext, effective_rules
from eventlake.contracts.schemas import RAW_FIELDS
from eventlake.transforms.classify import classify
from eventlake.transforms.keyed_hash import HmacKey

pytestmark = pytest.mark.spark

# read_raw's columns: every raw field as text, then the reader's own columns.
RAW_SCHEMA = ", ".join(f"{n} string" for n in RAW_FIELDS) + (
    ", _raw_record string, _is_malformed boolean, _is_invalid_encoding boolean, "
    "_source_file string, _rescued map<string,string>, _has_unknown_field boolean"
)
# One 64-byte block key and its HMAC-SHA256 of "203.0.113.7" (tests/unit/transforms/
# test_keyed_hash.py's vector, from Python's hmac module).
IP_KEY = HmacKey(b"0123456789abcdef" * 4, "test")
IP_HASH = "418926bbce793696b6c05aa969dcdbf07f6413ed5ff96592d602b7e6a986a7bf"
CTX = RuleContext("2026-01-05", 2)
KEPT = (
    "event_id string, event_category string, amount decimal(18,2), is_high_value boolean, "
    "ip_hash string, processing_date date, _run_id string, _ingested_at timestamp, "
    "reasons array<string>, warnings array<string>, is_quarantined boolean"
)


def _raw(event_id, event_type, amount, user_id="u1", ip=None, rescued=None):
    """A raw row of RAW_SCHEMA: a well-formed JSON line's fields, at 10:00 on D."""
    fields = dict.fromkeys(RAW_FIELDS)
    fields.update(
        event_id=event_id,
        user_id=user_id,
        session_id="s1",
        event_time="2026-01-05T10:00:00Z",
        event_type=event_type,
        amount=amount,
        currency="EUR",
        device="mobile",
        os="ios",
        country="DE",
        ip=ip,
    )
    reader = ("{}", False, False, "a.gz", rescued, rescued is not None)
    return (*fields.values(), *reader)


def _source_df(spark):
    return spark.createDataFrame(
        [
            _raw("e1", "purchase", "150.00", ip="203.0.113.7"),  # clean, high-value
            _raw("e2", "click", None, user_id=None),  # no user id, no amount
            _raw("e3", "purchase", "5", rescued={"color": "red"}),  # an unknown field
        ],
        RAW_SCHEMA,
    )


def _classified(spark, rules, drift):
    actual_df = classify(
        _source_df(spark), rules, drift, CTX, 100.0, IP_KEY, "r1", "2026-01-06T03:00:00+00:00"
    )
    return actual_df.select(*[c.split(" ")[0] for c in KEPT.split(", ")])


def test_classify_with_the_contract_rules_and_policy(spark):
    actual_df = _classified(spark, effective_rules(), policy())
    # processing_date, _run_id, _ingested_at: the same on every row
    run = (dt.date(2026, 1, 5), "r1", dt.datetime(2026, 1, 6, 3, 0))
    expected_df = spark.createDataFrame(
        [
            ("e1", "commerce", Decimal("150.00"), True, IP_HASH, *run, [], [], False),
            ("e2", "engagement", None, False, None, *run, ["missing_user_id"], [], True),
            ("e3", "commerce", Decimal("5.00"), False, None, *run, [], ["unknown_field"], False),
        ],
        KEPT,
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_classify_applies_the_severity_overrides_and_drift_policy_it_is_given(spark):
    rules = effective_rules({"missing_user_id": "warn"})
    actual_df = _classified(spark, rules, policy({"new_field": "quarantine"}))
    rows = {
        r["event_id"]: (r["reasons"], r["warnings"], r["is_quarantined"])
        for r in actual_df.collect()
    }
    assert rows == {
        "e1": ([], [], False),
        "e2": ([], ["missing_user_id"], False),
        "e3": (["unknown_field"], [], True),
    }
