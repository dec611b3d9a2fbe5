"""Extract: read every record of the day's files (found and inspected by io/raw_files.py)
into one DataFrame of text columns with `_raw_record`, `_is_malformed`, `_is_invalid_encoding`,
`_source_file`, and `_rescued` (the fields the contract does not name: contracts/drift.py).

JSON is read as lines (a non-blank line is a record), CSV with every column and the
corrupt-record column selected, so no parse pruning drops a row; io.recordcount counts the
same records from the bytes, apart from Spark, and the ETL compares the two per file. A
truncated or non-gzip object makes Spark fail with FAILED_READ_FILE naming it, before
anything is written; `raw_files.file_read_error` turns that into an error the user can act
on."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from eventlake.contracts.schemas import RAW_FIELDS
from eventlake.io.bucket import to_spark_path
from eventlake.io.csvcount import csv_records
from eventlake.io.raw_files import RawFile
from eventlake.transforms.frames import union_all

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

CORRUPT = "_corrupt_record"
# Fields the contract does not name: field name -> JSON text (contracts/drift.py).
RESCUED = "_rescued"


def _source_file_col():
    """`_metadata.file_path` in the bucket layer's form, the one the listing and the record
    count use: Spark reports local files as file:/path (the bucket layer: file:///path), and
    URL-encodes the path (a space is %20, `é` is %C3%A9, `%` is %25, `+` stays `+`). The
    decode runs only on paths with a `%`; `+` is protected first because url_decode (Java's
    URLDecoder) would read it as a space."""
    from pyspark.sql import functions as F

    local = F.regexp_replace(F.col("_metadata.file_path"), r"^file:/(?!/)", "file:///")
    decoded = F.url_decode(F.regexp_replace(local, r"\+", "%2B"))
    return F.when(local.contains("%"), decoded).otherwise(local)


def read_json(spark: SparkSession, files: list[RawFile], rescue: bool = True) -> DataFrame:
    """The JSON-lines files' records. `rescue` False (etl.rescue_fields, for measurement
    only) skips the unknown-field work: `_rescued` is null and no row has an unknown field."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    known_keys = F.array(*[F.lit(n) for n in RAW_FIELDS])

    from eventlake.transforms.text import is_blank, strip_whitespace

    schema = T.StructType(
        [T.StructField(n, T.StringType()) for n in RAW_FIELDS]
        + [T.StructField(CORRUPT, T.StringType())]
    )
    # A UTF-8 byte order mark opens some producers' files: drop it where a line starts.
    value = F.col("value")
    value = F.when(
        value.startswith("\ufeff"), F.substring(value, F.lit(2), F.length(value) - 1)
    ).otherwise(value)
    text = (
        spark.read.option("lineSep", "\n")
        .text([to_spark_path(f.uri) for f in files])
        .select(
            # CRLF files: drop the CR. (Not rtrim(value, '\r'): Spark's trim with a character
            # set copies the string, and this expression is inlined into the filter below.)
            F.when(value.endswith("\r"), F.substring(value, F.lit(1), F.length(value) - 1))
            .otherwise(value)
            .alias("_raw_record"),
            _source_file_col().alias("_source_file"),
        )
        .where(~is_blank(F.col("_raw_record")))
    )
    parsed = text.withColumn(
        "_j",
        F.from_json(
            "_raw_record", schema, {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT}
        ),
    )
    trimmed = strip_whitespace(F.col("_raw_record"))
    is_malformed = (
        F.col("_j").isNull()
        | F.col(f"_j.{CORRUPT}").isNotNull()
        | ~trimmed.startswith("{")
        | ~trimmed.endswith("}")
    )
    # Two projections: Spark keeps them apart (a costly column used 17 times is not
    # inlined), so the malformed check runs once per record.
    flagged = parsed.select(
        "_j",
        "_raw_record",
        is_malformed.alias("_is_malformed"),
        # The text reader keeps a line's bytes as they are; from_json then decodes invalid
        # UTF-8 to U+FFFD without a trace. So the line's own bytes are checked (a genuine
        # U+FFFD is valid UTF-8 and passes); io.recordcount counts the same lines.
        (~F.is_valid_utf8("_raw_record")).alias("_is_invalid_encoding"),
        "_source_file",
        # The keys the contract does not name (null: not a JSON object).
        (
            F.array_except(F.json_object_keys("_raw_record"), known_keys)
            if rescue
            else F.lit(None).cast("array<string>")
        ).alias("_unknown_keys"),
    )
    has_unknown = ~F.col("_is_malformed") & F.coalesce(F.size("_unknown_keys") > 0, F.lit(False))
    if not rescue:
        has_unknown = F.lit(False)
    return flagged.select(
        *[F.when(~F.col("_is_malformed"), F.col(f"_j.{n}")).alias(n) for n in RAW_FIELDS],
        "_raw_record",
        "_is_malformed",
        "_is_invalid_encoding",
        "_source_file",
        (
            F.when(has_unknown, _rescued_json(F.col("_raw_record")))
            if rescue
            else F.lit(None).cast("map<string,string>")
        ).alias(RESCUED),
        has_unknown.alias("_has_unknown_field"),
    )


