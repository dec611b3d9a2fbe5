"""Personal data out of the quarantine's `raw_record`, before the row is written.

The quarantine keeps each bad record's text as evidence. Two passes, with Spark's built-in
`regexp_replace` only (they run on quarantined rows, a small share of a day):

1. Per field of contracts/pii.py: in a record that parsed (a JSON line, or a CSV row, whose
   `raw_record` is its JSON rendering), the value of a hashed field (`"ip": "..."`) becomes
   that row's keyed hash, the same value as `ip_hash` in events; a dropped field becomes
   `null`. A JSON `null` stays `null`. A value the ETL could not hash (e.g. a blank one)
   becomes `"<redacted>"`.
2. Every IPv4 (dotted quad) or IPv6 literal (full, `::`-compressed, with an IPv4 tail) still
   in the text becomes `<redacted>`: this covers lines that do not parse at all (a JSON line
   cut in two, a CSV row with the wrong number of fields), where no field can be located,
   and an address inside another field. It errs on the side of masking: a four-part version
   number such as `1.2.3.4` is masked too.
"""

from __future__ import annotations

import re

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from eventlake.contracts.pii import DROPPED, HASHED, REDACTED

_H = "[0-9A-Fa-f]{1,4}"
_V4 = r"(?:\d{1,3}\.){3}\d{1,3}"
IPV4_LITERAL = rf"(?<!\d){_V4}(?!\d)"
IPV6_LITERAL = (
    r"(?<![0-9A-Fa-f:])(?:"
    rf"(?:{_H}:){{7}}{_H}"
    rf"|(?:{_H}:){{6}}{_V4}"
    rf"|(?:{_H}(?::{_H}){{0,6}})?::(?:(?:{_H}:){{0,6}}(?:{_V4}|{_H}))?"
    r")(?![0-9A-Fa-f:])"
)


def json_field_pattern(field: str) -> str:
    """`"field": <value>` in JSON text, the key and colon in group 1; not a JSON null."""
    return rf'("{re.escape(field)}"\s*:\s*)(?!null\b)(?:"(?:[^"\\]|\\.)*"|[^\s,}}\]]+)'


def mask_ip_literals(text: Column) -> Column:
    """Every IPv4 and IPv6 literal in `text` replaced by REDACTED (null stays null)."""
    return F.regexp_replace(F.regexp_replace(text, IPV6_LITERAL, REDACTED), IPV4_LITERAL, REDACTED)


def redact_fields(text: Column, hashes: dict[str, Column], dropped: tuple[str, ...] = ()) -> Column:
    """Each field in `hashes` set to its hash column's value (or REDACTED when that is null),
    each field in `dropped` set to null, wherever `"field": value` occurs in `text`."""
    for field, hash_col in hashes.items():
        replacement = F.when(
            hash_col.isNotNull(), F.concat(F.lit('$1"'), hash_col, F.lit('"'))
        ).otherwise(F.lit(f'$1"{REDACTED}"'))
        text = F.regexp_replace(text, json_field_pattern(field), replacement)
    for field in dropped:
        text = F.regexp_replace(text, json_field_pattern(field), F.lit("$1null"))
    return text


def redact_raw_record(
    raw: Column, hashes: dict[str, Column], dropped: tuple[str, ...] = DROPPED
) -> Column:
    """Both passes: the contract's fields, then any IP literal left."""
    return mask_ip_literals(redact_fields(raw, hashes, dropped))


def with_redacted_raw_record(
    df: DataFrame, source: str = "_raw_record", target: str = "raw_record"
) -> DataFrame:
    """`target` = `source` redacted per contracts/pii.py, using the row's hash columns."""
    hashes = {field: F.col(column) for field, column in HASHED.items()}
    return df.withColumn(target, redact_raw_record(F.col(source), hashes))
