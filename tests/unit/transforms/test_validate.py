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
    "name string, _is_malformed boolean, event_id string, user_id string, event_ts timestamp, "
    "event_type string, amount decimal(18,2), _device_unknown boolean, _country_unknown boolean"
)
CTX = RuleContext("2026-01-05", 2)
T0 = datetime(2026, 1, 5, 10, 0, 0)


def _rows():
    return [
        ("clean", False, "e1", "u1", T0, "click", None, False, False),
        ("malformed", True, None, None, None, None, None, False, True),
        ("no_event_id", False, None, "u1", T0, "click", None, False, False),
        ("no_user_id", False, "e1", None, T0, "click", None, False, False),
        ("bad_time", False, "e1", "u1", None, "click", None, False, False),
        (
            "ancient",
            False,
            "e1",
            "u1",
            datetime(1999, 12, 31, 23, 59, 59),
            "click",
            None,
            False,
            False,
        ),
        ("y2k_ok", False, "e1", "u1", datetime(2000, 1, 1, 0, 0, 0), "click", None, False, False),
        ("future", False, "e1", "u1", datetime(2026, 1, 7, 0, 0, 1), "click", None, False, False),
        (
            "future_edge_ok",
            False,
            "e1",
            "u1",
            datetime(2026, 1, 7, 0, 0, 0),
            "click",
            None,
            False,
            False,
        ),
        ("unknown_type", False, "e1", "u1", T0, "hover", None, False, False),
        ("null_type", False, "e1", "u1", T0, None, None, False, False),
        ("no_amount", False, "e1", "u1", T0, "purchase", None, False, False),
        ("negative", False, "e1", "u1", T0, "purchase", Decimal("-1.00"), False, False),
        ("zero_ok", False, "e1", "u1", T0, "purchase", Decimal("0.00"), False, False),
        ("warn_only", False, "e1", "u1", T0, "click", None, True, True),
        ("several", False, None, None, None, "hover", None, False, False),
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
            ("warn_only", [], ["unknown_device", "unknown_country"], False),
            (
                "several",
                ["missing_event_id", "missing_user_id", "invalid_event_time", "unknown_event_type"],
                [],
                True,
            ),
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
        "missing_event_id",
        "missing_user_id",
        "invalid_event_time",
        "event_time_in_future",
        "unknown_event_type",
        "missing_amount",
        "negative_amount",
    }
