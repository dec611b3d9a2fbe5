"""Drops that real producers send (issue 13), end to end through the ETL.

One ETL run over a day of hand-written files is shared by the tests (module scope). Every
record carries an event id; EXPECTED says, by hand, whether it loads or which reasons
quarantine it.
"""

from __future__ import annotations

import gzip
import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from helpers.rawfiles import CSV_HEADER, csv_row, event, write_gz

from eventlake.errors import InputError
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)
CLEAN: tuple[str, ...] = ()


def _line(event_id: str, **fields) -> bytes:
    return json.dumps(event(event_id, **fields), ensure_ascii=False).encode()


# ---------------------------------------------------------------- bytes that are not UTF-8
ENCODING_LINES = [
    _line("enc01", page="/café"),  # UTF-8
    _line("enc02", page="/\ufffd"),  # a genuine U+FFFD is valid UTF-8
    _line("enc03", page="/XX").replace(b"XX", b"caf\xe9"),  # latin-1
    _line("enc04", user_agent="XX").replace(b"XX", b"\x93quoted\x94"),  # cp1252
    _line("enc05", page="/XX").replace(b"XX", b"\xe2\x82"),  # a cut 3-byte sequence
    b'{"event_id": "enc06", \xe9\xe9',  # neither JSON nor UTF-8
]
ENCODING_CSV = (
    CSV_HEADER.encode()
    + b"\n"
    + csv_row("enc07", page="/café").encode()
    + b"\n"
    + csv_row("enc08", page="/XX").encode().replace(b"XX", b"caf\xe9")
    + b"\n"
)
# ---------------------------------------------------------------- JSON values of another type
TYPE_LINES = [
    _line("typ01", user_id={"id": 1}),
    _line("typ02", page=[1, 2]),
    _line("typ03").replace(b'"typ03"', b"12345"),  # a number as event_id: its text
    _line("typ04", user_id="{not an object}"),  # a string that looks like one
    _line("typ05", os=True),  # a boolean as os: 'true', an unknown os
    _line("typ06", user_id={"id": 1}, event_type="hover"),
]
# ---------------------------------------------------------------- amounts
P = {"event_type": "purchase", "currency": "EUR"}
AMOUNT_LINES = [
    _line("amt01", **P, amount="1,234.50"),
    _line("amt02", **P, amount="$5"),
    _line("amt03", amount="NaN"),  # on a click: was nulled without a code
    _line("amt04", **P, amount=float("inf")),  # the bare JSON token Infinity
    _line("amt05", **P, amount=1).replace(b'"amount": 1,', b'"amount": 1e400,'),
    _line("amt06", **P, amount=12.345),  # would be rounded
    _line("amt07", **P, amount="12.340"),
    _line("amt08", event_type="add_to_cart", amount="abc"),
    _line("amt09", **P, amount="N/A"),
    _line("amt10", **P, amount=19.99),
]
# ---------------------------------------------------------------- times
TIME_LINES = [
    _line("tim01", event_time="2026-02-30T10:00:00Z"),
    _line("tim02", event_time="2026-01-05T10:00:00+0530"),  # = 04:30 UTC
    _line("tim03", event_time="2026-01-05T10:00:00 Europe/Paris"),
    _line("tim04", event_time="2016-12-31T23:59:60Z"),  # a leap second
    _line("tim05", event_time="2026-01-04 23:30:00-01:00"),  # = 2026-01-05T00:30Z
]


# ---------------------------------------------------------------- huge lines, deep nesting
def _with_field(line: bytes, name: str, json_text: str) -> bytes:
    """`line` with one more field, written as raw JSON text."""
    return line[:-1] + f', "{name}": {json_text}}}'.encode()


HUGE = 5_000_000
BIG_LINES = [
    _line("big01", user_agent="a" * HUGE),  # a 5 MB line
    _with_field(_line("big02"), "blob", "[" * 5000 + "]" * 5000),  # beyond the parser's depth
    _with_field(_line("big03"), "blob", "[" * 500 + "]" * 500),  # within it
    _line("big04").replace(b'"user_id": "u1"', b'"user_id": ' + b"[" * 50 + b"]" * 50),
]
EXPECTED: dict[str, tuple[str, ...]] = {
    "enc01": CLEAN,
    "enc02": CLEAN,
    "enc03": ("invalid_encoding",),
    "enc04": ("invalid_encoding",),
    "enc05": ("invalid_encoding",),
    "enc06": ("malformed_record", "invalid_encoding"),
    "enc07": CLEAN,
    "enc08": ("invalid_encoding",),
    "typ01": ("invalid_type",),
    "typ02": ("invalid_type",),
    "12345": CLEAN,
    "typ04": CLEAN,
    "typ05": CLEAN,
    "typ06": ("invalid_type", "unknown_event_type"),
    "amt01": ("invalid_amount",),
    "amt02": ("invalid_amount",),
    "amt03": ("invalid_amount",),
    "amt04": ("invalid_amount",),
    "amt05": ("invalid_amount",),
    "amt06": ("invalid_amount",),
    "amt07": CLEAN,
    "amt08": ("invalid_amount",),
    "amt09": ("missing_amount",),
    "amt10": CLEAN,
    "tim01": ("invalid_event_time",),
    "tim02": CLEAN,
    "tim03": ("invalid_event_time",),
    "tim04": ("invalid_event_time",),
    "tim05": CLEAN,
    "big01": CLEAN,
    "big02": ("malformed_record",),
    "big03": CLEAN,
    "big04": ("invalid_type",),
}


