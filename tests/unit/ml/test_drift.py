"""PSI and the drift bins (ml/drift.py) on numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from eventlake.ml import drift


def test_psi_identical_shares_is_zero():
    assert drift.psi({"0": 0.25, "1": 0.75}, {"0": 0.25, "1": 0.75}) == 0.0


def test_psi_two_bins_by_hand():
    # (0.8 - 0.5) ln(0.8/0.5) + (0.2 - 0.5) ln(0.2/0.5) = 0.3 ln 1.6 + 0.3 ln 2.5 = 0.3 ln 4
    got = drift.psi({"a": 0.5, "b": 0.5}, {"a": 0.8, "b": 0.2})
    assert got == pytest.approx(0.3 * math.log(4.0), abs=1e-12)
    assert got == pytest.approx(0.4158883, abs=1e-7)


def test_psi_empty_bin_is_floored_not_infinite():
    # a: (0.9 - 1.0) ln 0.9 = 0.0105361; b: expected 0 -> 1e-4: (0.1 - 0.0001) ln 1000 = 0.6900848
    got = drift.psi({"a": 1.0}, {"a": 0.9, "b": 0.1})
    assert got == pytest.approx(0.0105361 + 0.6900848, abs=1e-6)


def test_psi_is_symmetric_in_its_terms():
    # each term (a - e) ln(a / e) is unchanged when a and e swap
    e, a = {"x": 0.1, "y": 0.9}, {"x": 0.4, "y": 0.6}
    assert drift.psi(e, a) == pytest.approx(drift.psi(a, e), abs=1e-12)
    # 0.3 ln 4 + 0.3 ln 1.5 = 0.3 ln 6
    assert drift.psi(e, a) == pytest.approx(0.3 * math.log(6.0), abs=1e-12)


def test_numeric_bin_is_right_closed_with_a_null_bin():
    cuts = [1.0, 3.0]
    assert [drift.numeric_bin(v, cuts) for v in (0.5, 1.0, 2.0, 3.0, 3.5, None)] == [
        "0",
        "0",
        "1",
        "1",
        "2",
        "__null__",
    ]


@pytest.mark.spark
def test_frame_shares_numeric_and_categorical(spark):
    df = spark.createDataFrame(
        [(None, "DE"), (0.0, "US"), (1.0, "FR"), (2.0, None), (5.0, "DE")],
        "x double, country string",
    )
    specs = {
        "x": {"kind": "numeric", "cuts": [1.0, 3.0]},
        "country": {"kind": "categorical", "shares": {"DE": 0.5, "US": 0.5}},
    }
    got = drift.frame_shares(df, specs)
    assert got["rows"] == 5
    assert got["shares"]["x"] == {"__null__": 0.2, "0": 0.4, "1": 0.2, "2": 0.2}
    # FR was not seen at training: it is "other"
    assert got["shares"]["country"] == {"DE": 0.4, "US": 0.2, "__other__": 0.2, "__null__": 0.2}
