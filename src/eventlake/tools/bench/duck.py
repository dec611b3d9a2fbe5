"""The DuckDB reference: the ETL's rules over the same gzip files, as one would write them in
DuckDB, so the bench can say how far the Spark ETL is from a fast single-node engine.

Same semantics as the Spark ETL (cleanse -> parse -> derive -> rules -> within-run dedupe):

- DuckDB runs with one thread per core, in one pass over the files: read, classify, dedupe
  into one temp table, then counts and the two writes from it.
- JSON lines are read as text (one column, no quoting), blank lines dropped; a line is
  malformed unless it is valid JSON whose value is an object, trimmed `{...}` (the ETL's
  from_json + brace check). Non-string values are read as their JSON text.
- CSV files are grouped by header, like the ETL; a row with the wrong number of fields is
  malformed (DuckDB's reject table keeps its raw line).
- invalid_encoding: DuckDB refuses a file that is not UTF-8 outright (an error, not a
  silent replacement), so a JSON line it reads is valid UTF-8; a CSV row holding U+FFFD is
  flagged, as the ETL does.
- invalid_type: `json_type` of each contract field of a JSON line is OBJECT or ARRAY (asked
  only of lines that hold a `{` after the first or a `[`).
- amount: transforms.parse's shape and decimal-places rule (never rounded), then a cast. The
  shape regexes stay where DuckDB's casts accept more than the ETL (`1_000`, ` 5`, `inf`)
  or round (`1.234` to DECIMAL(18, 2)).
- Whitespace is Java's `\\s` ([ \\t\\n\\x0B\\f\\r]), the ETL's null tokens, enum spellings,
  country names and currencies come from the project's own constants.
- event_time: the ISO pattern of transforms.parse then a TIMESTAMPTZ cast (UTC when no
  offset), else an epoch number, milliseconds when |x| >= 1e11.
- Rule predicates are written out per code below; a code of contracts.rules without SQL here
  stops the bench (a new rule must be added to the reference too).

Known differences, none produced by the generator: Spark's JSON parser accepts single-quoted
strings, DuckDB's does not; Java and DuckDB may upper/lower-case non-ASCII differently.
Writes clean rows as Parquet partitioned by event_date and quarantined rows as one Parquet.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from eventlake.contracts.rules import RULE_CODES, effective_rules
from eventlake.contracts.schemas import EVENT_CATEGORY, EVENT_TYPES, RAW_FIELDS
from eventlake.settings import Settings

# Copies of transforms.parse and transforms.cleanse constants would drift; import them.
from eventlake.transforms.cleanse import (
    AMOUNT_NULL_TOKENS,
    COUNTRY_CURRENCY,
    COUNTRY_NAMES,
    DEFAULT_CURRENCY,
    DEVICE_SPELLINGS,
    NULL_TOKENS,
    OS_SPELLINGS,
    UNKNOWN_COUNTRY,
)
from eventlake.transforms.parse import (
    AMOUNT_PARTS,
    AMOUNT_SHAPE,
    EPOCH_MILLIS_THRESHOLD,
    EPOCH_PATTERN,
    ISO_PATTERN,
)

# Java's \s: RE2's \s lacks \x0B (vertical tab), so the class is spelled out.
WS_CLASS = r"\t\n\v\f\r "
# ... and its characters, for trim() (a literal: chr() concatenations were evaluated per row).
# trim() with a character set scans the whole string (1.5 s on 200k lines of 460 bytes): the
# lines use anchored regexes, and the fields call it only when an end is whitespace.
JAVA_WHITESPACE = " \t\n\x0b\x0c\r"
EARLIEST = "2000-01-01 00:00:00"


@dataclass
class RefResult:
    rows_read: int = 0
    rows_clean: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    reason_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    phase_seconds: dict[str, float] = field(default_factory=dict)


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _in_list(values: object) -> str:
    return "(" + ", ".join(_lit(str(v)) for v in values) + ")"  # type: ignore[attr-defined]


def _case_map(expr: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {_lit(k)} THEN {_lit(v)}" for k, v in mapping.items())
    return f"(CASE {expr} {whens} END)"


def rule_sql(day: date, tolerance_days: int) -> dict[str, str]:
    """Each rule of contracts.rules as a SQL predicate over the cleansed, parsed columns."""
    return {
        "malformed_record": "_is_malformed",
        "invalid_encoding": "_is_invalid_encoding",
        "invalid_type": "NOT _is_malformed AND _has_invalid_type",
        "missing_event_id": "NOT _is_malformed AND event_id IS NULL",
        "missing_user_id": "NOT _is_malformed AND user_id IS NULL",
        "invalid_event_time": (
            f"NOT _is_malformed AND (event_ts IS NULL OR event_ts < TIMESTAMP '{EARLIEST}')"
        ),
        "event_time_in_future": (
            f"event_ts > TIMESTAMP '{day.isoformat()} 00:00:00' "
            f"+ INTERVAL {int(tolerance_days)} DAY"
        ),
        "unknown_event_type": (
            "NOT _is_malformed AND (event_type IS NULL "
            f"OR event_type NOT IN {_in_list(EVENT_TYPES)})"
        ),
        "missing_amount": "event_type = 'purchase' AND amount_raw IS NULL",
        "invalid_amount": "amount_raw IS NOT NULL AND amount IS NULL",
        "negative_amount": "event_type = 'purchase' AND amount < 0",
        "unknown_device": "NOT _is_malformed AND _device_unknown",
        "unknown_country": "NOT _is_malformed AND _country_unknown",
    }


MACROS = f"""
CREATE OR REPLACE TEMP MACRO el_trim(x) AS
    CASE WHEN regexp_matches(x, '^[{WS_CLASS}]|[{WS_CLASS}]$') THEN trim(x, {_lit(JAVA_WHITESPACE)})
         ELSE x END;