def _write_day(day: Path) -> None:
    write_gz(day / "encoding.jsonl.gz", b"\n".join(ENCODING_LINES) + b"\n")
    write_gz(day / "encoding.csv.gz", ENCODING_CSV)
    write_gz(day / "types.jsonl.gz", b"\n".join(TYPE_LINES) + b"\n")
    write_gz(day / "amounts.jsonl.gz", b"\n".join(AMOUNT_LINES) + b"\n")
    write_gz(day / "times.jsonl.gz", b"\n".join(TIME_LINES) + b"\n")
    write_gz(day / "big.jsonl.gz", b"\n".join(BIG_LINES) + b"\n")


def _settings(root: Path, monkeypatch):
    monkeypatch.setenv("EVENTLAKE_HOME", str(root / "home"))
    return load_settings("local").replace(
        raw_uri=f"file://{root}/raw", lake_uri=f"file://{root}/lake"
    )


@pytest.fixture(scope="module")
def drops(tmp_path_factory, spark):
    root = tmp_path_factory.mktemp("drops")
    with pytest.MonkeyPatch.context() as mp:
        settings = _settings(root, mp)
        _write_day(root / "raw" / f"dt={D}")
        result = run_etl(settings, D, max_reject_ratio=1.0, spark=spark)
        lake = f"file:{root}/lake"
        events = {r["event_id"]: r.asDict() for r in spark.read.format("delta").load(
            f"{lake}/events").collect()}  # fmt: skip
        quarantine = [r.asDict() for r in spark.read.format("delta").load(
            f"{lake}/quarantine").collect()]  # fmt: skip
        yield {"result": result, "events": events, "quarantine": quarantine}


def _reasons_by_id(quarantine) -> dict[str, tuple[str, ...]]:
    """Quarantined rows by event id; a row that did not parse is found by the id in its text."""
    out = {}
    for row in quarantine:
        event_id = row["event_id"] or row["raw_record"].split('"event_id": "')[1][:5]
        out[event_id] = tuple(row["reasons"])
    return out


def test_every_record_loads_or_has_its_reasons(drops):
    assert set(drops["events"]) == {k for k, v in EXPECTED.items() if v == CLEAN}
    assert _reasons_by_id(drops["quarantine"]) == {k: v for k, v in EXPECTED.items() if v}


def test_counts_add_up(drops):
    result = drops["result"]
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (33, 12, 21)
    assert result.reason_counts["invalid_encoding"] == 5
    assert result.reason_counts["invalid_type"] == 4
    assert (result.reason_counts["invalid_amount"], result.reason_counts["missing_amount"]) == (
        7,
        1,
    )


def test_numbers_and_booleans_load_as_their_text(drops):
    events = drops["events"]
    assert (events["12345"]["user_id"], events["typ04"]["user_id"]) == ("u1", "{not an object}")
    assert events["typ05"]["os"] == "other"  # 'true' is no known os


def test_amounts_load_exactly(drops):
    events = drops["events"]
    assert (events["amt07"]["amount"], events["amt10"]["amount"]) == (
        Decimal("12.34"),
        Decimal("19.99"),
    )


def test_times_are_the_instants_they_denote(drops):
    events = drops["events"]
    assert events["tim02"]["event_ts"] == datetime(2026, 1, 5, 4, 30, 0)
    assert (events["tim05"]["event_ts"], events["tim05"]["event_date"]) == (
        datetime(2026, 1, 5, 0, 30, 0),
        date(2026, 1, 5),
    )
    assert drops["result"].reason_counts["invalid_event_time"] == 3


def test_a_5mb_line_loads_whole(drops):
    assert len(drops["events"]["big01"]["user_agent"]) == HUGE
    files = {f["path"].rsplit("/", 1)[-1]: f["records"] for f in drops["result"].files}
    assert files["big.jsonl.gz"] == 4


def test_no_clean_row_carries_a_replaced_character(drops):
    events = drops["events"]
    assert (events["enc01"]["page"], events["enc07"]["page"]) == ("/café", "/café")
    assert events["enc02"]["page"] == "/\ufffd"  # it came so
    others = [v for k, r in events.items() if k != "enc02" for v in r.values()]
    assert not [v for v in others if isinstance(v, str) and "\ufffd" in v]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("wide.jsonl.gz", "\ufeff" + json.dumps(event("w1")) + "\n"),
        ("wide.csv.gz", "\ufeff" + CSV_HEADER + "\n" + csv_row("w1") + "\n"),
    ],
)
def test_utf16_file_fails_naming_it_and_commits_nothing(tmp_path, monkeypatch, spark, name, data):
    settings = _settings(tmp_path, monkeypatch)
    day = tmp_path / "raw" / f"dt={D}"
    write_gz(day / "ok.jsonl.gz", json.dumps(event("ok1")).encode() + b"\n")
    write_gz(day / name, data.encode("utf-16-le"))
    with pytest.raises(InputError, match=rf"{name.replace('.', '[.]')}: the file is UTF-16LE"):
        run_etl(settings, D, spark=spark)
    assert not list((tmp_path / "lake").glob("*/_delta_log"))
    assert gzip.decompress((day / name).read_bytes())[:2] == b"\xff\xfe"