def _rescued_json(raw_record):
    """The record's fields that the contract does not name, each as its JSON text
    (`"s"`, `1`, `{"b":[1,2]}`, `null`). Parsed only for records that have one."""
    from pyspark.sql import functions as F

    fields = F.from_json(raw_record, "map<string,variant>")
    unknown = F.map_filter(fields, lambda k, _: ~k.isin(*RAW_FIELDS))
    return F.transform_values(unknown, lambda _, v: F.to_json(v))


def _json_text(col):
    """A CSV field as a JSON string (`"7"`), or `null` for an empty field."""
    from pyspark.sql import functions as F

    listed = F.to_json(F.array(col))  # ["7"] or [null]
    return F.substring(listed, F.lit(2), F.length(listed) - 2)


def _extra_columns(header: tuple[str, ...]) -> list[tuple[str, str]]:
    """(frame column, rescued name) for each header column the contract does not name; a
    name that repeats is told apart by its position (`name#3`)."""
    names = [h for h in header if h not in RAW_FIELDS]
    return [
        (f"_extra_{i}", h if names.count(h) == 1 else f"{h}#{i}")
        for i, h in enumerate(header)
        if h not in RAW_FIELDS
    ]


def _flag_csv(df: DataFrame, source_file, extras: list[tuple[str, str]]) -> DataFrame:
    """Text columns, `_raw_record`, `_is_malformed`, `_is_invalid_encoding` and `_source_file`
    from a CSV frame with the corrupt-record column.

    Spark's CSV reader (and the Python one, like it) decodes the bytes before any column is
    seen, replacing invalid UTF-8 with U+FFFD, so a row holding U+FFFD is flagged: a CSV
    field that genuinely holds U+FFFD cannot be told apart and is rejected too."""
    from pyspark.sql import functions as F

    is_malformed = F.col(CORRUPT).isNotNull()
    raw_record = F.coalesce(F.col(CORRUPT), F.to_json(F.struct(*[F.col(n) for n in RAW_FIELDS])))
    # Extra header columns are rescued like a JSON line's unknown fields, as JSON strings
    # (CSV has no types); an extra field holding U+FFFD marks the row invalid_encoding too.
    rescued = (
        F.when(
            ~is_malformed,
            F.create_map(*[x for col, name in extras for x in (F.lit(name), _json_text(col))]),
        )
        if extras
        else F.lit(None).cast("map<string,string>")
    )
    bad_text = raw_record.contains("\ufffd")
    for col, _ in extras:
        bad_text = bad_text | (
            ~is_malformed & F.coalesce(F.col(col).contains("\ufffd"), F.lit(False))
        )
    return df.select(
        *[F.when(~is_malformed, F.col(n)).alias(n) for n in RAW_FIELDS],
        raw_record.alias("_raw_record"),
        is_malformed.alias("_is_malformed"),
        bad_text.alias("_is_invalid_encoding"),
        source_file.alias("_source_file"),
        rescued.alias(RESCUED),
        (~is_malformed if extras else F.lit(False)).alias("_has_unknown_field"),
    )