CREATE OR REPLACE TEMP MACRO el_clean(x) AS
    CASE WHEN lower(el_trim(x)) IN {_in_list(NULL_TOKENS)} THEN NULL ELSE el_trim(x) END;
CREATE OR REPLACE TEMP MACRO el_clean_amount(x) AS
    CASE WHEN lower(el_trim(x)) IN {_in_list(AMOUNT_NULL_TOKENS)} THEN NULL ELSE el_trim(x) END;
CREATE OR REPLACE TEMP MACRO el_enum(x) AS lower(regexp_replace(x, '[{WS_CLASS}_\\-]+', ' ', 'g'));
"""


def _json_source(paths: list[str]) -> str:
    """One row per non-blank line of the JSON files, with the ETL's malformed test.

    A line is parsed for its fields once, by one `json_extract_string` over every contract
    path (DuckDB's `read_json` would drop a malformed line and its text, which the quarantine
    keeps; `try(from_json(...))` costs 5x more). A valid line whose trimmed text is `{...}` is
    an object. Only a line holding a `{` or `[` after its first character can hold a
    container value (invalid_type), so only those lines are typed field by field."""
    files = "[" + ", ".join(_lit(p) for p in paths) + "]"
    extract = "[" + ", ".join(_lit(f"$.{n}") for n in RAW_FIELDS) + "]"
    fields = ", ".join(f"_v[{i + 1}] AS {n}" for i, n in enumerate(RAW_FIELDS))
    containers = " OR ".join(
        f"json_type(_raw_record, {_lit(f'$.{n}')}) IN ('OBJECT', 'ARRAY')" for n in RAW_FIELDS
    )
    return f"""
    WITH lines AS (
        SELECT filename AS _source_file, line AS _raw_record
        FROM read_csv({files}, columns = {{'line': 'VARCHAR'}}, header = false,
                      delim = chr(1), quote = '', escape = '', new_line = '\\n',
                      auto_detect = false, filename = true, compression = 'gzip')
        WHERE line IS NOT NULL AND NOT regexp_matches(line, '^[{WS_CLASS}]*$')
    ), checked AS (
        SELECT _source_file, _raw_record,
            NOT (regexp_matches(_raw_record, '^[{WS_CLASS}]*\\{{')
                 AND regexp_matches(_raw_record, '\\}}[{WS_CLASS}]*$')
                 AND json_valid(_raw_record)) AS _is_malformed
        FROM lines
    ), extracted AS (
        SELECT *,
            CASE WHEN NOT _is_malformed THEN json_extract_string(_raw_record, {extract}) END
                AS _v,
            CASE WHEN NOT _is_malformed
                      AND (contains(substr(_raw_record, strpos(_raw_record, '{{') + 1), '{{')
                           OR contains(_raw_record, '['))
                 THEN {containers} ELSE false END AS _has_invalid_type
        FROM checked
    )
    SELECT _source_file, _raw_record, _is_malformed, false AS _is_invalid_encoding,
        _has_invalid_type, {fields}
    FROM extracted
    """


def _csv_sources(con, groups: dict[tuple[str, ...], list[str]]) -> list[str]:
    """One SELECT per header group: good rows from read_csv, malformed ones from its rejects."""
    selects = []
    for i, (header, paths) in enumerate(groups.items()):
        names = [h if h in RAW_FIELDS else f"_extra_{j}" for j, h in enumerate(header)]
        files = "[" + ", ".join(_lit(p) for p in paths) + "]"
        columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in names) + "}"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE csv_good_{i} AS
            SELECT * FROM read_csv({files}, columns = {columns}, header = true,
                                   delim = ',', quote = '"', escape = '"',
                                   auto_detect = false, filename = true, compression = 'gzip',
                                   ignore_errors = true, store_rejects = true,
                                   rejects_table = 'csv_rej_{i}', rejects_scan = 'csv_scan_{i}')
            """
        )
        pack = ", ".join(f"{n} := {n}" for n in RAW_FIELDS)
        selects.append(
            f"""
            SELECT filename AS _source_file, to_json(struct_pack({pack}))::VARCHAR AS _raw_record,
                   false AS _is_malformed,
                   contains(to_json(struct_pack({pack}))::VARCHAR, chr(65533))
                       AS _is_invalid_encoding, false AS _has_invalid_type,
                   {", ".join(RAW_FIELDS)}
            FROM csv_good_{i}
            UNION ALL
            SELECT s.file_path AS _source_file, any_value(r.csv_line) AS _raw_record,
                   true AS _is_malformed, contains(any_value(r.csv_line), chr(65533))
                       AS _is_invalid_encoding, false AS _has_invalid_type,
                   {", ".join(f"NULL AS {n}" for n in RAW_FIELDS)}
            FROM csv_rej_{i} r JOIN csv_scan_{i} s USING (scan_id, file_id)
            GROUP BY s.file_path, r.line
            """
        )
    return selects


