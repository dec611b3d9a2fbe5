"""No raw IP and no key anywhere the ETL writes: events, quarantine (Parquet decoded and raw
bytes), etl_runs, the lineage file and the log. IPs and expected hashes are written by hand;
the hashes are checked with Python's hmac module and the key read from its file."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import logging
from datetime import date
from pathlib import Path

import pytest
from helpers.rawfiles import event, write_csv_text, write_jsonl

from eventlake.errors import ConfigurationError
from eventlake.io.secrets import LOCAL_KEY_FILE
from eventlake.jobs.etl import run_etl
from eventlake.settings import load_settings

pytestmark = [pytest.mark.spark, pytest.mark.slow]

D = date(2026, 1, 5)
CLEAN_IP = "203.0.113.99"
QUARANTINED_IP = "198.51.100.77"
MALFORMED_IPS = ("192.0.2.201", "2001:db8:abcd::42", "192.0.2.202")
CSV_IP = "198.51.100.150"
ALL_IPS = (CLEAN_IP, QUARANTINED_IP, CSV_IP, *MALFORMED_IPS)
HEADER = (
    "event_id,user_id,session_id,event_time,event_type,amount,currency,device,os,country,"
    "page,product_id,product_category,ip,user_agent,app_version\n"
)


def _write_day(raw: Path) -> None:
    day = raw / f"dt={D}"
    write_jsonl(
        day / "part-00000.jsonl.gz",
        [
            event("ok1", ip=CLEAN_IP),
            event("bad1", event_type="hover", ip=QUARANTINED_IP),
            '{"event_id":"m1","ip":"192.0.2.201","user_id":',
            "garbage from 2001:db8:abcd::42 <- cut",
        ],
    )
    write_csv_text(
        day / "part-00001.csv.gz",
        HEADER
        + f"c1,u2,s2,2026-01-05T09:00:00Z,hover,,,desktop,linux,FR,/c,,,{CSV_IP},UA,4.2.1\n"
        + "c2,u2,s2,2026-01-05T09:00:00Z,click,,,desktop,linux,FR,/c,,,192.0.2.202,UA,4.2.1,x\n",
    )


def _parquet_text(root: Path) -> dict[str, str]:
    """Every Parquet file under `root`, decoded with pyarrow, as text (path -> text)."""
    import pyarrow.parquet as pq

    return {str(p): str(pq.read_table(p).to_pylist()) for p in sorted(root.rglob("*.parquet"))}


def _all_bytes(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def privacy_run(spark, state_home, tmp_path, caplog, capfd):
    settings = load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/raw", lake_uri=f"file://{tmp_path}/lake"
    )
    _write_day(tmp_path / "raw")
    with caplog.at_level(logging.DEBUG):
        result = run_etl(settings, D, max_reject_ratio=0.9, spark=spark)
    out, err = capfd.readouterr()
    key = (state_home / LOCAL_KEY_FILE).read_bytes()
    return {
        "result": result,
        "settings": settings,
        "lake": tmp_path / "lake",
        "key": key,
        "logs": caplog.text + out + err,
        "lineage": Path(settings.lineage.file_path).read_text(),
    }


def _hmac(key: bytes, ip: str) -> str:
    return hmac.new(key, ip.encode(), hashlib.sha256).hexdigest()


def test_etl_writes_no_ip_address_and_no_key(spark, privacy_run):
    """One ETL run (they are slow here), three checks."""
    _check_quarantine_holds_no_ip_address(privacy_run)
    _check_events_hold_the_hmac_and_no_ip(spark, privacy_run)
    _check_key_appears_in_no_output(spark, privacy_run)


def _check_quarantine_holds_no_ip_address(privacy_run):
    result = privacy_run["result"]
    assert (result.rows_read, result.rows_clean, result.rows_quarantined) == (6, 1, 5)
    quarantine = privacy_run["lake"] / "quarantine"
    decoded = _parquet_text(quarantine)
    assert decoded, "no quarantine Parquet files written"
    raw = _all_bytes(quarantine)
    for ip in ALL_IPS:
        assert not [p for p, text in decoded.items() if ip in text], ip
        assert not [p for p, data in raw.items() if ip.encode() in data], ip
    # The evidence stays: the parsed row carries its keyed hash, the cut line its shape.
    records = "\n".join(decoded.values())
    assert f'"ip": "{_hmac(privacy_run["key"], QUARANTINED_IP)}"' in records
    assert '{"event_id":"m1","ip":"<redacted>","user_id":' in records
    assert "garbage from <redacted> <- cut" in records
    assert f'"ip":"{_hmac(privacy_run["key"], CSV_IP)}"' in records
    assert "c2,u2,s2,2026-01-05T09:00:00Z,click,,,desktop,linux,FR,/c,,,<redacted>,UA" in records


def _check_events_hold_the_hmac_and_no_ip(spark, privacy_run):
    events = spark.read.format("delta").load(str(privacy_run["lake"] / "events"))
    assert [r.asDict() for r in events.select("event_id", "ip_hash").collect()] == [
        {"event_id": "ok1", "ip_hash": _hmac(privacy_run["key"], CLEAN_IP)}
    ]
    lake_text = "\n".join(_parquet_text(privacy_run["lake"]).values())
    lake_bytes = b"\n".join(_all_bytes(privacy_run["lake"]).values())
    for ip in ALL_IPS:
        assert ip not in lake_text and ip.encode() not in lake_bytes, ip


def _check_key_appears_in_no_output(spark, privacy_run):
    key = privacy_run["key"]
    assert len(key) == 64
    block = key.ljust(64, b"\x00")
    pads = [bytes(b ^ 0x36 for b in block).hex(), bytes(b ^ 0x5C for b in block).hex()]
    forms = [key.decode(), key.decode().upper(), *pads, *(p.upper() for p in pads)]
    runs = spark.read.format("delta").load(str(privacy_run["lake"] / "etl_runs"))
    places = {
        "log": privacy_run["logs"],
        "lineage": privacy_run["lineage"],
        "etl_runs": str([r.asDict(recursive=True) for r in runs.collect()]),
        "lake files (decoded)": "\n".join(_parquet_text(privacy_run["lake"]).values()),
        "lake files (bytes)": b"\n".join(_all_bytes(privacy_run["lake"]).values()).decode(
            "latin-1"
        ),
    }
    assert "etl 2026-01-05" in places["log"]  # the run's summary was captured
    assert '"eventType": "COMPLETE"' in places["lineage"]
    for where, text in places.items():
        for form in forms:
            assert form not in text, f"key material in {where}"


def test_explain_hides_the_hmac_pads(spark, state_home):
    from pyspark.sql import functions as F

    from eventlake.io.secrets import hide_plan_literals, ip_hash_key

    key = ip_hash_key(load_settings("local"))
    hide_plan_literals(spark)
    # Unaliased: the column's generated name is SQL text (X'...'), the plan nodes show 0x...
    df = spark.range(1).select(key.hex_digest(F.col("id").cast("string")))
    plan = df._jdf.queryExecution().explainString(
        spark._jvm.org.apache.spark.sql.execution.ExplainMode.fromString("extended")
    )
    assert "sha2(concat(*********(redacted)" in plan
    for pad in key.secret_forms():
        assert pad.hex().upper() not in plan


def test_aws_without_key_fails_before_reading_data(spark, state_home, tmp_path):
    settings = load_settings("local").replace(
        raw_uri=f"file://{tmp_path}/empty-raw", lake_uri=f"file://{tmp_path}/lake"
    )
    aws_like = dataclasses.replace(settings, env="aws")
    # With the key first, the (empty) raw folder is never listed: no InputError about files.
    with pytest.raises(ConfigurationError, match="eventlake-<env>-ip-hash-key"):
        run_etl(aws_like, D, spark=spark)
    # Nothing committed: no Delta table exists (the lake folder holds at most the lease).
    assert not list((tmp_path / "lake").glob("*/_delta_log"))
    assert not (state_home / LOCAL_KEY_FILE).exists()