def csv_rows_python(f: RawFile, cuts: tuple[int, ...]) -> Iterator[tuple[str | None, ...]]:
    """The records of a CSV that has a quote that never closes, parsed in Python with the
    record boundaries of io.recordcount: the cut record is malformed (its raw text kept in
    the corrupt-record column), every other record is split into fields as Spark's reader
    would (`""` is a quote, a CRLF inside quotes becomes LF, an empty field is null, a row
    with another number of fields than the header is malformed). Yields RAW_FIELDS values
    then the extra columns' values (`_extra_columns`), then the corrupt record."""
    position = {name: i for i, name in enumerate(f.header) if name in RAW_FIELDS}
    extra = [int(col.removeprefix("_extra_")) for col, _ in _extra_columns(f.header)]
    malformed_row = (None,) * (len(RAW_FIELDS) + len(extra))
    records = csv_records(f.uri, cuts, f.size)
    next(records, None)  # the header, already read by inspect_file
    for raw, is_cut in records:
        text = raw.decode("utf-8", errors="replace")
        if is_cut:
            yield (*malformed_row, text)
            continue
        fields = next(csv.reader([text.replace("\r\n", "\n")], strict=False), [])
        if len(fields) != len(f.header):
            yield (*malformed_row, text)
            continue
        yield (
            *[fields[position[n]] or None for n in RAW_FIELDS],
            *[fields[i] or None for i in extra],
            None,
        )


def read_csv_python(spark: SparkSession, f: RawFile, cuts: tuple[int, ...]) -> DataFrame:
    """`csv_rows_python` as a DataFrame (built on the driver: for the few files that need it)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    extras = _extra_columns(f.header)
    names = (*RAW_FIELDS, *[col for col, _ in extras], CORRUPT)
    schema = T.StructType([T.StructField(n, T.StringType()) for n in names])
    df = spark.createDataFrame(list(csv_rows_python(f, cuts)), schema)
    return _flag_csv(df, F.lit(f.uri), extras)


def read_csv(
    spark: SparkSession, files: list[RawFile], python_cuts: Mapping[str, tuple[int, ...]]
) -> DataFrame | None:
    """One Spark read per distinct header (columns are matched by name, any order); files
    in `python_cuts` (a quote that never closes) are read by `read_csv_python` instead."""
    from pyspark.sql import types as T

    by_header: dict[tuple[str, ...], list[RawFile]] = {}
    frames = []
    for f in files:
        if f.is_empty:
            continue
        if f.uri in python_cuts:
            frames.append(read_csv_python(spark, f, python_cuts[f.uri]))
        else:
            by_header.setdefault(f.header, []).append(f)
    for header, group in by_header.items():
        names = [h if h in RAW_FIELDS else f"_extra_{i}" for i, h in enumerate(header)]
        schema = T.StructType(
            [T.StructField(n, T.StringType()) for n in names]
            + [T.StructField(CORRUPT, T.StringType())]
        )
        df = (
            spark.read.schema(schema)
            .option("header", True)
            .option("multiLine", True)
            .option("escape", '"')
            .option("mode", "PERMISSIVE")
            .option("columnNameOfCorruptRecord", CORRUPT)
            .option("encoding", "UTF-8")
            .csv([to_spark_path(f.uri) for f in group])
        )
        frames.append(_flag_csv(df, _source_file_col(), _extra_columns(header)))
    return union_all(frames)


def read_raw(
    spark: SparkSession,
    files: list[RawFile],
    python_cuts: Mapping[str, tuple[int, ...]] | None = None,
    rescue: bool = True,
) -> DataFrame:
    """All records of the day's files, JSON and CSV together, as text columns.
    `python_cuts`: CSV files to parse in Python, with their cut lines (io.recordcount).
    `rescue`: see read_json (CSV's extra header columns are rescued either way)."""
    from pyspark.sql import types as T

    frames = []
    json_files = [f for f in files if f.format == "json" and not f.is_empty]
    if json_files:
        frames.append(read_json(spark, json_files, rescue))
    csv_files = [f for f in files if f.format == "csv"]
    csv_df = read_csv(spark, csv_files, python_cuts or {}) if csv_files else None
    if csv_df is not None:
        frames.append(csv_df)
    out = union_all(frames)
    if out is None:
        schema = T.StructType(
            [T.StructField(n, T.StringType()) for n in RAW_FIELDS]
            + [
                T.StructField("_raw_record", T.StringType()),
                T.StructField("_is_malformed", T.BooleanType()),
                T.StructField("_is_invalid_encoding", T.BooleanType()),
                T.StructField("_source_file", T.StringType()),
                T.StructField(RESCUED, T.MapType(T.StringType(), T.StringType())),
                T.StructField("_has_unknown_field", T.BooleanType()),
            ]
        )
        out = spark.createDataFrame([], schema)
    return out