def _classify_sql(source: str, settings: Settings, day: date, salt: str) -> str:
    rules = effective_rules(settings.etl.severity_overrides)
    sql = rule_sql(day, settings.etl.future_tolerance_days)
    missing = [c for c in RULE_CODES if c not in sql]
    if missing:
        raise RuntimeError(
            f"the DuckDB reference has no SQL for rules {missing}: add them to bench/duck.py"
        )

    def codes(severities: tuple[str, ...]) -> str:
        items = [
            f"CASE WHEN coalesce({sql[r.code]}, false) THEN {_lit(r.code)} END"
            for r in rules
            if r.severity in severities
        ]
        if not items:
            return "[]::VARCHAR[]"
        return f"list_filter([{', '.join(items)}], lambda x: x IS NOT NULL)"

    cleaned = ", ".join(
        f"el_clean_amount({n}) AS {n}" if n == "amount" else f"el_clean({n}) AS {n}"
        for n in RAW_FIELDS
    )
    known_devices = _in_list(DEVICE_SPELLINGS)
    threshold = float(settings.etl.high_value_threshold)
    return f"""
    WITH src AS ({source}),
    cleaned AS (
        SELECT _source_file, _raw_record, _is_malformed, _is_invalid_encoding,
            _has_invalid_type, {cleaned}
        FROM src
    ), norm AS (
        SELECT *,
            el_enum(device) AS _device_norm,
            el_enum(os) AS _os_norm,
            upper(regexp_replace(country, '[{WS_CLASS}]+', ' ', 'g')) AS _country_clean,
            lower(regexp_replace(event_type, '[{WS_CLASS}\\-]+', '_', 'g')) AS _event_type,
            regexp_extract(amount, {_lit(AMOUNT_PARTS)}, ['i', 'f', 'e']) AS _ap
        FROM cleaned
    ), enriched AS (
        SELECT *,
            coalesce(_device_norm IS NOT NULL AND _device_norm NOT IN {known_devices}, false)
                AS _device_unknown,
            (_country_clean IS NULL OR (NOT regexp_matches(_country_clean, '^[A-Z]{{2}}$')
                AND _country_clean NOT IN {_in_list(COUNTRY_NAMES)})) AS _country_unknown,
            CASE WHEN _device_norm IS NULL THEN 'unknown'
                 ELSE coalesce({_case_map("_device_norm", DEVICE_SPELLINGS)}, 'other') END
                AS _device,
            CASE WHEN _os_norm IS NULL THEN 'unknown'
                 ELSE coalesce({_case_map("_os_norm", OS_SPELLINGS)}, 'other') END AS _os,
            coalesce(CASE WHEN regexp_matches(_country_clean, '^[A-Z]{{2}}$')
                          THEN _country_clean END,
                     {_case_map("_country_clean", COUNTRY_NAMES)},
                     {_lit(UNKNOWN_COUNTRY)}) AS _country
        FROM norm
    ), typed AS (
        SELECT * EXCLUDE (event_type, device, os, country, currency, amount, _ap),
            _event_type AS event_type, _device AS device, _os AS os, _country AS country,
            coalesce(CASE WHEN regexp_matches(upper(currency), '^[A-Z]{{3}}$')
                          THEN upper(currency) END,
                     CASE WHEN amount IS NOT NULL THEN
                          coalesce({_case_map("_country", COUNTRY_CURRENCY)},
                                   {_lit(DEFAULT_CURRENCY)}) END) AS currency,
            amount AS amount_raw,
            CASE WHEN regexp_matches(amount, {_lit(AMOUNT_SHAPE)})
                      AND length(_ap.f)
                          - CASE WHEN _ap.e = '' THEN 0 ELSE TRY_CAST(_ap.e AS INTEGER) END
                          - (length(_ap.i || _ap.f) - length(rtrim(_ap.i || _ap.f, '0'))) <= 2
                 THEN TRY_CAST(amount AS DECIMAL(18, 2)) END AS amount,
            CASE WHEN regexp_matches(event_time, {_lit(ISO_PATTERN)})
                 THEN TRY_CAST(regexp_replace(event_time, 'z$', 'Z') AS TIMESTAMPTZ)::TIMESTAMP
                 END AS _iso_ts,
            CASE WHEN regexp_matches(event_time, {_lit(EPOCH_PATTERN)})
                 THEN TRY_CAST(event_time AS DOUBLE) END AS _epoch
        FROM enriched
    ), timed AS (
        SELECT *,
            coalesce(_iso_ts, try(make_timestamp(TRY_CAST(
                CASE WHEN abs(_epoch) >= {EPOCH_MILLIS_THRESHOLD} THEN trunc(_epoch * 1000)
                     ELSE trunc(_epoch * 1000000) END AS BIGINT)))) AS event_ts
        FROM typed
    ), derived AS (
        SELECT *,
            CAST(event_ts AS DATE) AS event_date,
            hour(event_ts) AS event_hour,
            {_case_map("event_type", EVENT_CATEGORY)} AS event_category,
            coalesce(event_type = 'purchase' AND amount >= {threshold}, false) AS is_high_value,
            CASE WHEN ip IS NOT NULL THEN sha256({_lit(salt)} || ip) END AS ip_hash
        FROM timed
    ), flagged AS (
        SELECT *, {codes(("quarantine", "fail"))} AS reasons, {codes(("warn",))} AS warnings
        FROM derived
    )
    SELECT *, len(reasons) > 0 AS is_quarantined FROM flagged
    """


