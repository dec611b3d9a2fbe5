"""Rules -> reasons arrays. One row per rule, a clean row, and a row with several reasons."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from pyspark.testing import assertDataFrameEqual

from eventlake.contracts.rules import RULE_CODES, RuleContext, effective_rules
from eventlake.transforms.validate import with_reasons

pytestmark = pytest.mark.spark

SCHEMA = (
    "name string, _is_malformed boolean, _is_invalid_encoding boolean, "
    "_has_invalid_type boolean, event_id string, "
    "user_id string, event_ts timestamp, event_type string, amount_raw string, "
    "amount decimal(18,2), "
    "_device_unknown boolean, _country_unknown boolean"
)
CTX = RuleContext("2026-01-05", 2)
T0 = datetime(2026, 1, 5, 10, 0, 0)


def _row(name, **fields):
    """A row of SCHEMA: a clean click unless `fields` say otherwise."""
    row = {
        "_is_malformed": False,
        "_is_invalid_encoding": False,
        "_has_invalid_type": False,
        "event_id": "e1",
        "user_id": "u1",
        "event_ts": T0,
        "event_type": "click",
        "amount_raw": None,
        "amount": None,
        "_device_unknown": False,
        "_country_unknown": False,
        **fields,
    }
    return (name, *row.values())


def _rows():
    return [
        _row("clean"),
        _row(
            "malformed",
            _is_malformed=True,
            event_id=None,
            user_id=None,
            event_ts=None,
            event_type=None,
            _country_unknown=True,
        ),
        _row("no_event_id", event_id=None),
        _row("no_user_id", user_id=None),
        _row("bad_time", event_ts=None),
        _row("ancient", event_ts=datetime(1999, 12, 31, 23, 59, 59)),
        _row("y2k_ok", event_ts=datetime(2000, 1, 1, 0, 0, 0)),
        _row("future", event_ts=datetime(2026, 1, 7, 0, 0, 1)),
        _row("future_edge_ok", event_ts=datetime(2026, 1, 7, 0, 0, 0)),
        _row("unknown_type", event_type="hover"),
        _row("null_type", event_type=None),
        _row("no_amount", event_type="purchase"),
        _row("negative", event_type="purchase", amount_raw="-1", amount=Decimal("-1.00")),
        _row("zero_ok", event_type="purchase", amount_raw="0", amount=Decimal("0.00")),
        _row("bad_amount_on_a_click", amount_raw="1,234.50"),
        _row("bad_amount_on_a_purchase", event_type="purchase", amount_raw="12.345"),
        _row("warn_only", _device_unknown=True, _country_unknown=True),
        _row("several", event_id=None, user_id=None, event_ts=None, event_type="hover"),
        _row("bad_bytes", _is_invalid_encoding=True),
        _row("object_as_user_id", _has_invalid_type=True),
    ]


def test_with_reasons_one_code_per_rule_and_several_per_row(spark):
    source_df = spark.createDataFrame(_rows(), SCHEMA)
    actual_df = with_reasons(source_df, effective_rules(), CTX).select(
        "name", "reasons", "warnings", "is_quarantined"
    )
    expected_df = spark.createDataFrame(
        [
            ("clean", [], [], False),
            ("malformed", ["malformed_record"], [], True),
            ("no_event_id", ["missing_event_id"], [], True),
            ("no_user_id", ["missing_user_id"], [], True),
            ("bad_time", ["invalid_event_time"], [], True),
            ("ancient", ["invalid_event_time"], [], True),
            ("y2k_ok", [], [], False),
            ("future", ["event_time_in_future"], [], True),
            ("future_edge_ok", [], [], False),
            ("unknown_type", ["unknown_event_type"], [], True),
            ("null_type", ["unknown_event_type"], [], True),
            ("no_amount", ["missing_amount"], [], True),
            ("negative", ["negative_amount"], [], True),
            ("zero_ok", [], [], False),
            ("bad_amount_on_a_click", ["invalid_amount"], [], True),
            ("bad_amount_on_a_purchase", ["invalid_amount"], [], True),
            ("warn_only", [], ["unknown_device", "unknown_country"], False),
            (
                "several",
                ["missing_event_id", "missing_user_id", "invalid_event_time", "unknown_event_type"],
                [],
                True,
            ),
            ("bad_bytes", ["invalid_encoding"], [], True),
            ("object_as_user_id", ["invalid_type"], [], True),
        ],
        "name string, reasons array<string>, warnings array<string>, is_quarantined boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_severity_override_moves_a_rule_between_lists(spark):
    source_df = spark.createDataFrame(_rows()[9:10], SCHEMA)  # unknown_type
    rules = effective_rules({"unknown_event_type": "warn"})
    actual_df = with_reasons(source_df, rules, CTX).select("reasons", "warnings", "is_quarantined")
    expected_df = spark.createDataFrame(
        [([], ["unknown_event_type"], False)],
        "reasons array<string>, warnings array<string>, is_quarantined boolean",
    )
    assertDataFrameEqual(actual_df, expected_df)


def test_effective_rules_refuses_unknown_rule_and_severity():
    with pytest.raises(ValueError, match="unknown rules"):
        effective_rules({"no_such_rule": "warn"})
    with pytest.raises(ValueError, match="invalid severities"):
        effective_rules({"missing_user_id": "ignore"})


def test_rule_codes_are_the_contracted_names():
    assert set(RULE_CODES) >= {
        "malformed_record",
        "invalid_encoding",
        "invalid_type",
        "missing_event_id",
        "missing_user_id",
        "invalid_event_time",
        "event_time_in_future",
        "unknown_event_type",
        "missing_amount",
        "invalid_amount",
        "negative_amount",
    }