def run_duckdb(
    files: list[tuple[str, str, tuple[str, ...]]],
    settings: Settings,
    day: date,
    out_dir: Path,
    salt: str,
    run_id: str = "bench-duckdb",
    threads: int | None = None,
) -> RefResult:
    """Classify, dedupe, count and write `files` ((local path, json|csv, CSV header)).

    `out_dir` must not exist yet (a fresh output per run, like the ETL's fresh lake).
    """
    import duckdb

    t0 = time.perf_counter()
    mark = [t0]
    result = RefResult()

    def phase(name: str) -> None:
        now = time.perf_counter()
        result.phase_seconds[name] = round(now - mark[0], 3)
        mark[0] = now

    out_dir.mkdir(parents=True)
    con = duckdb.connect(config={"threads": threads or os.cpu_count() or 1})
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET preserve_insertion_order = false")
        con.execute(MACROS)
        json_paths = [p for p, fmt, _ in files if fmt == "json"]
        groups: dict[tuple[str, ...], list[str]] = {}
        for p, fmt, header in files:
            if fmt == "csv":
                groups.setdefault(header, []).append(p)
        sources = [_json_source(json_paths)] if json_paths else []
        sources += _csv_sources(con, groups)
        if not sources:
            raise RuntimeError("no input files for the DuckDB reference")
        source = " UNION ALL ".join(f"({s})" for s in sources)
        con.execute(
            "CREATE TEMP TABLE flagged AS SELECT *, coalesce(NOT is_quarantined AND "
            "row_number() OVER (PARTITION BY event_id, is_quarantined "
            "ORDER BY _source_file, hash(_raw_record)) > 1, false) AS is_duplicate "
            f"FROM ({_classify_sql(source, settings, day, salt)})"
        )
        phase("read_classify_dedupe")

        per_code = ", ".join(
            f"count(*) FILTER (WHERE list_contains(reasons, {_lit(c)}) "
            f"OR list_contains(warnings, {_lit(c)}))"
            for c in RULE_CODES
        )
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_quarantined), "
            "count(*) FILTER (WHERE is_duplicate), "
            f"count(*) FILTER (WHERE NOT is_quarantined AND NOT is_duplicate), {per_code} "
            "FROM flagged"
        ).fetchone()
        assert row is not None
        result.rows_read, result.rows_quarantined, result.duplicates_removed = row[:3]
        result.rows_clean = row[3]
        result.reason_counts = dict(zip(RULE_CODES, row[4:], strict=True))
        phase("count")

        provenance = (
            f"DATE '{day.isoformat()}' AS processing_date, _source_file, "
            f"{_lit(run_id)} AS _run_id, now()::TIMESTAMP AS _ingested_at"
        )
        con.execute(
            f"""
            COPY (
                SELECT event_id, user_id, session_id, event_ts, event_date, event_hour,
                       event_type, event_category, amount, currency, device, os, country, page,
                       product_id, product_category, ip_hash, user_agent, app_version,
                       is_high_value, {provenance}
                FROM flagged WHERE NOT is_quarantined AND NOT is_duplicate
            ) TO {_lit(str(out_dir / "events"))} (FORMAT parquet, PARTITION_BY (event_date))
            """
        )
        phase("write_events")
        con.execute(
            f"""
            COPY (
                SELECT _raw_record AS raw_record, reasons, event_id, user_id, event_time,
                       event_type, {provenance}
                FROM flagged WHERE is_quarantined
            ) TO {_lit(str(out_dir / "quarantine.parquet"))} (FORMAT parquet)
            """
        )
        phase("write_quarantine")
    finally:
        con.close()
    result.seconds = round(time.perf_counter() - t0, 3)
    return result
